"""The reference row: the exact formula itself, scored like any engine's output."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from baselines.cft import symbolic, theories
from baselines.cft.search import Accept, Candidate, SymbolicSearch


class FormulaEngine:
    """An "engine" whose front is one given formula (zero error when it is the truth).

    Raises a ValueError when the formula is empty (a CSV table without ``csv.formula``).
    """

    def __init__(self, formula: str) -> None:
        self.formula = formula

    def search(
        self,
        inputs: np.ndarray,
        target: np.ndarray,
        names: Sequence[str],
        seed: int,
        accept: Accept | None = None,
    ) -> list[Candidate]:
        if not self.formula:
            raise ValueError(
                "the exact baseline needs the ground-truth formula: set task.csv.formula"
            )
        return [Candidate(self.formula, symbolic.complexity(symbolic.parse(self.formula, names)))]


def exact_formula(source: str, quantity: str, csv_formula: str) -> str:
    """The true formula of a task config: a built-in family's, or the CSV source's own."""
    if source == "csv":
        return str(csv_formula or "")
    return theories.FORMULAS[(source, quantity)]


class ExactFormula:
    """Baseline predicting with the true formula of its config (never read from the split).

    Args:
        source: ``minimal``, ``wzw`` or ``csv`` (``task.source``).
        quantity: ``c`` or ``h`` (``task.quantity``; built-in families).
        csv_formula: the ground truth of a CSV source (``task.csv.formula``; "" when unknown).
    """

    def __init__(self, source: str, quantity: str, csv_formula: str) -> None:
        self.engine = FormulaEngine(exact_formula(source, quantity, csv_formula))

    def predict(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return SymbolicSearch(self.engine, 0, 0.0, False, False).predict(inputs)
