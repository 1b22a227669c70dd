"""The regc task end to end on a tiny data set: split, baselines, training targets, runs."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.regc.lattice import LatticeGas
from baselines.regc.solvers import ExactTransferMatrix, MBAREstimates, split_mbar
from baselines.regc.transfer_matrix import transfer_matrix_dos
from bench.baseline import run_baseline
from bench.train import run_training
from leaderboard.configs import compose, make_datamodule
from tasks.regc.data import exact_dos, mbar_training_targets
from tasks.spec import get_task
from tasks.splits import compare

SPEC = get_task("regc")
SMOKE = ["experiment=regc_quick", "debug=smoke"]


@pytest.fixture(scope="module")
def split():
    """The smoke-size split, built in memory."""
    return make_datamodule(compose(SMOKE), cache_dir=None).test_split()


def test_split_follows_the_spec(split):
    assert set(split.inputs) == set(SPEC.inputs)
    assert set(split.references) == set(SPEC.references)
    assert set(split.provenance) == set(SPEC.provenance)
    n_k = split.inputs["samples_per_state"]
    assert n_k.size == split.inputs["replica_temperature"].size * split.inputs["replica_mu"].size
    assert np.all(n_k > 0) and n_k.sum() == split.inputs["sample_n_ads"].size
    assert split.inputs["sample_bonds"].shape == split.inputs["sample_n_ads"].shape
    assert split.inputs["replica_mask"].sum() == n_k.size
    assert split.n_samples(SPEC) == split.inputs["temperature"].size


def test_references_are_hidden_from_predictors(split):
    for key in SPEC.references:
        with pytest.raises(KeyError, match="hidden"):
            split.inputs[key]


def test_split_holds_the_sampler_diagnostics_as_provenance(split):
    acceptance = split.provenance["swap_acceptance"]
    assert acceptance.shape == (2, 3, 3)
    assert np.all(np.isnan(acceptance[0, -1]))  # no partner above T_max
    assert split.provenance["moves_per_second"] > 0
    assert np.all(split.provenance["statistical_inefficiency"] >= 1)


def test_stored_split_is_reused_and_a_rebuild_reproduces_it(split, tmp_path):
    stored = make_datamodule(compose(SMOKE), cache_dir=str(tmp_path)).test_split()
    again = make_datamodule(compose(SMOKE), cache_dir=str(tmp_path)).test_split()
    assert stored.path is not None and again.path == stored.path
    assert stored.split_id == split.split_id  # timings are provenance, outside the id
    assert all(row.ok and row.max_abs == 0 for row in compare(SPEC, stored, split))


def test_exact_reference_does_not_depend_on_the_worker_count(monkeypatch):
    model = LatticeGas((4, 6), 0.3, -0.1)
    monkeypatch.setenv("EXACTBENCH_WORKERS", "2")
    np.testing.assert_array_equal(exact_dos(model, None), transfer_matrix_dos(model))


def test_baselines_compute_from_the_inputs_and_the_exact_one_scores_zero(split):
    evaluate = SPEC.load_evaluator()
    exact = evaluate(ExactTransferMatrix().predict(split.inputs), split.scoring)
    assert exact["coverage_max_abs"] == 0 and exact["heat_capacity_max_abs"] == 0
    predictions = MBAREstimates().predict(split.inputs)
    mbar = evaluate(predictions, split.scoring)
    assert 0 < mbar["coverage_max_abs[replica]"] < 0.1
    np.testing.assert_allclose(predictions["overlap"].sum(axis=1), 1.0, atol=1e-8)
    assert 0 < predictions["overlap_scalar"] <= 1


def test_training_targets_are_mbar_of_the_inputs_and_cached(split, tmp_path):
    targets = mbar_training_targets(split.inputs)
    mask = split.inputs["train_mask"]
    assert targets["coverage"].size == mask.sum()
    assert np.all(np.isfinite(targets["coverage_sigma"])) and np.all(targets["energy_sigma"] > 0)
    mbar = MBAREstimates().predict(split.inputs)
    np.testing.assert_allclose(targets["coverage"], mbar["coverage"][mask], rtol=1e-8)
    np.testing.assert_allclose(targets["energy"], mbar["energy"][mask], rtol=1e-8)
    module = make_datamodule(compose(SMOKE), cache_dir=str(tmp_path))
    cached = module.training_targets()
    assert len(list((tmp_path / "regc").glob("*.npz"))) == 1  # the training cache
    np.testing.assert_array_equal(cached["coverage"], targets["coverage"])
    module.setup()
    rows = module.train_batch["coverage"].numel() + module.validation_batch["coverage"].numel()
    assert rows == mask.sum()
    assert split_mbar(split.inputs).mbar.N_k.sum() == split.inputs["sample_n_ads"].size


@pytest.mark.parametrize("experiment", ["regc_quick", "regc_8x8"])
def test_experiment_trains_on_tiny_data_and_draws_its_figures(experiment, composed):
    cfg, run_dir = composed([f"experiment={experiment}", "debug=smoke", "plots=true"])
    record = run_training(cfg, run_dir)
    assert record.method == "regc_grand_potential"
    assert np.isfinite(record.metrics["heat_capacity_rmse"])
    assert (run_dir / "plots" / "phase_diagram.png").is_file()


def test_mbar_baseline_run_is_timed_with_its_analysis(composed):
    cfg, run_dir = composed([*SMOKE, "baseline=regc_mbar", "plots=true"])
    record = run_baseline(cfg, run_dir)
    assert record.metrics["coverage_max_abs"] > 0 and record.timings["inference_total"] > 0
    assert (run_dir / "plots" / "free_energy_curves.png").is_file()


def test_report_command_draws_the_physics_figures(composed):
    from bench.report import run_report

    cfg, run_dir = composed(["experiment=regc_quick"])
    paths = run_report(cfg, run_dir)
    assert [p.name for p in paths] == ["chemical_potential_O2.png", "orr_free_energy_diagram.png"]
    assert all(p.stat().st_size > 0 for p in paths)
