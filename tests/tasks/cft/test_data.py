"""Tables from the built-in families and from a user's CSV file, through the whole pipeline."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from bench.baseline import run_baseline
from tasks.cft.data import CFTDataModule
from tasks.cft.evaluator import evaluate
from tasks.cft.tables import csv_tables

SCORING = {"max_denominator": 1000, "constant_rtol": 1e-5}
HELD = {"n_theories": 5, "primary_fraction": 1.0}


def su3_csv(path, rows=25):
    """Central charge of su(3)_k, c = 8k/(k + 3): a family the code knows nothing about."""
    lines = ["k,c,comment"]
    for k in range(1, rows + 1):
        value = Fraction(8 * k, k + 3)
        text = repr(float(value)) if value.denominator in (1, 2, 4, 5) else str(value)  # 0.75, 5/7
        lines.append(f"{k},{text},x")
    path.write_text("\n".join(lines) + "\n")
    return path


def datamodule(**changes):
    args = dict(
        source="wzw", quantity="h", n_theories=10, primary_fraction=0.5, heldout=HELD,
        integer_columns=0, csv={}, scoring=SCORING, steps=3, batch_size=0, cache_dir=None, seed=0,
    )  # fmt: skip
    return CFTDataModule(**(args | changes))


def test_family_split_has_exact_tables_and_batches():
    module = datamodule(batch_size=4)
    arrays = module.test_split().inputs
    assert list(arrays["input_names"]) == ["k", "l"] and list(arrays["quantity"]) == ["h"]
    assert arrays["train_x"].dtype == np.int64 and arrays["heldout_x"][:, 0].min() == 11
    assert list(arrays["train_x"][2]) == [2, 1]  # k = 1 keeps l = 0; k = 2 keeps l = 0, 1
    assert Fraction(int(arrays["train_num"][2]), int(arrays["train_den"][2])) == Fraction(3, 16)
    batches = list(module.train_dataloader())
    assert len(batches) == 3 and batches[0]["x"].shape == (4, 2)


def test_csv_table_reads_fractions_and_decimals(tmp_path):
    arrays = csv_tables(su3_csv(tmp_path / "su3.csv"), ["k"], "c", "8*k/(k+3)", 5)
    assert arrays["train_x"].shape == (20, 1) and arrays["heldout_x"][0, 0] == 21
    assert [int(arrays["train_num"][0]), int(arrays["train_den"][0])] == [2, 1]
    assert Fraction(int(arrays["train_num"][4]), int(arrays["train_den"][4])) == Fraction(5)


def test_csv_runs_through_the_pipeline_by_config(tmp_path, composed):
    path = su3_csv(tmp_path / "su3.csv")
    overrides = [
        "experiment=cft_c_wzw", "task.source=csv", f"task.csv.path={path}", "task.csv.inputs=[k]",
        "task.csv.target=c", "task.csv.heldout_rows=5", "logger=none", "plots=false",
    ]  # fmt: skip
    cfg, run_dir = composed([*overrides, "baseline=cft_rational"])
    record = run_baseline(cfg, run_dir)
    assert record.metrics["exact"] == 1 and np.isnan(record.metrics["symbolic_match"])
    cfg, run_dir = composed([*overrides, "baseline=cft_rational", "task.csv.formula='8*k/(k+3)'"])
    assert run_baseline(cfg, run_dir).metrics["symbolic_match"] == 1
    cfg, run_dir = composed([*overrides, "baseline=cft_exact"])
    with pytest.raises(ValueError, match=r"task\.csv\.formula"):
        run_baseline(cfg, run_dir)


def test_editing_the_csv_changes_the_cache_key(tmp_path):
    path = su3_csv(tmp_path / "su3.csv")
    csv = {"path": str(path), "inputs": ["k"], "target": "c", "formula": "", "heldout_rows": 5}
    first = datamodule(source="csv", csv=csv, cache_dir=str(tmp_path / "data")).test_split()
    su3_csv(path, rows=26)
    second = datamodule(source="csv", csv=csv, cache_dir=str(tmp_path / "data")).test_split()
    assert first.split_id != second.split_id and second.inputs["train_x"].shape == (21, 1)


@pytest.mark.parametrize(
    ("content", "kwargs", "message"),
    [
        ("k,c\n1.5,1\n2,2\n", {}, "line 2: inputs must be integers"),
        ("k,c\n1,one\n2,2\n", {}, "exact number"),
        ("k,h\n1,1\n2,2\n", {}, r"columns \['c'\] not found"),
        ("k,c\n1,1\n2,2\n", {"heldout_rows": 2}, "between 1 and 1"),
    ],
)
def test_bad_csv_is_explained(tmp_path, content, kwargs, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        csv_tables(path, ["k"], "c", "", kwargs.get("heldout_rows", 1))


def test_unknown_source_is_explained():
    with pytest.raises(ValueError, match=r"task\.source"):
        datamodule(source="ising")


def test_evaluator_scores_without_a_formula(tmp_path):
    arrays = csv_tables(su3_csv(tmp_path / "su3.csv"), ["k"], "c", "", 5)
    from baselines.cft.exact import FormulaEngine
    from baselines.cft.search import SymbolicSearch
    from tasks.cft.tables import settings_arrays

    split = arrays | settings_arrays(0, SCORING)
    predictions = SymbolicSearch(FormulaEngine("8*k/(k+3)"), 0, 1e-10, False, False).predict(split)
    assert evaluate(predictions, split)["exact"] == 1
