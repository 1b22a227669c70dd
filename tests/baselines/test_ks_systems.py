"""Settings, grid, potentials, parameter grid, splits and finite differences of ks_inversion."""

import numpy as np
import pytest

from baselines.ks_inversion.operators import (
    hamiltonian,
    hamiltonian_bands,
    second_derivative,
    stencil_weights,
)
from baselines.ks_inversion.systems import (
    STENCILS,
    Physics,
    equivalence_classes,
    external_potential,
    parameter_grid,
    split_indices,
)

PHYSICS = {
    "box": [-10, 10],
    "nx": 301,
    "softening": 1.0,
    "interaction_softening": 1.0,
    "stencil": 5,
    "density_floor": 1e-10,
}
SEED_RANGES = {"Z1": [0.5, 2.5, 9], "Z2": [0.5, 2.5, 9], "d": [0.0, 4.0, 9]}


def test_physics_grid_includes_box_edges() -> None:
    x = Physics.from_mapping(PHYSICS).x
    assert x.shape == (301,) and x[0] == -10.0 and x[-1] == 10.0
    assert np.allclose(np.diff(x), 20.0 / 300)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"stencil": 4}, "counts the points"),
        ({"box": [1, -1]}, "right > left"),
        ({"density_floor": 0.0}, "density_floor"),
        ({"nx": 7}, "too small"),
        ({"softening": -1.0}, "softening"),
        ({"extra": 1}, "unknown \\['extra'\\]"),
    ],
)
def test_physics_rejects_bad_settings(change: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Physics.from_mapping(PHYSICS | change)


def test_physics_requires_every_key() -> None:
    with pytest.raises(ValueError, match="missing \\['density_floor'\\]"):
        Physics.from_mapping({k: v for k, v in PHYSICS.items() if k != "density_floor"})


def test_external_potential_formula_and_mirror() -> None:
    x = np.linspace(-10, 10, 301)
    v = external_potential(x, 2.0, 0.5, 3.0, 1.0)
    i = np.argmin(np.abs(x - 1.5))  # the Z1 nucleus sits at +d/2
    assert v[i] == pytest.approx(-2.0 / (abs(x[i] - 1.5) + 1) - 0.5 / (abs(x[i] + 1.5) + 1))
    assert np.argmin(v) == i
    np.testing.assert_allclose(external_potential(x, 0.5, 2.0, 3.0, 1.0), v[::-1], atol=1e-14)


def test_parameter_grid_is_the_seed_shape() -> None:
    params = parameter_grid(SEED_RANGES)
    assert params.shape == (729, 3)
    assert np.unique(params, axis=0).shape == (729, 3)
    np.testing.assert_allclose(params[0], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(params[1], [0.5, 0.5, 0.5])
    np.testing.assert_allclose(params[-1], [2.5, 2.5, 4.0])
    with pytest.raises(ValueError, match="'d' is missing"):
        parameter_grid({"Z1": [0.5, 2.5, 9], "Z2": [0.5, 2.5, 9]})


def test_equivalence_classes_pair_mirror_images_and_equal_atoms() -> None:
    params = np.array(
        [[1.0, 2.0, 1.0], [2.0, 1.0, 1.0], [1.0, 2.0, 0.0], [1.5, 1.5, 0.0], [1.0, 1.0, 1.0]]
    )
    labels = equivalence_classes(params)
    assert labels[0] == labels[1] and labels[2] == labels[3]
    assert len({labels[0], labels[2], labels[4]}) == 3


def test_seed_split_sizes_and_no_leakage() -> None:
    params = parameter_grid(SEED_RANGES)
    parts = split_indices(params, (590, 66, 73), seed=0)
    assert [parts[k].size for k in ("train", "val", "test")] == [590, 66, 73]
    assert np.unique(np.concatenate(list(parts.values()))).size == 729
    labels = equivalence_classes(params)
    assert not set(labels[parts["train"]]) & set(labels[parts["test"]])
    assert not set(labels[parts["train"]]) & set(labels[parts["val"]])
    again = split_indices(params, (590, 66, 73), seed=0)
    assert all(np.array_equal(parts[k], again[k]) for k in parts)


def test_extrapolation_split_holds_out_largest_d() -> None:
    params = parameter_grid(SEED_RANGES)
    parts = split_indices(params, (520, 60, 68), seed=1, extrapolate_d=3.75)
    assert parts["extrapolation"].size == 81
    assert np.all(params[parts["extrapolation"], 2] == 4.0)
    assert np.all(params[parts["test"], 2] < 4.0)
    with pytest.raises(ValueError, match="adding up to the 648"):
        split_indices(params, (590, 66, 73), seed=1, extrapolate_d=3.75)


@pytest.mark.parametrize("stencil", STENCILS)
def test_stencils_equal_idea_kinetic_operator(stencil: int) -> None:
    idea = pytest.importorskip("iDEA")
    x = np.linspace(-5, 5, 31)
    v = np.cos(x)
    s = idea.system.System(x, v, np.zeros((31, 31)), "ud", stencil=stencil)
    expected = idea.methods.non_interacting.hamiltonian(s)[0]
    np.testing.assert_allclose(
        hamiltonian(v, x[1] - x[0], stencil), expected, rtol=1e-13, atol=1e-10
    )


@pytest.mark.parametrize("stencil", STENCILS)
def test_stencil_is_exact_for_polynomials(stencil: int) -> None:
    x = np.linspace(-1, 1, 41)
    dx, half = x[1] - x[0], stencil // 2
    matrix = second_derivative(x.size, dx, stencil)
    inner = slice(half, x.size - half)
    for power in range(2, stencil):  # order stencil - 1 exactness
        exact = power * (power - 1) * x ** (power - 2)
        np.testing.assert_allclose((matrix @ x**power)[inner], exact[inner], atol=1e-7)
    assert stencil_weights(stencil).sum() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("stencil", [3, 5, 13])
def test_banded_storage_matches_dense(stencil: int) -> None:
    v = np.linspace(-1.0, 1.0, 30) ** 2
    dense, bands = hamiltonian(v, 0.1, stencil), hamiltonian_bands(v, 0.1, stencil)
    half = stencil // 2
    for k in range(half + 1):
        np.testing.assert_allclose(bands[half - k, k:], np.diag(dense, k), rtol=1e-14)
