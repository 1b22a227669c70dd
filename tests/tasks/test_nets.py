"""Network builder and the NaN guard."""

from __future__ import annotations

import pytest
import torch

from tasks.nets import NonFiniteLossError, check_finite, mlp


def test_mlp_shape_and_depth():
    net = mlp(3, 2, width=8, depth=3)
    assert net(torch.zeros(5, 3)).shape == (5, 2)
    assert sum(isinstance(m, torch.nn.Linear) for m in net) == 4


def test_mlp_rejects_bad_arguments():
    with pytest.raises(ValueError, match="activation"):
        mlp(1, 1, 4, 2, activation="relu6")
    with pytest.raises(ValueError, match="depth"):
        mlp(1, 1, 4, 0)


def test_check_finite_names_step_and_fix():
    check_finite(torch.tensor(1.0), 3, "hint")
    with pytest.raises(NonFiniteLossError, match=r"step 7: lower the lr"):
        check_finite(torch.tensor(float("nan")), 7, "lower the lr")
