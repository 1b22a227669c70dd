"""The equation learner: read-out equals the network, exact weights read out exactly, pruning."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
import torch

from bench.train import run_training
from tasks.cft.eql import CFTEQL, EQLNetwork
from tasks.cft.evaluator import evaluate

MODEL = {
    "network": {"layers": 2, "identity": 2, "product": 2, "division": True},
    "division_threshold": 1e-3,
    "optim": {"lr": 1e-2, "l1": 1e-4, "dense_fraction": 0.25, "prune_fraction": 0.75,
              "prune_interval": 2, "prune_tolerance": 1.0, "total_steps": 10},
    "scale_inputs": False,
    "nmse_tolerance": 1e-10,
    "polish_constants": False,
}  # fmt: skip


def test_symbolic_readout_equals_the_network():
    torch.manual_seed(0)
    net = EQLNetwork(3, layers=2, identity=2, product=2, division=True)
    x = torch.rand(5, 3, dtype=torch.float64)
    with torch.no_grad():
        numerator, denominator = net(x)
    symbols = sympy.symbols("a b c")
    top, bottom = net.symbolic(symbols)
    for row, n, d in zip(x.numpy(), numerator, denominator, strict=True):
        values = dict(zip(symbols, row.tolist(), strict=True))
        assert float(top.subs(values)) == pytest.approx(n.item(), rel=1e-12)
        assert float(bottom.subs(values)) == pytest.approx(d.item(), rel=1e-12)


def test_exact_weights_are_read_out_as_the_exact_formula(split_factory):
    split = split_factory("wzw", "c")
    model = CFTEQL(
        **{**MODEL, "network": {"layers": 1, "identity": 1, "product": 0, "division": True}},
        n_inputs=1,
    )
    with torch.no_grad():
        hidden, output = model.net.linears
        hidden.weight.fill_(1.0)
        output.weight.copy_(torch.tensor([[3.0], [1.0]], dtype=torch.float64))
        output.bias.copy_(torch.tensor([0.0, 2.0], dtype=torch.float64))
    predictions = model.predict_split(split)
    assert str(predictions["expression_rational"]) == "3*k/(k + 2)"
    assert evaluate(predictions, split)["exact"] == 1


def test_pruned_weights_stay_zero():
    torch.manual_seed(1)
    net = EQLNetwork(2, layers=1, identity=2, product=1, division=True)
    for _ in range(4):
        assert net.remove_smallest()
    pruned = [w == 0 for w in net.masked_weights()]
    assert sum(int(zero.sum()) for zero in pruned) == 4
    optimizer = torch.optim.Adam(net.parameters(), lr=0.1)
    numerator, denominator = net(torch.rand(4, 2, dtype=torch.float64))
    (numerator + denominator).sum().backward()
    optimizer.step()
    for weight, zero in zip(net.masked_weights(), pruned, strict=True):
        assert torch.all(weight[zero] == 0)


def test_removal_order_is_relative_to_each_layer():
    net = EQLNetwork(1, layers=1, identity=2, product=0, division=True)
    with torch.no_grad():
        net.linears[0].weight.copy_(torch.tensor([[1.0], [0.5]], dtype=torch.float64))
        net.linears[1].weight.copy_(torch.tensor([[1e-3, 4e-3], [4e-3, 4e-3]], dtype=torch.float64))
    net.remove_smallest()  # 0.5 of 1 (layer 0) is relatively larger than 1e-3 of 4e-3
    assert net.masked_weights()[1][0, 0] == 0 and net.masked_weights()[0][1, 0] == 0.5
    while net.remove_smallest():
        pass
    assert all(torch.all(w == 0) for w in net.masked_weights())


def test_training_through_the_harness(composed):
    cfg, run_dir = composed(
        ["experiment=cft_c_wzw", "model.optim.total_steps=20", "logger=none", "plots=false"]
    )
    record = run_training(cfg, run_dir)
    assert record.method == "cft_eql" and record.timings["train_steps"] == 20
    assert np.isfinite(record.metrics["train_mse"]) and record.metrics["search_seconds"] > 0
