"""Reference and coarse TDKS baselines on the inputs of a small test split."""

import numpy as np
import pytest

from baselines.tddft.simulate import simulate_system
from baselines.tddft.solvers import CoarsePropagator, ReferencePropagator, physics_of_split
from tasks.splits import InputsView

PARAMS = np.array([[1.3, 0.9, 2.0], [1.0, 1.1, 0.0]])


@pytest.fixture(autouse=True)
def serial(monkeypatch):
    """Run the systems in-process (no pool start-up for two tiny systems)."""
    monkeypatch.setenv("EXACTBENCH_WORKERS", "1")


def _split(nx: int = 97) -> InputsView:
    """The inputs a baseline gets: no frame, and the reference ``density`` hidden."""
    inputs = {"params": PARAMS, "x": np.linspace(-12.0, 12.0, nx), "t": 0.2 * np.arange(6)}
    return InputsView("tddft", inputs, hidden={"density"})


def test_reference_reproduces_the_data_generator(small_tddft: dict) -> None:
    predicted = ReferencePropagator(small_tddft, "etrs", 0.05).predict(_split())["density"]
    assert predicted.shape == (2, 6, 97)
    for row, movie in zip(PARAMS, predicted, strict=True):
        np.testing.assert_array_equal(movie, simulate_system((row, small_tddft))["density"])


def test_reference_runs_on_the_split_grid(small_tddft: dict) -> None:
    physics = small_tddft | {"nx": 49}  # the split's 97 points win
    predicted = ReferencePropagator(physics, "crank_nicolson", 0.05).predict(_split())
    assert predicted["density"].shape == (2, 6, 97)


def test_coarse_on_the_same_grid_and_step_is_the_reference(small_tddft: dict) -> None:
    reference = ReferencePropagator(small_tddft, "aetrs", 0.1).predict(_split())["density"]
    coarse = CoarsePropagator(small_tddft, "aetrs", 0.1, nx=97).predict(_split())["density"]
    np.testing.assert_allclose(coarse, reference, rtol=0, atol=1e-14)


def test_coarse_grid_is_interpolated_back_and_close(small_tddft: dict) -> None:
    reference = ReferencePropagator(small_tddft, "etrs", 0.05).predict(_split())["density"]
    coarse = CoarsePropagator(small_tddft, "etrs", 0.2, nx=49).predict(_split())["density"]
    assert coarse.shape == reference.shape
    assert np.all(coarse >= 0)
    error = np.abs(coarse - reference)
    # Measured MAE 1.2e-4, max 2.6e-3 (h = 0.5 bohr, one step per frame).
    assert error.mean() < 6e-4
    assert 1e-5 < error.max() < 1.3e-2


@pytest.mark.parametrize(
    ("x", "t", "match"),
    [
        (np.array([0.0, 0.1, 0.3]), 0.2 * np.arange(3), "uniform"),
        (np.linspace(-1, 1, 5), 0.2 * np.arange(1, 4), "start at t = 0"),
    ],
)
def test_bad_split_is_rejected(x: np.ndarray, t: np.ndarray, match: str, small_tddft: dict) -> None:
    with pytest.raises(ValueError, match=match):
        physics_of_split(small_tddft, {"x": x, "t": t}, "etrs", 0.01)
