"""The regc task's contract: REGC samples in, transfer-matrix thermodynamics as the reference.

A predictor gets the evaluation grid, the replica grid, the lattice parameters and the
decorrelated REGC samples (N, B) of every replica state, and returns per-site grids of shape
(n_T, n_μ) (see :mod:`tasks.regc.evaluator`). MBAR itself is a predictor (``regc_mbar``), so the
split holds no MBAR result; run timings and sampler statistics are provenance.

Every array keeps the default tolerances: splits built with 1 worker and 1 BLAS thread and with
2 workers and 2 threads were identical (same split id) at smoke and regc_quick size, since every
chain has its own seed and the transfer matrix sums its orbits in a fixed order.
"""

from __future__ import annotations

from tasks.spec import Array, CodeRef, Metric, TaskSpec

SPEC = TaskSpec(
    name="regc",
    description=(
        "Adsorbate lattice gas on an L × M torus: from replica-exchange grand-canonical samples, "
        "per-site coverage, energy, heat capacity, susceptibility and grand potential on a "
        "(T, μ) grid, scored against the exact transfer matrix."
    ),
    inputs={
        "temperature": Array("evaluation grid temperatures (one test sample per row)", "K"),
        "mu": Array("evaluation grid chemical potentials", "eV"),
        "replica_temperature": Array("temperatures of the replica states (geometric ladder)", "K"),
        "replica_mu": Array("chemical potentials of the replica states (linear)", "eV"),
        "replica_mask": Array("evaluation grid points that are replica states, (n_T, n_μ)"),
        "lattice_shape": Array("lattice lengths [L, M] of the torus", "sites"),
        "eps0": Array("adsorption energy ε0 (> 0 binds)", "eV"),
        "eps": Array("nearest-neighbour interaction ε (> 0 attractive)", "eV"),
        "sample_n_ads": Array(
            "decorrelated REGC samples: adsorbate count N, flat, ordered by state k = l·n_μ + m "
            "of the replica grid (samples_per_state[k] per state)",
            "adsorbates",
        ),
        "sample_bonds": Array("occupied nearest-neighbour bonds B of the same samples", "bonds"),
        "samples_per_state": Array("decorrelated samples of each replica state k", "samples"),
        "train_mask": Array("training grid of learned models: evaluation grid points, (n_T, n_μ)"),
        "cv_peak_mu": Array("μ of the C(T) peak metric", "eV"),
        "log10_pressure": Array("log10(p/p0) of the gas in equilibrium at (T, μ), (n_T, n_μ)"),
        "gas_name": Array("name of the gas molecule of log10_pressure"),
    },
    references={
        "coverage": Array("exact θ = ⟨N⟩/LM, (n_T, n_μ)"),
        "energy": Array("exact ⟨E⟩/LM, (n_T, n_μ)", "eV"),
        "heat_capacity": Array("exact β²Var(E)/LM, (n_T, n_μ)", "k_B"),
        "susceptibility": Array("exact ∂θ/∂μ at fixed T, (n_T, n_μ)", "1/eV"),
        "beta_omega": Array("exact βΩ/LM = -ln Ξ/LM, (n_T, n_μ)"),
        "dominant_coverage": Array("exact argmax_N P(N)/LM, (n_T, n_μ)"),
        "dos": Array(
            "g(N, B) of the transfer matrix: configurations with N adsorbates and B occupied "
            "bonds, (LM + 1, 2LM + 1); float64, exact up to 2^53 and rounded beyond",
            "configurations",
        ),
    },
    provenance={
        "sampling_seconds": Array("wall time of the slowest REGC chain", "s"),
        "exact_seconds": Array("wall time of the transfer matrix and its grid", "s"),
        "moves_per_second": Array("attempted flips and hops per second of sampling", "1/s"),
        "attempted_moves": Array("attempted flips and hops over all chains", "moves"),
        "sweeps": Array("sweeps over all chains", "sweeps"),
        "swap_acceptance": Array(
            "replica-swap acceptance (2, n_T', n_μ'): along T, along μ; NaN without a partner"
        ),
        "statistical_inefficiency": Array(
            "largest statistical inefficiency of each state over the chains", "sweeps"
        ),
    },
    metrics={
        "coverage_max_abs": Metric("largest |Δθ| over the grid", "1", "lower"),
        "coverage_rmse": Metric("RMS error of θ over the grid", "1", "lower"),
        "energy_rmse": Metric("RMS error of ⟨E⟩/LM over the grid", "eV", "lower"),
        "susceptibility_rmse": Metric("RMS error of χ over the grid", "1/eV", "lower"),
        "heat_capacity_rmse": Metric("RMS error of C per site over the grid", "k_B", "lower"),
        "heat_capacity_max_abs": Metric("largest |ΔC| per site over the grid", "k_B", "lower"),
        "beta_omega_max_abs": Metric(
            "largest error of βΩ/LM relative to the first grid point", "1", "lower"
        ),
        "cv_ridge_T_mae": Metric("mean error of the C(T) ridge temperature per μ", "K", "lower"),
    },
    primary_metric="heat_capacity_rmse",
    sample_key="temperature",
    models=("regc_grand_potential",),
    baselines=("regc_exact", "regc_mbar"),
    default_model="regc_grand_potential",
    default_baseline="regc_mbar",
    exact_methods=("regc_exact",),
    evaluator=CodeRef("tasks.regc.evaluator:evaluate"),
    datamodule=CodeRef("tasks.regc.data:RegcDataModule"),
    plotter=CodeRef("tasks.regc.plots:plot_predictions"),
    report=CodeRef("tasks.regc.figures:physics_figures"),
)
