"""Formulas of the draft and references: limits, identities, literature values."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.mft import formulas
from baselines.mft.formulas import REGISTRY, System


def test_derrida_gerschenfeld_cumulants():
    t = np.pi  # √(t/π) = 1
    eq = formulas.ssep_annealed_cumulants(0.5, 0.5, t)[:, 0]
    assert eq == pytest.approx([0.0, 0.5, 0.0, 0.5 - 3 / (4 * np.sqrt(2))], abs=1e-14)
    step = formulas.ssep_annealed_cumulants(1.0, 0.0, t)[:, 0]
    assert step[:2] == pytest.approx([1.0, 1 - 1 / np.sqrt(2)])
    # κ2 = σ√(t/π) at equilibrium for any ρ, with σ = 2ρ(1-ρ)
    assert formulas.ssep_annealed_cumulants(0.3, 0.3, t)[1, 0] == pytest.approx(
        formulas.sigma("ssep", 0.3)
    )


def test_equal_time_limits_of_the_two_time_formulas():
    t = 7.0
    annealed = formulas.two_time_mft("annealed", 1.0, 1.0, t, t)
    quenched = formulas.two_time_mft("quenched", 1.0, 1.0, t, t)
    assert annealed == pytest.approx(np.sqrt(t / np.pi))
    assert quenched == pytest.approx(np.sqrt(t / (2 * np.pi)))
    assert formulas.scaling_function("annealed", 0.8, 1.3, 1.0) == pytest.approx(
        formulas.two_time_mft("annealed", 0.8, 1.3, 1.0, 1.0)
    )
    assert formulas.scaling_function("quenched", 1.0, 1.0, 0.0) == 0.0


def test_diffusive_scaling_of_the_two_time_formulas():
    for setting in ("annealed", "quenched"):
        c = formulas.two_time_mft(setting, 0.5, 1.0, 3.0, 12.0)
        assert formulas.two_time_mft(setting, 0.5, 1.0, 12.0, 48.0) == pytest.approx(2 * c)
        assert formulas.two_time_mft(setting, 0.5, 4.0, 3.0, 12.0) == pytest.approx(c / 2)


def _formula(key):
    return next(f for f in REGISTRY if f.key == key)


def test_eq38_equals_eq49_for_walkers_at_equilibrium_and_eq34_for_walkers():
    walkers = System("walkers", "annealed", 0.4, 0.4)
    t1, t2 = 5.0, 9.0
    assert _formula("(38)").value(walkers, t1, t2) == pytest.approx(
        _formula("(49)").value(walkers, t1, t2)
    )
    assert _formula("(34) n=2, equal times").value(walkers, t2) == pytest.approx(
        _formula("(49)").value(walkers, t2, t2)
    )


def test_registry_claims():
    ssep_q = System("ssep", "quenched", 0.5, 0.5)
    step = System("walkers", "annealed", 1.0, 0.0)
    assert _formula("(48)").applies(ssep_q) and not _formula("(49)").applies(ssep_q)
    assert _formula("(37)").applies(step) and not _formula("(37)").applies(ssep_q)
    assert _formula("DG09 κ_2").applies(System("ssep", "quenched", 1.0, 0.0))
    assert formulas.sigma("ssep", 0.5) == 0.5 and formulas.sigma("walkers", 0.5) == 1.0
    with pytest.raises(ValueError, match="unknown model"):
        formulas.sigma("tasep", 0.5)
