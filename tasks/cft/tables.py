"""The cached split of the cft task: a training table and a held-out table of exact targets.

Sources: ``minimal`` and ``wzw`` (generated from :mod:`baselines.cft.theories`: the first
``n_theories`` theories, the lowest ``primary_fraction`` of each one's primaries for h, then the
next ``heldout.n_theories`` theories for the extrapolation test), or ``csv`` (a user's table of
integer inputs and an exact target such as ``3/4`` or ``0.75``; its last ``heldout_rows`` rows
are held out). Arrays of the split (which of them predictors see: :mod:`tasks.cft.spec`):

- ``input_names`` (d,), ``quantity`` (1,): the target's name (``c``, ``h`` or the CSV column);
- ``train_x`` (n, d) int64, ``train_num``/``train_den`` (n,) int64 (the target as a reduced
  fraction), and the same ``heldout_*`` arrays;
- ``formula`` (1,): the ground truth over ``input_names`` ("" when unknown);
- ``integer_columns``: how many constant columns 1..N the engines may use;
- ``max_denominator``, ``constant_rtol``: the rationalisation settings of the scoring.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from baselines.cft import theories

SOURCES = ("minimal", "wzw", "csv")
INT64_MAX = np.iinfo(np.int64).max


def fraction_arrays(values: Sequence[Fraction]) -> tuple[np.ndarray, np.ndarray]:
    """Numerators and denominators of exact values as int64 arrays (error on overflow)."""
    if any(max(abs(v.numerator), v.denominator) > INT64_MAX for v in values):
        raise ValueError("a target's numerator or denominator does not fit in int64")
    return (
        np.array([v.numerator for v in values], dtype=np.int64),
        np.array([v.denominator for v in values], dtype=np.int64),
    )


def _table_arrays(prefix: str, rows: Sequence[Sequence[int]], values: Sequence[Fraction], d: int):
    num, den = fraction_arrays(values)
    x = np.array(rows, dtype=np.int64).reshape(len(rows), d)
    return {f"{prefix}_x": x, f"{prefix}_num": num, f"{prefix}_den": den}


def family_tables(
    family: str,
    quantity: str,
    n_theories: int,
    primary_fraction: float,
    heldout: Mapping[str, Any],
) -> dict[str, np.ndarray]:
    """Training and held-out tables of a built-in family (see module docstring)."""
    names = theories.input_names(family, quantity)
    train = theories.theories(family, 0, int(n_theories))
    test = theories.theories(family, int(n_theories), int(heldout["n_theories"]))
    arrays = {
        "input_names": np.array(names),
        "quantity": np.array([quantity]),
        "formula": np.array([theories.FORMULAS[(family, quantity)]]),
    }
    arrays |= _table_arrays(
        "train", *theories.table(family, quantity, train, primary_fraction), len(names)
    )
    held = theories.table(family, quantity, test, float(heldout["primary_fraction"]))
    return arrays | _table_arrays("heldout", *held, len(names))


def settings_arrays(integer_columns: int, scoring: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The split's scalar settings: integer columns and the rationalisation of the scoring."""
    return {
        "integer_columns": np.array(int(integer_columns)),
        "max_denominator": np.array(int(scoring["max_denominator"])),
        "constant_rtol": np.array(float(scoring["constant_rtol"])),
    }


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file (part of the cache key of a CSV source)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def csv_tables(
    path: str | Path, inputs: Sequence[str], target: str, formula: str, heldout_rows: int
) -> dict[str, np.ndarray]:
    """Training and held-out tables from a CSV file with a header row.

    Input columns must hold integers; the target column exact numbers (``3/4``, ``0.75``,
    ``-2``). The last ``heldout_rows`` rows (order of the file) form the held-out table.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"task.csv.path: no file {path}")
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        missing = sorted(set([*inputs, target]) - set(reader.fieldnames or []))
        if missing:
            raise ValueError(f"{path}: columns {missing} not found; header is {reader.fieldnames}")
        rows, values = [], []
        for line, record in enumerate(reader, start=2):
            try:
                rows.append([int(record[name]) for name in inputs])
                values.append(Fraction(record[target].strip()))
            except ValueError as error:
                raise ValueError(
                    f"{path}, line {line}: inputs must be integers and the target an exact "
                    f"number such as 3/4 or 0.75 ({error})"
                ) from error
    if not 0 < heldout_rows < len(rows):
        raise ValueError(
            f"task.csv.heldout_rows must be between 1 and {len(rows) - 1} (the file has "
            f"{len(rows)} rows), got {heldout_rows}"
        )
    cut = len(rows) - heldout_rows
    arrays = {
        "input_names": np.array(list(inputs)),
        "quantity": np.array([target]),
        "formula": np.array([formula or ""]),
    }
    arrays |= _table_arrays("train", rows[:cut], values[:cut], len(inputs))
    return arrays | _table_arrays("heldout", rows[cut:], values[cut:], len(inputs))
