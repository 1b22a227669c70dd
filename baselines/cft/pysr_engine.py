"""Adapter for PySR (the seed's engine), used only when a Julia runtime is available.

PySR runs SymbolicRegression.jl through ``juliacall``, and importing ``juliacall`` without a
Julia executable tries to download one; this adapter therefore looks for Julia first and fails
at once, saying what to install, instead of importing anything. The seed's techniques map to
PySR options: ``nested_constraints: {square: {square: 0}}`` forbids square(square(·)) and a
large ``complexity_of_constants`` penalises free constants (use it with integer columns).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from baselines.cft.search import Accept, Candidate

INSTALL_HINT = (
    "install Julia >= 1.10 (e.g. `curl -fsSL https://install.julialang.org | sh`, or your "
    "distribution's package), make `julia` available on PATH or set PYTHON_JULIAPKG_EXE to "
    "its path, then `pip install 'exactbench[pysr]'`"
)


class EngineUnavailable(RuntimeError):
    """An engine's runtime is missing; the message says how to install it."""


def julia_executable() -> str | None:
    """Path of a Julia executable (PYTHON_JULIAPKG_EXE or ``julia`` on PATH), or None."""
    configured = os.environ.get("PYTHON_JULIAPKG_EXE")
    if configured and os.path.isfile(configured):
        return configured
    return shutil.which("julia")


class PySREngine:
    """PySR search; ``options`` are keyword arguments of ``pysr.PySRRegressor``.

    Args:
        time_limit: ``timeout_in_seconds`` of the search.
        options: e.g. ``niterations``, ``populations``, ``binary_operators``,
            ``unary_operators``, ``nested_constraints``, ``complexity_of_constants``.
    """

    def __init__(self, time_limit: int, options: Mapping[str, Any]) -> None:
        self.time_limit, self.options = int(time_limit), dict(options)

    def search(
        self,
        inputs: np.ndarray,
        target: np.ndarray,
        names: Sequence[str],
        seed: int,
        accept: Accept | None = None,
    ) -> list[Candidate]:
        if julia_executable() is None:
            raise EngineUnavailable(
                f"the PySR engine needs a Julia runtime, none was found: {INSTALL_HINT}"
            )
        if importlib.util.find_spec("pysr") is None:
            raise EngineUnavailable(f"the PySR engine needs the pysr package: {INSTALL_HINT}")
        from pysr import PySRRegressor  # imported only once Julia is known to exist

        regressor = PySRRegressor(
            **self.options,
            timeout_in_seconds=self.time_limit,
            random_state=int(seed),
            deterministic=True,
            parallelism="serial",
        )
        regressor.fit(
            np.asarray(inputs, float), np.asarray(target, float), variable_names=list(names)
        )
        return [
            Candidate(str(row.sympy_format), int(row.complexity))
            for row in regressor.equations_.itertuples()
        ]
