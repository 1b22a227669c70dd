"""Scorer of the cft task (NumPy and sympy only; shared by training, baselines, leaderboard).

Predictions (from any engine or the EQL network, see :mod:`baselines.cft.search`):
``expression`` (the chosen formula over the split's ``input_names``), ``train_pred`` and
``heldout_pred`` (the method's values on the training and held-out rows), ``front_expressions``
(the Pareto front) and ``search_seconds``. Metrics:

- ``exact`` (the primary metric, 1 or 0, higher is better; its mean over runs is the recovery
  rate): the expression, rationalised (:func:`baselines.cft.symbolic.rationalize`), reproduces
  every training and every held-out target exactly in rational arithmetic and, when the split
  has a formula, ``cancel(expression - formula) == 0``. A numerical fit alone is never exact.
- ``symbolic_match``: the last test alone (NaN without a formula); ``rationalized``: whether
  the constants could be rationalised at all;
- ``front_exact``: 1 if *any* member of the front is exact (a miss of the selection rule);
- ``train_mse``, ``extrapolation_mse``, ``extrapolation_max_abs_error``: errors of the
  predicted values against the exact targets (held-out rows are larger theories);
- ``complexity``: nodes of the (rationalised, when possible) expression tree; ``front_size``;
  ``search_seconds`` (wall) and ``search_cpu_seconds`` (all threads; comparable under load).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy

from baselines.cft import symbolic

REQUIRED = ("expression", "train_pred", "heldout_pred", "front_expressions", "search_seconds")


def targets(split: Mapping[str, np.ndarray], part: str) -> np.ndarray:
    """Float64 targets of the ``train`` or ``heldout`` table."""
    return split[f"{part}_num"] / split[f"{part}_den"]


def verdict(text: str, split: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Exactness checks of one expression string (see module docstring)."""
    names = [str(name) for name in split["input_names"]]
    symbols = [sympy.Symbol(name) for name in names]
    expr = symbolic.parse(text, names)
    rational = symbolic.rationalize(
        expr, symbols, int(split["max_denominator"]), float(split["constant_rtol"])
    )
    formula = str(split["formula"][0])
    shown = rational if rational is not None else expr
    result = {
        "rationalized": float(rational is not None),
        "complexity": float(symbolic.complexity(shown)),
        "symbolic_match": np.nan,
    }
    if rational is None:
        return result | {"exact": 0.0}
    if formula:
        truth = symbolic.parse(formula, names)
        result["symbolic_match"] = float(symbolic.same_function(rational, truth))
    exact = result["symbolic_match"] != 0.0 and all(
        symbolic.exact_on_table(
            rational, symbols, split[f"{part}_x"], split[f"{part}_num"], split[f"{part}_den"]
        )
        for part in ("train", "heldout")
    )
    return result | {"exact": float(exact)}


def evaluate(
    predictions: Mapping[str, np.ndarray], split: Mapping[str, np.ndarray]
) -> dict[str, float]:
    """Metrics of one search's output against the exact tables (see module docstring)."""
    for key in REQUIRED:
        if key not in predictions:
            raise ValueError(f"predictions lack {key!r}: the cft task needs {list(REQUIRED)}")
    for part in ("train", "heldout"):
        if np.shape(predictions[f"{part}_pred"]) != split[f"{part}_num"].shape:
            raise ValueError(
                f"predictions[{part + '_pred'!r}] has shape {np.shape(predictions[part + '_pred'])}"
                f", the split's {part} table has {split[part + '_num'].shape}"
            )
    try:
        chosen = verdict(str(predictions["expression"]), split)
        front = [verdict(str(text), split)["exact"] for text in predictions["front_expressions"]]
    except symbolic.ExpressionError as error:
        raise ValueError(str(error)) from error
    heldout_true = targets(split, "heldout")
    heldout_pred = np.asarray(predictions["heldout_pred"], float)
    return {
        "exact": chosen["exact"],  # the primary metric first
        **chosen,
        "front_exact": float(max(front, default=0.0)),
        "front_size": float(len(front)),
        "train_mse": _mse(predictions["train_pred"], targets(split, "train")),
        "extrapolation_mse": _mse(heldout_pred, heldout_true),
        "extrapolation_max_abs_error": float(np.max(np.abs(heldout_pred - heldout_true))),
        "search_seconds": float(predictions["search_seconds"]),
        "search_cpu_seconds": float(predictions.get("search_cpu_seconds", np.nan)),
    }


def _mse(predicted: np.ndarray, exact: np.ndarray) -> float:
    error = np.asarray(predicted, float) - exact
    return float(np.mean(error**2)) if np.all(np.isfinite(error)) else np.inf
