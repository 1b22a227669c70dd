"""The formula report: verdicts of the draft's formulas on a small simulated split, files."""

from __future__ import annotations

from baselines.mft.predictors import ExactFormulas
from bench.report import run_report
from tasks.mft.plots import plot_predictions
from tasks.mft.report import formula_rows, write_formula_report


def test_misprinted_mean_current_fails_and_corrected_one_holds(tiny_split):
    rows = formula_rows(tiny_split.scoring, t_min=1.0, z_max=4.0, rel_tol=0.02)
    verdict = {(r["formula"], r["system"]): r["verdict"] for r in rows}
    assert verdict[("(37)", "walkers_annealed/step")] == "fails"
    assert verdict[("(37) corrected", "walkers_annealed/step")] != "fails"
    # the annealed SSEP variance is σ√(t/π) with σ = 2ρ(1-ρ), half of what (38) states
    assert verdict[("(38)", "ssep_annealed/equilibrium")] == "fails"
    assert verdict[("(38)", "walkers_annealed/equilibrium")] != "fails"


def test_report_and_figures_are_written(tiny_split, tmp_path):
    paths = write_formula_report(tiny_split.scoring, tmp_path, t_min=4.0, z_max=4.0, rel_tol=0.02)
    text = paths[0].read_text()
    assert "| (49) | walkers_annealed/equilibrium |" in text and "lattice ⟨Q⟩" in text
    assert all(path.is_file() for path in paths)
    figures = plot_predictions(
        ExactFormulas().predict(tiny_split.inputs), tiny_split.scoring, tmp_path / "p"
    )
    assert [p.name for p in figures] == [
        "scaling_function.png", "two_time_correlation.png", "step_mean_current.png",
    ]  # fmt: skip


def test_report_command_runs_at_smoke_size(composed, monkeypatch):
    """``exactbench report experiment=mft_targets debug=smoke``: the spec's hook on the split."""
    monkeypatch.setenv("EXACTBENCH_WORKERS", "1")
    cfg, run_dir = composed(["experiment=mft_targets", "debug=smoke"])
    paths = run_report(cfg, run_dir)
    assert [p.name for p in paths] == [
        "formula_report.md", "formula_checks.png", "lattice_checks.png",
    ]  # fmt: skip
