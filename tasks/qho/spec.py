"""Declared contract of the qho task: a state of the d-dim harmonic oscillator on a test grid.

The state is ``task.state``: ``psi01`` (Π_k ψ_{0,1}(x_k, t)) or ``entangled`` (a sum of two
products, ``baselines.qho.exact``).

A predictor reads the grid (``axis``, ``t``, ``omega``, ``slices``) and returns ``u``, ``v`` of
shape (n_ω, n_t, n_x^d); the exact state on that grid is the reference. d is ``task.dim``.
"""

from tasks.spec import Array, CodeRef, Metric, TaskSpec

SPEC = TaskSpec(
    name="qho",
    description=(
        "Time-dependent Schrödinger equation of the d-dim harmonic oscillator (atomic units): "
        "predict ψ(x, t) = Re + i Im (ψ_{0,1} or a non-product state, task.state) on a "
        "uniform grid for each test ω."
    ),
    inputs={
        "axis": Array("grid points of every spatial axis (n_x,)", "bohr"),
        "t": Array("test times (n_t,)", "ħ/E_h"),
        "omega": Array("test angular frequencies (n_ω,), one test sample each", "E_h/ħ"),
        "slices": Array(
            "planes scored and plotted, rows (axis index, coordinate, t) (n_slices, 3)",
            "1, bohr, ħ/E_h",
        ),
    },
    references={
        "u": Array("exact Re ψ on the grid (n_ω, n_t, n_x^d)", "bohr^(-d/2)"),
        "v": Array("exact Im ψ on the grid (n_ω, n_t, n_x^d)", "bohr^(-d/2)"),
    },
    provenance={},
    metrics={
        "density_mse": Metric(
            "mean squared error of n = u² + v² on the grid", "bohr^(-2d)", "lower"
        ),
        "log10_density_mse": Metric("log10 of density_mse", "log10(bohr^(-2d))", "lower"),
        "density_max_abs": Metric("largest |n_pred - n|", "bohr^(-d)", "lower"),
        "density_mean_abs": Metric("mean |n_pred - n|", "bohr^(-d)", "lower"),
        "u_mse": Metric("mean squared error of Re ψ (global phase counts)", "bohr^(-d)", "lower"),
        "v_mse": Metric("mean squared error of Im ψ (global phase counts)", "bohr^(-d)", "lower"),
        "norm_max_abs": Metric("largest |∫_box n_pred - ∫_box n| over t", "1", "lower"),
    },
    primary_metric="density_mse",
    sample_key="omega",
    models=("qho_pinn", "qho_spinn"),
    baselines=("qho_exact", "qho_split_operator"),
    default_model="qho_pinn",
    default_baseline="qho_split_operator",
    exact_methods=("qho_exact",),
    evaluator=CodeRef("tasks.qho.evaluator:evaluate"),
    datamodule=CodeRef("tasks.qho.data:QHODataModule"),
    plotter=CodeRef("tasks.qho.plots:plot_predictions"),
)
