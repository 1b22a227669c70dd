"""The reference row: the exact formula itself, scored like any engine's output."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from baselines.cft import symbolic
from baselines.cft.search import Candidate, SymbolicSearch


class FormulaEngine:
    """An "engine" whose front is the split's ground-truth formula (zero error by construction).

    Raises a ValueError when the split has no formula (a CSV table without ``csv.formula``).
    """

    def __init__(self, formula: str) -> None:
        self.formula = formula

    def search(
        self, inputs: np.ndarray, target: np.ndarray, names: Sequence[str], seed: int
    ) -> list[Candidate]:
        if not self.formula:
            raise ValueError(
                "the exact baseline needs the ground-truth formula: set task.csv.formula"
            )
        return [Candidate(self.formula, symbolic.complexity(symbolic.parse(self.formula, names)))]


class ExactFormula:
    """Baseline predicting with the split's ground-truth formula (``formula`` array)."""

    name = "exact"

    def predict(self, split: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        engine = FormulaEngine(str(split["formula"][0]))
        return SymbolicSearch(engine, 0, 0.0, False, False).predict(split)
