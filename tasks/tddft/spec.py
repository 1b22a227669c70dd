"""Contract of the TDDFT task: density movies of 1D two-electron systems under a laser.

A predictor gets each test system (Z1, Z2, d), the grid, the frame times, the rollout protocol
and the frames it may start from (``observed_density``: every frame before ``score_from``); the
full reference movie ``density`` is hidden. Propagators start from the ground state of the
parameters; autoregressive models roll out from frames [rollout_start, rollout_start + T_in).
"""

from tasks.spec import Array, CodeRef, Metric, TaskSpec

# Rebuilds with 1 or 2 workers and 1 or 2 BLAS threads were bitwise identical on the 241-point
# grid; on 481 points two BLAS threads moved densities by up to 7e-14 (relative 8e-14 at the
# peak). OpenBLAS/NumPy kernels of other CPUs (AVX2, SSE) moved them by up to 4.5e-12 (relative
# 1e-11 at the peak, unbounded in the tails where n ~ 1e-35), over the 100-system split: atol
# 1e-10 electrons/bohr keeps 20 times that, far below any scored error (reference ~1e-4).
MOVIE = {"rtol": 1e-9, "atol": 1e-10}
DENSITY_UNIT = "electrons/bohr"

SPEC = TaskSpec(
    name="tddft",
    description=(
        "Autoregressive propagation of the electron density n(x, t) of 1D two-electron atoms and "
        "diatomics in a strong laser field, against Octopus-style TDKS propagators"
    ),
    inputs={
        "params": Array(
            "test systems, rows (Z1, Z2, d): nuclear charges and bond length", "e, e, bohr"
        ),
        "x": Array(
            "grid of the test movies (the super-resolution study: finer than training)", "bohr"
        ),
        "t": Array("frame times; frame 0 is the ground state", "ħ/E_h"),
        "rollout_start": Array("first input frame of the rollouts", "frame index"),
        "score_from": Array(
            "first scored frame (rollout inputs must end before it)", "frame index"
        ),
        "observed_density": Array(
            "density frames 0 .. score_from-1 of every test system (systems, frames, x)",
            DENSITY_UNIT,
            **MOVIE,
        ),
    },
    references={
        "density": Array(
            "reference TDKS density movie n(x, t) (systems, frames, x)", DENSITY_UNIT, **MOVIE
        ),
    },
    provenance={},
    metrics={
        "density_mae": Metric("mean |n_pred - n_ref| over scored frames", DENSITY_UNIT, "lower"),
        "density_mse": Metric(
            "mean (n_pred - n_ref)² over scored frames", "(electrons/bohr)^2", "lower"
        ),
        "density_max_abs": Metric("max |n_pred - n_ref| over scored frames", DENSITY_UNIT, "lower"),
        "final_frame_mae": Metric("mean |n_pred - n_ref| at the last frame", DENSITY_UNIT, "lower"),
        "number_max_abs": Metric("max |N_pred(t) - N_ref(t)|, N = Σ n Δx", "electrons", "lower"),
        "dipole_mae": Metric("mean |μ_pred(t) - μ_ref(t)|, μ = Σ x n Δx", "e bohr", "lower"),
        "dipole_max_abs": Metric("max |μ_pred(t) - μ_ref(t)|", "e bohr", "lower"),
    },
    primary_metric="density_mae",
    sample_key="params",
    models=("tddft_fno",),
    baselines=("tddft_reference", "tddft_coarse"),
    default_model="tddft_fno",
    default_baseline="tddft_reference",
    exact_methods=("tddft_reference",),
    evaluator=CodeRef("tasks.tddft.evaluator:evaluate"),
    datamodule=CodeRef("tasks.tddft.data:TDDFTDataModule"),
    plotter=CodeRef("tasks.tddft.plots:plot_predictions"),
    report=CodeRef("tasks.tddft.frontier:frontier_report"),
)
