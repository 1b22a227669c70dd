"""The declared contract of the ``mft`` task (see :mod:`tasks.spec`).

Predictors read the simulated current statistics of every system with the metadata that
defines it (model, setting, densities, times, box, sample counts) and the r grid on which to
give the scaling function; they are scored against the continuum MFT values. Units are lattice
units: site spacing 1, hop rate 1 to each neighbour (times in inverse hop rates), Q counted in
particles.
"""

from __future__ import annotations

from tasks.spec import Array, CodeRef, Metric, TaskSpec

LATTICE = "lattice units (site spacing 1, hop rate 1)"

SPEC = TaskSpec(
    name="mft",
    description=(
        "Multi-time current statistics of 1D lattice gases (independent walkers, SSEP; "
        "annealed, quenched) simulated exactly, against macroscopic fluctuation theory"
    ),
    inputs={
        "t": Array("recording times, increasing", "1/hop rate"),
        "system": Array("system name '<case>/<role>'"),
        "system_case": Array("index of the case a system belongs to"),
        "system_role": Array("'equilibrium' (ρ_a = ρ_b) or 'step' (ρ_a ≠ ρ_b)"),
        "model": Array("lattice gas of a system: 'walkers' or 'ssep'"),
        "setting": Array("initial condition of a system: 'annealed' or 'quenched'"),
        "rho_a": Array("initial density on sites x ≤ 0", "particles/site"),
        "rho_b": Array("initial density on sites x ≥ 1", "particles/site"),
        "n_samples": Array("independent simulated samples of a system"),
        "half_width": Array("half-width of the simulated box", "sites"),
        "cumulants": Array(
            "k-statistics κ_1..κ_4 of Q(t) per system (systems, 4, t)", "particles^n (row n)"
        ),
        "cumulants_err": Array("jackknife standard errors of cumulants", "particles^n (row n)"),
        "corr": Array("sample covariance ⟨Q(t1)Q(t2)⟩_c per system (systems, t, t)", "particles²"),
        "corr_err": Array("jackknife standard errors of corr", "particles²"),
        "samples": Array(
            "raw Q(t) of every sample, systems concatenated (samples, t)", "particles"
        ),
        "samples_system": Array("system index of each row of samples"),
        "case": Array("case name (one test sample = one case)"),
        "case_model": Array("lattice gas of a case"),
        "case_setting": Array("initial condition of a case"),
        "case_rho": Array("equilibrium density of a case", "particles/site"),
        "r": Array("grid of r = t1/t2 on [0, 1] for the scaling function"),
    },
    references={
        "sigma_exact": Array("mobility σ(ρ) of each case", LATTICE),
        "d_exact": Array("diffusion coefficient D(ρ) of each case", LATTICE),
        "scaling_exact": Array("scaling function f(r), C(t1, t2) = √t2 f(t1/t2), per case"),
        "mean_exact": Array("continuum mean current ⟨Q(t)⟩ per system (systems, t)", "particles"),
        "corr_exact": Array(
            "continuum ⟨Q(t1)Q(t2)⟩_c per system (NaN on step systems)", "particles²"
        ),
    },
    provenance={
        "events": Array("simulated events per system (walker moves / SSEP bond clock rings)"),
        "end_effect_bound": Array(
            "bound on the probability that a walk from the central bond reaches a box end by "
            "the last time (a check of the box size)"
        ),
    },
    metrics={
        "corr_rel_rmse": Metric(
            "relative RMS error of ⟨Q(t1)Q(t2)⟩_c, t1 ≤ t2, equilibrium systems", "1", "lower"
        ),
        "corr_chi2": Metric(
            "mean squared z-score of corr against the simulated estimates", "1", "lower"
        ),
        "sigma_D_max_rel_err": Metric("largest |x/x_exact - 1| over fitted σ and D", "1", "lower"),
        "mean_rel_rmse": Metric("relative RMS error of the step mean currents", "1", "lower"),
        "scaling_rel_rmse": Metric("relative RMS error of f(r) for r > 0", "1", "lower"),
    },
    primary_metric="corr_rel_rmse",
    sample_key="case",
    models=("mft_mft_form", "mft_scaling_net"),
    baselines=("mft_formula", "mft_solver", "mft_symbolic", "mft_symbolic_primitives"),
    default_model="mft_mft_form",
    default_baseline="mft_formula",
    exact_methods=("mft_formula",),
    evaluator=CodeRef("tasks.mft.evaluator:evaluate"),
    datamodule=CodeRef("tasks.mft.data:MFTDataModule"),
    plotter=CodeRef("tasks.mft.plots:plot_predictions"),
    report=CodeRef("tasks.mft.report:write_formula_report"),
)
