"""Data module of the cft task: the canonical split and full- or mini-batches of its training
rows (read from the split's inputs: the training table is what a method fits)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader

from tasks.cft.tables import SOURCES, csv_tables, family_tables, file_sha256, settings_arrays
from tasks.splits import Split, canonical_split
from tasks.training import RepeatedBatch


class CFTDataModule(L.LightningDataModule):
    """Tables of a CFT family or of a user's CSV file (see :mod:`tasks.cft.tables`).

    Args:
        source: ``minimal``, ``wzw`` or ``csv``.
        quantity: ``c``, ``h`` or ``h21_of_c`` (built-in families; see baselines.cft.theories).
        n_theories: training theories, smallest first.
        primary_fraction: lowest fraction of each theory's primaries kept (quantity ``h``).
        heldout: ``n_theories`` and ``primary_fraction`` of the extrapolation table.
        integer_columns: constant columns 1..N offered to the engines (0 = off).
        csv: ``path``, ``inputs`` (column names), ``target``, ``formula`` (optional ground
            truth over the input names), ``heldout_rows``.
        scoring: ``max_denominator`` and ``constant_rtol`` of the rationalisation.
        steps: training steps of a network (length of the training loader).
        batch_size: rows per step (0 = all rows).
        cache_dir: root of the split store (``None``: build in memory, write nothing).
        seed: seed of the mini-batch draws.
    """

    def __init__(
        self,
        source: str,
        quantity: str,
        n_theories: int,
        primary_fraction: float,
        heldout: Mapping[str, Any],
        integer_columns: int,
        csv: Mapping[str, Any],
        scoring: Mapping[str, Any],
        steps: int,
        batch_size: int,
        cache_dir: str | None,
        seed: int,
    ) -> None:
        super().__init__()
        if source not in SOURCES:
            raise ValueError(f"task.source must be one of {SOURCES}, got {source!r}")
        if integer_columns < 0:
            raise ValueError(f"task.integer_columns must be >= 0, got {integer_columns}")
        self.source, self.quantity = source, quantity
        self.n_theories, self.primary_fraction = int(n_theories), float(primary_fraction)
        self.heldout, self.csv, self.scoring = dict(heldout), dict(csv), dict(scoring)
        self.integer_columns = int(integer_columns)
        self.steps, self.batch_size, self.seed = int(steps), int(batch_size), int(seed)
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._split: Split | None = None

    def generator_config(self) -> dict[str, Any]:
        """Everything the split depends on (its store key); a CSV source adds the file's hash."""
        settings = {
            "integer_columns": self.integer_columns,
            "max_denominator": int(self.scoring["max_denominator"]),
            "constant_rtol": float(self.scoring["constant_rtol"]),
        }
        if self.source == "csv":
            table = {**self.csv, "sha256": file_sha256(self.csv["path"])}
            return {"source": "csv", "csv": table, **settings}
        return {
            "source": self.source,
            "quantity": self.quantity,
            "n_theories": self.n_theories,
            "primary_fraction": self.primary_fraction,
            "heldout": self.heldout,
            **settings,
        }

    def _build(self, _parts: Path | None) -> dict[str, np.ndarray]:
        if self.source == "csv":
            arrays = csv_tables(
                self.csv["path"],
                list(self.csv["inputs"]),
                str(self.csv["target"]),
                str(self.csv.get("formula") or ""),
                int(self.csv["heldout_rows"]),
            )
        else:
            arrays = family_tables(
                self.source, self.quantity, self.n_theories, self.primary_fraction, self.heldout
            )
        return arrays | settings_arrays(self.integer_columns, self.scoring)

    def test_split(self) -> Split:
        """Training and held-out tables (built once, then loaded from the store and verified)."""
        if self._split is None:
            self._split = canonical_split(
                "cft", self.generator_config(), self._build, self.cache_dir
            )
        return self._split

    def train_dataloader(self) -> DataLoader:
        """``steps`` batches of training rows: all of them, or ``batch_size`` drawn at random."""
        arrays = self.test_split().inputs
        x = torch.as_tensor(np.array(arrays["train_x"]), dtype=torch.float64)
        y = torch.as_tensor(arrays["train_num"] / arrays["train_den"], dtype=torch.float64)
        generator = torch.Generator().manual_seed(self.seed)
        resample = 0 < self.batch_size < len(y)

        def batch() -> dict[str, torch.Tensor]:
            if not resample:
                return {"x": x, "y": y}
            rows = torch.randint(len(y), (self.batch_size,), generator=generator)
            return {"x": x[rows], "y": y[rows]}

        return DataLoader(RepeatedBatch(self.steps, batch, resample), batch_size=None)
