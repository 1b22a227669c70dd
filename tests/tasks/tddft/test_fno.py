"""The autoregressive FNO: windows, rollouts on any grid, a learnable propagation, scoring."""

from __future__ import annotations

import lightning as L
import numpy as np
import pytest
import torch

from tasks.splits import InputsView
from tasks.tddft.data import WindowDataset
from tasks.tddft.evaluator import evaluate
from tasks.tddft.fno import AutoregressiveFNO
from tasks.training import step_loader

BOX = (-10.0, 10.0)


def moving_gaussians(n_movies: int, n_frames: int, nx: int, seed: int = 0) -> np.ndarray:
    """Two-electron Gaussians n(x, t) = 2 g(x - x0 - v t) drifting at random speeds."""
    rng = np.random.default_rng(seed)
    x = np.linspace(*BOX, nx)
    t = 0.2 * np.arange(n_frames)
    x0 = rng.uniform(-2, 2, n_movies)[:, None, None]
    v = rng.uniform(-1, 1, n_movies)[:, None, None]
    centre = x0 + v * t[None, :, None]
    return 2 * np.exp(-((x - centre) ** 2)) / np.sqrt(np.pi)


def inputs_of(movies: np.ndarray, score_from: int, rollout_start: int = 0) -> InputsView:
    """What a predictor gets of a split of ``movies``: the frames before ``score_from``."""
    inputs = {
        "t": 0.2 * np.arange(movies.shape[1]),
        "observed_density": movies[:, :score_from],
        "rollout_start": np.array(rollout_start),
        "score_from": np.array(score_from),
    }
    return InputsView("tddft", inputs, hidden={"density"})


def model(
    t_in: int = 3,
    unroll: int = 1,
    steps: int = 10,
    norm_weight: float = 0.0,
    scale_fields: bool = False,
) -> AutoregressiveFNO:
    optim = {"lr": 1e-2, "weight_decay": 0.0, "total_steps": steps, "batch_size": 16}
    network = {"modes": 12, "width": 16, "layers": 2}
    return AutoregressiveFNO(t_in, unroll, network, norm_weight, 2.0, BOX, optim, scale_fields)


def test_windows_cover_every_start_of_every_movie():
    movies = torch.arange(2 * 5 * 3, dtype=torch.float32).reshape(2, 5, 3)
    windows = WindowDataset(movies, 4)
    assert len(windows) == 2 * 2
    assert torch.equal(windows[3][0], movies[1, 1:5])
    with pytest.raises(ValueError, match="at least 6 frames"):
        WindowDataset(movies, 6)


def test_rollouts_run_on_any_grid():
    net = model()
    for nx in (64, 129):
        frames = torch.rand(2, 3, nx)
        assert net.rollout(frames, 4).shape == (2, 4, nx)


def test_loss_adds_the_particle_number_penalty():
    window = torch.as_tensor(moving_gaussians(2, 4, 64), dtype=torch.float32)
    net = model(norm_weight=0.5)
    with torch.no_grad():
        predicted = net.rollout(window[:, :3], 1)
    number = predicted.sum(dim=-1) * (BOX[1] - BOX[0]) / 63
    with torch.no_grad():
        loss, parts = net.loss((window,))
    assert parts["norm"] == pytest.approx(((number - 2) ** 2).mean().item(), rel=1e-5)
    assert loss.item() == pytest.approx(parts["mse"].item() + 0.5 * parts["norm"].item(), rel=1e-5)


def test_prediction_refuses_a_rollout_reading_scored_frames():
    inputs = inputs_of(moving_gaussians(2, 8, 64), score_from=4, rollout_start=2)
    with pytest.raises(ValueError, match=r"raise task\.score_from to at least 5"):
        model().predict_split(inputs)


def test_prediction_keeps_the_observed_frames_and_fills_the_rest():
    movies = moving_gaussians(3, 9, 64)
    predicted = model().predict_split(inputs_of(movies, score_from=5, rollout_start=1))
    assert predicted["density"].shape == movies.shape
    observed = movies[:, :4].astype(np.float32)  # the network's precision
    np.testing.assert_array_equal(predicted["density"][:, :4], observed)
    assert np.all(np.isfinite(predicted["density"]))
    assert int(predicted["propagated_frames"]) == 5


class DriftingMovies(L.LightningDataModule):
    """Training windows of ``movies`` and the movies themselves (for the field scales)."""

    def __init__(self, movies: np.ndarray, window: int, steps: int) -> None:
        super().__init__()
        self.movies = torch.as_tensor(movies, dtype=torch.float32)
        self.window, self.steps = window, steps

    def training_movies(self) -> torch.Tensor:
        return self.movies

    def train_dataloader(self):
        return step_loader(WindowDataset(self.movies, self.window), 16, self.steps, 0)


@pytest.mark.parametrize("scale_fields", [False, True])
def test_training_learns_a_drift_better_than_standing_still(scale_fields):
    """A trained FNO propagates drifting Gaussians far better than persistence (n̂_{t+1} = n_t),
    with or without standardised fields (whose scales come from the training movies)."""
    torch.manual_seed(0)
    train, test = moving_gaussians(64, 12, 64, seed=1), moving_gaussians(8, 12, 64, seed=2)
    steps = 600
    net = model(steps=steps, scale_fields=scale_fields)
    trainer = L.Trainer(
        max_steps=steps, accelerator="cpu", logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False,
    )  # fmt: skip
    trainer.fit(net, datamodule=DriftingMovies(train, 4, steps))
    if scale_fields:
        increments = np.diff(train, axis=1)
        assert float(net.increment_scale.std) == pytest.approx(increments.std(ddof=1), rel=1e-4)
        assert float(net.frame_scale.mean) == pytest.approx(train.mean(), rel=1e-4)
    split = {"x": np.linspace(*BOX, 64), "density": test, "score_from": np.array(3)}
    learned = evaluate(net.eval().predict_split(inputs_of(test, 3)), split)["density_mae"]
    persistence = test.copy()
    persistence[:, 3:] = test[:, 2:3]
    standing = evaluate({"density": persistence}, split)["density_mae"]
    assert learned < 0.3 * standing


def test_evaluator_scores_density_number_and_dipole():
    movies = moving_gaussians(3, 6, 101)
    x = np.linspace(*BOX, 101)
    split = {"x": x, "density": movies, "score_from": np.array(2)}
    assert evaluate({"density": movies}, split)["density_mae"] == 0.0
    shifted = movies + 1e-3
    metrics = evaluate({"density": shifted}, split)
    assert metrics["density_mae"] == pytest.approx(1e-3)
    assert metrics["number_max_abs"] == pytest.approx(1e-3 * 101 * (x[1] - x[0]))
    assert metrics["dipole_mae"] == pytest.approx(1e-3 * abs(x.sum()) * (x[1] - x[0]), abs=1e-12)
    with pytest.raises(ValueError, match="shape"):
        evaluate({"density": movies[:, :3]}, split)
