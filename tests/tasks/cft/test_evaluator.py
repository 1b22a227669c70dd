"""The evaluator: exact, approximate and wrong expressions; the front; malformed predictions."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.cft.exact import ExactFormula
from baselines.cft.search import Candidate, SymbolicSearch
from tasks.cft.evaluator import evaluate


class FixedFront:
    """An engine returning given expressions."""

    def __init__(self, *texts: str) -> None:
        self.texts = texts

    def search(self, inputs, target, names, seed, accept=None):
        return [Candidate(text, len(text)) for text in self.texts]


def run(split, *texts, forbid=False, polish=False):
    predictions = SymbolicSearch(FixedFront(*texts), 0, 1e-10, forbid, polish).predict(split)
    return predictions, evaluate(predictions, split)


def test_exact_formula_scores_exact_with_zero_error(split_factory):
    split = split_factory("minimal", "h")
    predictions = ExactFormula("minimal", "h", "").predict(split)
    metrics = evaluate(predictions, split)
    assert metrics["exact"] == 1 and metrics["symbolic_match"] == 1 and "not_exact" not in metrics
    assert metrics["train_mse"] == 0 and metrics["extrapolation_mse"] == 0
    assert str(predictions["latex"]).startswith("\\frac")


def test_rescaled_float_tree_is_exact_but_approximate_constants_are_not(split_factory):
    split = split_factory("wzw", "h")
    _, exact = run(split, "(0.3 * l * (l + 2.0000000001)) / (1.2 * k + 2.4)")
    assert exact["exact"] == 1 and exact["complexity"] < 20
    _, approximate = run(split, "0.48822 / 1.9514 * l * (l + 1.9952) / (k + 1.9952)")  # seed
    assert approximate["exact"] == 0 and approximate["rationalized"] == 0
    assert approximate["train_mse"] < 1e-4


def test_polishing_turns_a_right_structure_with_rough_constants_into_the_formula(split_factory):
    """An operon front member (float32, 10 LM steps): right structure, 39.75/19.84 != 2."""
    split = split_factory("wzw", "h")
    found = (
        "-1.156861799245e-5 - 0.7856168150901794*(19.840486234108766*l**2 + 39.74952697753906*l)"
        "/(-62.369693756103516*k - 124.77239227294922)"
    )
    assert run(split, found)[1]["exact"] == 0
    _, metrics = run(split, found, polish=True)
    assert metrics["exact"] == 1 and metrics["train_mse"] < 1e-25
    assert run(split, "0.3 * l**2 / k", polish=True)[1]["exact"] == 0  # wrong structure stays


def test_rational_but_wrong_expression_is_not_exact(split_factory):
    split = split_factory("wzw", "c")
    _, metrics = run(split, "3*k/(k + 2) + (k - 1)*(k - 2)/1000000")
    assert metrics["rationalized"] == 1 and metrics["symbolic_match"] == 0
    assert metrics["exact"] == 0 and metrics["extrapolation_mse"] > 0


def test_selection_skips_a_short_wrong_model_and_front_exact_is_reported(split_factory):
    split = split_factory("wzw", "c")
    predictions, metrics = run(split, "3.0", "3*k/(k+2)", "3*k/(k + 2.001)")
    assert str(predictions["selection_rule"]) == "simplest exact on training rows"
    assert metrics["exact"] == 1 and metrics["front_size"] == 3 and metrics["front_exact"] == 1
    predictions["expression"] = predictions["front_expressions"][0]  # a worse rule's choice
    assert evaluate(predictions, split)["front_exact"] == 1
    assert evaluate(predictions, split)["exact"] == 0


def test_integer_columns_are_substituted(split_factory):
    split = split_factory("wzw", "c", integers=3)
    predictions, metrics = run(split, "int3*k/(k + int2)")
    assert str(predictions["expression"]) == "3*k/(k + 2)" and metrics["exact"] == 1


def test_undefined_candidates_are_dropped_and_refused(split_factory):
    split = split_factory("wzw", "c")
    predictions, metrics = run(split, "k/0.0", "3*k/(k+2)")
    assert metrics["front_size"] == 1 and metrics["exact"] == 1
    with pytest.raises(ValueError, match="undefined"):
        evaluate({**predictions, "expression": np.array("1/(k - k)")}, split)


def test_nested_square_filter(split_factory):
    split = split_factory("wzw", "c")
    predictions, _ = run(split, "square(square(k))", "3*k/(k+2)", forbid=True)
    assert len(predictions["front_expressions"]) == 1


def test_malformed_predictions_are_explained(split_factory):
    split = split_factory("wzw", "c")
    predictions, _ = run(split, "3*k/(k+2)")
    with pytest.raises(ValueError, match="'heldout_pred'"):
        evaluate({k: v for k, v in predictions.items() if k != "heldout_pred"}, split)
    with pytest.raises(ValueError, match="shape"):
        evaluate({**predictions, "train_pred": np.zeros(3)}, split)
    with pytest.raises(ValueError, match="not allowed"):
        evaluate({**predictions, "expression": np.array("open('x')")}, split)
