"""Leaderboard storage: one table of accepted, re-scored results in any SQLAlchemy database.

SQLite by default (``leaderboard/data/board.db`` under ``EXACTBENCH_ROOT``); a shared board is
any SQLAlchemy URL (e.g. PostgreSQL). Each insert is one transaction and a record's content
hash is unique, so concurrent submitters cannot store the same result twice. Results live in
the table ``results`` (split ids, kinds model/baseline/reference); a board written before
that keeps its old ``entries`` table untouched: re-submit those run directories to move them.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    select,
)
from sqlalchemy.exc import IntegrityError

from leaderboard.record import RunRecord

METADATA = MetaData()
ENTRIES = Table(
    "results",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("task", String, nullable=False, index=True),
    Column("experiment", String, nullable=False),
    Column("method", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("author", String, nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("timings", JSON, nullable=False),
    Column("config", JSON, nullable=False),
    Column("environment", JSON, nullable=False),
    Column("split_id", String, nullable=False),
    Column("record_hash", String, nullable=False, unique=True),
    Column("submitted_utc", String, nullable=False),
)


class DuplicateSubmission(ValueError):
    """This exact record is already on the board."""


def default_url() -> str:
    """``sqlite:///<EXACTBENCH_ROOT or .>/leaderboard/data/board.db`` (directory created)."""
    path = Path(os.environ.get("EXACTBENCH_ROOT", ".")) / "leaderboard" / "data" / "board.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path.resolve()}"


class Board:
    """The leaderboard database at ``url`` (created on first use)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        connect_args = {"timeout": 60} if self.url.startswith("sqlite") else {}
        self.engine = create_engine(self.url, connect_args=connect_args)
        METADATA.create_all(self.engine)

    def add(
        self, record: RunRecord, *, method: str, kind: str, metrics: dict[str, float], author: str
    ) -> int:
        """Store a re-scored record under its looked-up ``method`` and ``kind``; raises
        :class:`DuplicateSubmission` if already there."""
        row = {
            "task": record.task,
            "experiment": record.experiment,
            "method": method,
            "kind": kind,
            "seed": record.seed,
            "author": author,
            "metrics": metrics,
            "timings": record.timings,
            "config": record.config,
            "environment": {
                "git": record.git.model_dump(),
                "packages": record.packages,
                "hardware": record.hardware,
            },
            "split_id": record.split_id or f"schema-1:{record.data_checksum}",
            "record_hash": record.content_hash,
            "submitted_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        try:
            with self.engine.begin() as connection:
                return connection.execute(ENTRIES.insert().values(**row)).inserted_primary_key[0]
        except IntegrityError as error:
            raise DuplicateSubmission(
                f"this result ({record.task}/{record.experiment}/{method}, seed "
                f"{record.seed}, hash {record.content_hash[:12]}) is already on the board"
            ) from error

    def entries(self, task: str | None = None) -> list[dict[str, Any]]:
        """All stored entries (of one task), oldest first."""
        query = select(ENTRIES).order_by(ENTRIES.c.id)
        if task:
            query = query.where(ENTRIES.c.task == task)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]
