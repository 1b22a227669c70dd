"""The ks_inversion test split follows its spec: predictors see the grid, the densities, the
systems with their external potentials, the gauge -I and the physics settings; the exact
potentials and energies are hidden from them (smoke size, in memory)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf

from baselines.ks_inversion.exact import solve_system
from baselines.ks_inversion.systems import hartree_potential
from leaderboard.configs import compose, make_datamodule
from tasks.ks_inversion.evaluator import evaluate
from tasks.ks_inversion.pinn import BatchedMLP
from tasks.ks_inversion.spec import SPEC
from tasks.spec import get_task
from tasks.splits import Split


@pytest.fixture(autouse=True)
def serial(monkeypatch):
    """Two tiny systems: no process pool."""
    monkeypatch.setenv("EXACTBENCH_WORKERS", "1")


def smoke(*overrides: str, cache_dir: str | None = None):
    """Composed config at smoke size and its test split (in memory unless ``cache_dir``)."""
    cfg = compose(["task=ks_inversion", "debug=smoke", *overrides])
    return cfg, make_datamodule(cfg, cache_dir=cache_dir).test_split()


def method(cfg, group: str):
    """The ``model`` or ``baseline`` of ``cfg``, built as the harness builds it; its name is its
    config file's stem and the spec's."""
    params = OmegaConf.to_container(cfg[group], resolve=True)
    name = params.pop("name")
    assert name == cfg.hydra.runtime.choices[group]
    assert name in (SPEC.models if group == "model" else SPEC.baselines)
    return instantiate(params, _convert_="all")


@pytest.fixture(scope="module")
def split() -> Split:
    return smoke()[1]


def test_split_holds_exactly_the_declared_arrays(split: Split) -> None:
    assert get_task("ks_inversion") is SPEC
    assert split.path is None
    assert set(split.inputs) == set(SPEC.inputs)
    assert set(split.references) == set(SPEC.references) and not split.provenance
    assert split.n_samples(SPEC) == 2
    assert split.inputs["density"].shape == split.references["v_xc"].shape == (2, 41)


def test_predictors_get_a_key_error_for_a_reference(split: Split) -> None:
    for key in SPEC.references:
        with pytest.raises(KeyError, match="references are hidden"):
            split.inputs[key]
    with pytest.raises(ValueError, match="read-only"):
        split.inputs["density"][0, 0] = 0.0


def test_stored_split_is_reused_and_keyed_by_its_grid(tmp_path) -> None:
    _, built = smoke(cache_dir=str(tmp_path))
    _, loaded = smoke(cache_dir=str(tmp_path))
    assert loaded.path is not None and loaded.split_id == built.split_id
    _, finer = smoke("task.test_nx=61", cache_dir=str(tmp_path))
    assert finer.split_id != built.split_id and finer.inputs["x"].shape == (61,)


@pytest.mark.parametrize("baseline", SPEC.baselines)
def test_baselines_invert_the_densities_from_the_inputs(baseline: str, split: Split) -> None:
    cfg = compose(["task=ks_inversion", "debug=smoke", f"baseline={baseline}"])
    if baseline == "ks_idea":
        cfg.baseline.max_systems = 1
    metrics = evaluate(method(cfg, "baseline").predict(split.inputs), split.scoring)
    if baseline == "ks_analytic":  # the target's own inversion: exact
        assert metrics["v_xc_mae"] == 0.0 and metrics["systems_scored"] == 2
    else:  # measured 4.9e-4 Ha on the first smoke system
        assert metrics["v_xc_mae"] < 1e-3 and metrics["systems_scored"] == 1


def test_pinn_predicts_from_the_inputs_with_the_hartree_potential_of_the_target(
    split: Split,
) -> None:
    """The PINN computes v_H from the input density, bit for bit the reference's v_H."""
    inputs = split.inputs
    b = float(inputs["interaction_softening"])
    for n, v_h in zip(inputs["density"], split.references["v_h"], strict=True):
        np.testing.assert_array_equal(hartree_potential(inputs["x"], n, b), v_h)
    model = method(compose(["task=ks_inversion", "debug=smoke", "model=ks_pinn"]), "model")
    model.net = BatchedMLP(2, 1, 8, 2, "tanh")  # as fitted on the 2 test systems
    predicted = model.predict_split(inputs)["v_xc"]
    assert predicted.shape == (2, 41) and np.isfinite(predicted).all()


def test_fno_predicts_from_the_inputs(split: Split) -> None:
    model = method(compose(["task=ks_inversion", "debug=smoke"]), "model")
    assert model.predict_split(split.inputs)["v_xc"].shape == (2, 41)


def test_exchange_prior_is_minus_half_the_hartree_potential_of_the_reference(split: Split) -> None:
    """The FNO's prior -v_H[n]/2, from the density alone, against the split's exact v_H."""
    model = method(compose(["task=ks_inversion", "debug=smoke", "model.prior=exchange"]), "model")
    density = torch.as_tensor(np.array(split.inputs["density"]))
    prior = model.prior_potential(density).numpy()
    np.testing.assert_allclose(prior, -0.5 * split.references["v_h"], rtol=1e-12, atol=1e-14)


def test_mirror_images_are_exact_training_pairs() -> None:
    """Reflecting a system's density gives the density of its mirror image (Z2, Z1, d), whose
    v_xc is the reflected v_xc: the pair ``model.mirror`` trains on."""
    physics = OmegaConf.to_container(compose(["task=ks_inversion", "debug=smoke"]).task.physics)
    system = solve_system((np.array([1.0, 2.0, 1.5]), physics))
    mirror = solve_system((np.array([2.0, 1.0, 1.5]), physics))
    assert np.abs(system["density"] - mirror["density"]).max() > 1e-2  # not symmetric itself
    np.testing.assert_allclose(mirror["density"], system["density"][::-1], atol=1e-10)
    np.testing.assert_allclose(mirror["v_xc"], system["v_xc"][::-1], atol=1e-7)
