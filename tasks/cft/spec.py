"""Declared contract of the cft task: recover an exact CFT formula by symbolic regression.

A method fits the training table (integer inputs and exact targets), so that table and the
scoring settings are inputs; it then predicts the held-out rows (larger theories), whose exact
targets and the true formula are references. One test sample is one formula search.
"""

from tasks.spec import Array, CodeRef, Metric, TaskSpec

SPEC = TaskSpec(
    name="cft",
    description=(
        "Recover the central charge c or the primary weights h of Virasoro minimal models and "
        "su(2)_k WZW models (or a CSV table's target) as an exact formula of integer labels."
    ),
    inputs={
        "input_names": Array("names of the d input columns (d,)"),
        "quantity": Array("name of the target searched for (1,): c, h, h21_of_c or the CSV column"),
        "train_x": Array("training table: integer inputs (n, d)"),
        "train_num": Array("training targets, numerators of the reduced fractions (n,)"),
        "train_den": Array("training targets, denominators of the reduced fractions (n,)"),
        "heldout_x": Array("held-out table (larger theories): integer inputs (m, d)"),
        "integer_columns": Array("constant columns 1..N offered to the engines (scalar)"),
        "max_denominator": Array("largest denominator of a rationalised constant (scalar)"),
        "constant_rtol": Array(
            "tolerance of rationalising a constant, relative to the largest one (scalar)"
        ),
    },
    references={
        "heldout_num": Array("held-out targets, numerators of the reduced fractions (m,)"),
        "heldout_den": Array("held-out targets, denominators of the reduced fractions (m,)"),
        "formula": Array("ground truth over input_names (1,); empty when unknown"),
    },
    provenance={},
    metrics={
        "exact": Metric(
            "1 if the chosen expression, rationalised, reproduces every training and held-out "
            "target in rational arithmetic (and equals the formula when known), else 0",
            "1",
            "higher",
        ),
        "symbolic_match": Metric(
            "1 if it equals the formula symbolically (NaN: no formula)", "1", "higher"
        ),
        "rationalized": Metric("1 if its constants could be rationalised", "1", "higher"),
        "front_exact": Metric("1 if any member of the Pareto front is exact", "1", "higher"),
        "complexity": Metric("nodes of the expression tree", "1", "lower"),
        "train_mse": Metric("mean squared error on the training rows", "target²", "lower"),
        "extrapolation_mse": Metric("mean squared error on the held-out rows", "target²", "lower"),
        "extrapolation_max_abs_error": Metric(
            "largest |error| on the held-out rows", "target", "lower"
        ),
        "search_seconds": Metric("wall time of the search or training", "s", "lower"),
        "search_cpu_seconds": Metric("CPU time of the search over all threads", "s", "lower"),
    },
    primary_metric="exact",
    sample_key="quantity",
    models=("cft_eql",),
    baselines=("cft_exact", "cft_operon", "cft_operon_no_constants", "cft_pysr", "cft_rational"),
    default_model="cft_eql",
    default_baseline="cft_operon",
    exact_methods=("cft_exact",),
    evaluator=CodeRef("tasks.cft.evaluator:evaluate"),
    datamodule=CodeRef("tasks.cft.data:CFTDataModule"),
    plotter=CodeRef("tasks.cft.plots:plot_predictions"),
    report=CodeRef("tasks.cft.regimes:write_regime_tables"),
)
