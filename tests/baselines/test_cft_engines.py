"""Engines behind one interface: pyoperon, the rational null-space fit, and PySR's guard."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import sympy

from baselines.cft.exact import FormulaEngine
from baselines.cft.operon import OperonEngine
from baselines.cft.pysr_engine import EngineUnavailable, PySREngine
from baselines.cft.rational import RationalEngine, monomials
from baselines.cft.search import SymbolicSearch, polish
from tasks.cft.evaluator import evaluate
from tasks.cft.tables import family_tables, settings_arrays

SCORING = {"max_denominator": 1000, "constant_rtol": 1e-5}


def split(family, quantity, n=30, fraction=0.5, integers=0):
    held = {"n_theories": 5, "primary_fraction": 1.0}
    return family_tables(family, quantity, n, fraction, held) | settings_arrays(integers, SCORING)


def test_operon_recovers_wzw_central_charge_with_a_fixed_budget():
    options = {
        "allowed_symbols": "add,sub,mul,div,constant,variable", "objectives": ["r2", "length"],
        "population_size": 200, "generations": 30, "max_evaluations": 10**7,
        "optimizer_iterations": 10, "max_length": 15,
    }  # fmt: skip
    engine = OperonEngine(time_limit=60, max_rows=0, n_threads=1, options=options)
    data = split("wzw", "c")
    predictions = SymbolicSearch(engine, 1, 1e-10, False, True).predict(data)
    metrics = evaluate(predictions, data)
    assert metrics["front_size"] > 1 and metrics["train_mse"] < 1e-10
    assert metrics["exact"] == 1, predictions["front_expressions"]


def small_operon(**schedule):
    options = {"allowed_symbols": "add,mul,constant,variable", "population_size": 50,
               "generations": 20, "max_length": 10}  # fmt: skip
    return OperonEngine(time_limit=60, max_rows=0, n_threads=1, options=options, **schedule)


def test_operon_stops_at_the_first_accepted_front_and_pools_restarts_otherwise():
    x = np.arange(1.0, 21.0)[:, None]
    offers = []

    def accept_second(front):
        offers.append(front)
        return len(offers) == 2

    engine = small_operon(check_every=5, restart_every=10)
    assert engine.search(x, x[:, 0] ** 2, ["k"], 0, accept_second) == offers[1]
    assert len(offers) == 2 and all(c.training_nmse >= 0 for c in offers[1])
    offers.clear()
    pooled = engine.search(x, x[:, 0] ** 2, ["k"], 0, lambda front: offers.append(front) or False)
    assert len(offers) == 4  # 20 generations in slices of 5
    assert pooled == offers[1] + offers[3]  # the last front of each of the two populations


def test_operon_restarts_must_fall_on_checks():
    with pytest.raises(ValueError, match=r"multiple of engine\.check_every"):
        small_operon(check_every=5, restart_every=12)


@pytest.mark.parametrize(("family", "quantity"), [("minimal", "h"), ("minimal", "c"), ("wzw", "h")])
def test_rational_fit_recovers_the_formulas(family, quantity):
    data = split(family, quantity, integers=3)  # constant columns are ignored by the fit
    predictions = SymbolicSearch(RationalEngine(4, 500, 1e-9), 0, 1e-10, False, False).predict(data)
    assert evaluate(predictions, data)["exact"] == 1


def test_rational_fit_of_a_formula_that_is_not_rational_is_its_closest_inexact_fit():
    """h_{2,1}(c) has a square root: the fit returns one least-squares candidate, never exact;
    the formula itself is exact on the same split (the algebraic path of the scoring)."""
    data = split("minimal", "h21_of_c")
    candidates = RationalEngine(2, 0, 1e-9).search(
        data["train_x"], data["train_num"] / data["train_den"], ["c_num", "c_den"], 0
    )
    assert len(candidates) == 1
    predictions = SymbolicSearch(RationalEngine(4, 0, 1e-9), 0, 1e-10, False, False).predict(data)
    metrics = evaluate(predictions, data)
    assert metrics["exact"] == 0 and 0 < metrics["train_mse"] < 1e-2
    exact = SymbolicSearch(FormulaEngine(str(data["formula"][0])), 0, 1e-10, False, False)
    assert evaluate(exact.predict(data), data)["exact"] == 1


def test_monomials_count():
    assert len(monomials(4, 4)) == 70 and len(monomials(2, 2)) == 6 and monomials(1, 0) == [(0,)]


def test_pysr_without_julia_fails_at_once_and_imports_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PYTHON_JULIAPKG_EXE", raising=False)
    engine = PySREngine(time_limit=10, options={})
    with pytest.raises(EngineUnavailable, match=r"Julia runtime.*install Julia"):
        engine.search(np.ones((3, 1)), np.ones(3), ["k"], 0)
    assert "juliacall" not in sys.modules and "pysr" not in sys.modules


def test_pysr_baseline_config_stops_with_the_install_hint(monkeypatch, tmp_path, composed):
    from bench.baseline import run_baseline

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PYTHON_JULIAPKG_EXE", raising=False)
    overrides = ["experiment=cft_c_wzw", "baseline=cft_pysr", "logger=none", "plots=false"]
    cfg, run_dir = composed([*overrides, "task.n_theories=10", "task.heldout.n_theories=2"])
    with pytest.raises(EngineUnavailable, match="PYTHON_JULIAPKG_EXE"):
        run_baseline(cfg, run_dir)


def test_polishing_an_ill_conditioned_candidate_repeats_exactly():
    """Numerator and denominator constants can be scaled together without changing the value,
    so the fitted constants are not unique: the re-fit must still give the same expression on
    every call, whatever the process has allocated before (MINPACK's ``lm`` did not)."""
    p, q = sympy.symbols("p q")
    x = np.random.default_rng(0).uniform(1, 5, size=(60, 2))
    y = (x[:, 0] * x[:, 1] + 1) / (x[:, 0] + 2 * x[:, 1])
    f = sympy.Float
    rough = f(0.9) * (f(1.1) * p * q + f(0.7)) / (f(1.3) * p + f(2.2) * q + f(0.05)) + f(0.01) * q
    fits = set()
    for size in np.random.default_rng(1).integers(1, 5000, size=20):
        allocated = [np.ones(size) for _ in range(50)]  # a different heap for every call
        sympy.core.cache.clear_cache()
        fits.add(str(polish(rough, [p, q], x, y)))
        del allocated
    assert len(fits) == 1
    assert str(rough) not in fits  # it was re-fitted
