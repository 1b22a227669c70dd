"""The heat task's declared contract."""

from pathlib import Path

from tasks.spec import Array, CodeRef, Metric, TaskSpec

SPEC = TaskSpec(
    name="heat",
    description="1D heat equation on [0, π], Dirichlet, from sine-series initial states",
    inputs={
        "x": Array("grid on [0, π]", "1"),
        "t": Array("output times", "1"),
        "kappa": Array("diffusivity κ", "1"),
        "coefficients": Array("sine coefficients a_k of u(x, 0), one row per sample", "1"),
    },
    references={"u": Array("exact u(x, t), shape (n, n_t, n_x)", "1")},
    provenance={},
    metrics={
        "u_mse": Metric("mean squared error of u", "1", "lower"),
        "u_max_abs": Metric("largest absolute error of u", "1", "lower"),
    },
    primary_metric="u_mse",
    sample_key="coefficients",
    models=("heat_modes",),
    baselines=("heat_fd", "heat_exact"),
    default_model="heat_modes",
    default_baseline="heat_fd",
    exact_methods=("heat_exact",),
    evaluator=CodeRef("heat_task.task:evaluate"),
    datamodule=CodeRef("heat_task.task:HeatDataModule"),
    conf_dir=Path(__file__).parent / "conf",
)
