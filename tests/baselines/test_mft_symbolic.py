"""Judging symbolic-regression output against the MFT shapes, with a stub engine."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from baselines.cft.search import Candidate
from baselines.mft.formulas import SHAPES
from baselines.mft.symbolic import T1, T2, SymbolicShape, judge, round_constants
from tasks.mft.spec import SPEC
from tasks.splits import InputsView


def test_judge_accepts_the_shapes_up_to_amplitude_and_rounding():
    found = 0.2821 * sympy.sqrt(T1) + 0.2824 * sympy.sqrt(T2)
    found -= 0.9999 * sympy.sqrt(0.07974 * T2 - 0.079739 * T1) + 1e-4
    deviation, identical = judge(found, "annealed", 0.02)
    assert identical and deviation < 0.03
    quenched = 0.3 * (sympy.sqrt(T1 + T2) - sympy.sqrt(T2 - T1))
    assert judge(quenched, "quenched", 0.02) == (judge(quenched, "quenched", 0.02)[0], True)
    assert judge(quenched, "quenched", 0.02)[0] < 1e-12
    assert round_constants(0.5 * sympy.sqrt(4.0 * T1), 0.02) == sympy.sqrt(T1)


def test_judge_compares_the_large_time_scaling_limit():
    lattice_offset = 0.287 * sympy.sqrt(T1) + 0.284 * sympy.sqrt(T2)
    lattice_offset += -0.281 * sympy.sqrt(T2 - T1) - 0.029  # vanishes against √t at large t
    assert judge(lattice_offset, "annealed", 0.02)[1]
    assert judge(sympy.sqrt(T1) + 0.01 * T2, "annealed", 0.02) == (np.inf, False)
    assert judge((T1 + T2) ** sympy.Rational(1, 4), "quenched", 0.02) == (np.inf, False)


def test_judge_rejects_an_approximation_that_fits_only_the_data_range():
    fake = 0.31 * sympy.sqrt(T1) + 0.036 * T1 / sympy.sqrt(1.15 * T2 - T1) - 0.0136
    deviation, identical = judge(fake, "annealed", 0.02)
    assert not identical and deviation > 0.5


class ExactEngine:
    """Returns the annealed shape with a fitted-looking amplitude, whatever the table."""

    def search(self, inputs, target, names, seed):
        return [Candidate("0.5642*(sqrt(t1) + sqrt(t2) - sqrt(t2 - t1))", 9),
                Candidate("0.5*t2", 3)]  # fmt: skip


def test_symbolic_shape_chooses_judges_and_predicts(tiny_inputs_for_symbolic):
    inputs = tiny_inputs_for_symbolic
    out = SymbolicShape(ExactEngine(), 0, 1.0, 2.0, 0.02).predict(inputs)
    assert out["shape_identical"].tolist() == [1]
    assert out["expression"][0].startswith("0.5642")
    t = inputs["t"]
    assert np.allclose(out["corr"][0], 0.5642 * 2 * SHAPES["annealed"](*np.meshgrid(t, t)))


class PrimitivesEngine:
    """Checks it is handed √t1, √t2, √(t2 - t1) as named columns; returns the annealed shape
    written in them."""

    def search(self, inputs, target, names, seed):
        assert names == ["sqrt_t1", "sqrt_t2", "sqrt_dt"]
        t1, t2 = inputs[:, 0] ** 2, inputs[:, 1] ** 2
        assert np.allclose(inputs[:, 2], np.sqrt(t2 - t1)) and np.all(t1 <= t2)
        return [Candidate("0.5642*(sqrt_t1 + sqrt_t2 - sqrt_dt)", 7)]


def test_primitive_columns_are_mapped_back_to_t1_t2(tiny_inputs_for_symbolic):
    inputs = tiny_inputs_for_symbolic
    shape = SymbolicShape(PrimitivesEngine(), 0, 1.0, 2.0, 0.02, ["sqrt_t1", "sqrt_t2", "sqrt_dt"])
    out = shape.predict(inputs)
    assert out["shape_identical"].tolist() == [1]
    t = inputs["t"]
    assert np.allclose(out["corr"][0], 0.5642 * 2 * SHAPES["annealed"](*np.meshgrid(t, t)))


def test_unknown_input_columns_are_refused_with_the_choices():
    with pytest.raises(ValueError, match="sqrt_dt"):
        SymbolicShape(ExactEngine(), 0, 1.0, 2.0, 0.02, ["log_t1"])


def _one_case_inputs() -> InputsView:
    """Read-only inputs of one annealed case (references hidden, as predictors get them)."""
    t = np.array([1.0, 4.0, 9.0])
    t1, t2 = np.meshgrid(t, t, indexing="ij")
    corr = 1 / np.sqrt(np.pi) * SHAPES["annealed"](t1, t2)
    arrays = {
        "t": t, "r": np.linspace(0, 1, 5), "case": np.array(["walkers_annealed"]),
        "case_setting": np.array(["annealed"]), "system": np.array(["eq", "step"]),
        "system_role": np.array(["equilibrium", "step"]), "system_case": np.array([0, 0]),
        "corr": np.stack([corr, corr]), "corr_err": np.full((2, 3, 3), 1e-3),
    }  # fmt: skip
    for array in arrays.values():
        array.flags.writeable = False
    return InputsView("mft", arrays, set(SPEC.references))


@pytest.fixture
def tiny_inputs_for_symbolic() -> InputsView:
    return _one_case_inputs()
