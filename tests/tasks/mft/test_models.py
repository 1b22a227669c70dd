"""The mft models: exact recovery on noiseless data, shapes, constraints, NaN handling."""

from __future__ import annotations

import lightning as L
import numpy as np
import pytest
import torch

from baselines.mft.predictors import ExactFormulas
from tasks.mft.evaluator import evaluate
from tasks.mft.mft_form import MFTForm
from tasks.mft.scaling_net import ScalingNet
from tasks.nets import NonFiniteLossError

from .conftest import TINY_CASES

OPTIM = {"lr": 0.05, "lr_final": 0.01, "adam_steps": 150, "lbfgs_steps": 10,
         "lbfgs_max_iter": 50, "total_steps": 160}  # fmt: skip


def _noiseless(split) -> dict:
    """The split's inputs with simulated estimates replaced by the exact formulas (1% error
    bars)."""
    exact = ExactFormulas().predict(split.inputs)
    data = dict(split.inputs)
    equilibrium = data["system_role"] == "equilibrium"
    data["corr"] = np.where(equilibrium[:, None, None], exact["corr"], data["corr"])
    data["corr_err"] = 0.01 * np.abs(np.where(np.isnan(data["corr"]), 1.0, data["corr"])) + 1e-9
    data["cumulants"] = np.array(data["cumulants"])
    data["cumulants"][:, 0] = exact["mean"]
    data["cumulants_err"] = np.full_like(data["cumulants_err"], 0.01)
    return data


def _batch(data) -> dict:
    return {
        key: torch.from_numpy(np.array(value, np.float64))
        for key, value in data.items()
        if np.asarray(value).dtype.kind in "fiu"
    }


def _fit(model, data, inputs, steps):
    """Fit ``model`` to ``data``, then predict on the split's ``inputs``."""
    trainer = L.Trainer(max_steps=steps, logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False)  # fmt: skip
    loader = torch.utils.data.DataLoader([_batch(data)] * steps, batch_size=None)
    trainer.fit(model, train_dataloaders=loader)
    return model.predict_split(inputs)


@pytest.mark.parametrize("offset", [[], ["ssep_quenched", "walkers_annealed"]])
def test_mft_form_recovers_sigma_and_d_from_noiseless_data(tiny_split, offset):
    data = _noiseless(tiny_split)
    model = MFTForm(TINY_CASES, t_min=1.0, lattice_offset=offset, optim=OPTIM)
    predictions = _fit(model, data, tiny_split.inputs, OPTIM["total_steps"])
    metrics = evaluate(predictions, tiny_split.scoring)
    assert metrics["sigma_D_max_rel_err"] < 1e-4
    assert metrics["corr_rel_rmse"] < 1e-4 and metrics["scaling_rel_rmse"] < 1e-4


def test_scaling_net_fits_noiseless_data_and_vanishes_at_zero(tiny_split):
    torch.manual_seed(0)
    data = _noiseless(tiny_split)
    optim = {**OPTIM, "lr": 1e-2, "adam_steps": 300, "lbfgs_steps": 20, "total_steps": 320}
    network = {"width": 16, "depth": 2, "activation": "tanh"}
    model = ScalingNet(TINY_CASES, t_min=1.0, network=network, increment_feature=True, optim=optim)
    predictions = _fit(model, data, tiny_split.inputs, optim["total_steps"])
    assert np.all(predictions["scaling"][:, 0] == 0.0)
    assert np.isnan(predictions["sigma"]).all() and np.isnan(predictions["mean"]).all()
    assert evaluate(predictions, tiny_split.scoring)["corr_rel_rmse"] < 0.01


def test_nan_loss_stops_training_and_singular_data_is_explained(tiny_split):
    data = _noiseless(tiny_split)
    optim = {**OPTIM, "lr": 1e30, "lr_final": 1e30}
    model = MFTForm(TINY_CASES, t_min=1.0, lattice_offset=[], optim=optim)
    with pytest.raises(NonFiniteLossError, match=r"model\.optim\.lr"):
        _fit(model, data, tiny_split.inputs, 3)
    data["corr"] = np.zeros_like(data["corr"])
    model = MFTForm(TINY_CASES, t_min=1.0, lattice_offset=[], optim=OPTIM)
    with pytest.raises(ValueError, match="not positive definite"):
        _fit(model, data, tiny_split.inputs, 2)


def test_unknown_offset_case_is_rejected():
    with pytest.raises(ValueError, match="unknown cases"):
        MFTForm(TINY_CASES, t_min=1.0, lattice_offset=["tasep"], optim=OPTIM)
