"""Leaderboard storage: accepted results, their predictions, tokens and the upload queue.

SQLite by default (``leaderboard/data/board.db`` under ``EXACTBENCH_ROOT``); a shared board is
any SQLAlchemy URL: ``postgresql://`` (psycopg 3) or ``postgresql+psycopg2://`` (psycopg2),
refused with the package to install when its driver is missing. Each insert is one transaction;
a record's content hash and its predictions' content hash are unique, so the same result (also
under another creation time or seed) is stored once. Every database failure (locked, read-only,
corrupted, unreachable) is a :class:`BoardError` that says what to fix, with the URL's password
hidden. JSON columns never hold NaN or infinities (PostgreSQL refuses them): non-finite floats
are stored as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` and read back as floats.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError

from leaderboard.record import RunRecord

METADATA = MetaData()
ENTRIES = Table(
    "results",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("task", String(64), nullable=False, index=True),
    Column("experiment", String(64), nullable=False),
    Column("method", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("seed", Integer, nullable=False),
    Column("author", String(64), nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("timings", JSON, nullable=False),
    Column("config", JSON, nullable=False),
    Column("environment", JSON, nullable=False),
    Column("split_id", String(80), nullable=False),
    Column("record_hash", String(64), nullable=False, unique=True),
    Column("predictions_hash", String(64), unique=True),
    Column("submitted_utc", String(32), nullable=False),
)
PREDICTIONS = Table(
    "predictions",
    METADATA,
    Column("entry_id", Integer, ForeignKey("results.id"), primary_key=True),
    Column("data", LargeBinary, nullable=False),
)
TOKENS = Table(
    "tokens",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("author", String(64), nullable=False, index=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_utc", String(32), nullable=False),
    Column("revoked_utc", String(32)),
)
UPLOADS = Table(
    "uploads",
    METADATA,
    Column("id", String(32), primary_key=True),
    Column("token_id", Integer, ForeignKey("tokens.id"), nullable=False, index=True),
    Column("author", String(64), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("reason", Text),
    Column("entry_id", Integer),
    Column("record", LargeBinary, nullable=False),
    Column("predictions", LargeBinary, nullable=False),
    Column("predictions_hash", String(64), nullable=False),
    Column("created", Float, nullable=False, index=True),
    Column("lease_until", Float),
    Column("attempts", Integer, nullable=False, default=0),
    Column("worker_host", String(255)),
    Column("worker_pid", Integer),
)
T = TypeVar("T")
HEAVY = ("config", "environment")
HINTS = {
    "locked": "another process holds a write lock; retry in a moment",
    "readonly": "the database file or its directory is read-only; fix the permissions",
    "read-only": "the database is read-only; use a writable one",
    "not a database": "the file is not an SQLite database (corrupted?); restore it from a "
    "backup or move it aside",
    "malformed": "the database file is corrupted; restore it from a backup",
    "unable to open": "the database file cannot be opened; check the path and permissions",
    "connect": "the database server cannot be reached; is it running?",
    "password": "the server refused the credentials",
}
DRIVERS = {"psycopg": "psycopg[binary]", "psycopg2": "psycopg2-binary"}


class BoardError(RuntimeError):
    """The board's database cannot be used; the message says what to fix."""


class DuplicateSubmission(ValueError):
    """This result (the same record or the same predictions) is already on the board."""


def default_url() -> str:
    """``sqlite:///<EXACTBENCH_ROOT or .>/leaderboard/data/board.db`` (directory created)."""
    path = Path(os.environ.get("EXACTBENCH_ROOT", ".")) / "leaderboard" / "data" / "board.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path.resolve()}"


def safe_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages and logs)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable database URL>"


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def json_safe(value: Any) -> Any:
    """``value`` with non-finite floats as ``"NaN"``/``"Infinity"``/``"-Infinity"`` strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value


def numbers(values: dict[str, Any]) -> dict[str, float]:
    """A stored metrics or timings object back as floats (inverse of :func:`json_safe`)."""
    return {key: float(value) for key, value in values.items()}


class Board:
    """The leaderboard database at ``url`` (tables created on first use)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        self.safe_url = safe_url(self.url)
        sqlite = self.url.startswith("sqlite")
        try:
            self.engine = create_engine(
                self.url, connect_args={"timeout": 30} if sqlite else {}, pool_pre_ping=not sqlite
            )
        except NoSuchModuleError as error:
            raise BoardError(f"{self.safe_url}: unknown database driver ({error})") from None
        except ArgumentError as error:
            raise BoardError(f"{self.safe_url} is not a database URL ({error})") from None
        except ModuleNotFoundError as error:
            package = DRIVERS.get(str(error.name), error.name)
            raise BoardError(
                f"{self.safe_url} needs the Python package {package!r}: pip install '{package}' "
                "(or pip install 'exactbench[postgres]')"
            ) from None
        self._run(self._create_tables)
        self._tables: dict[str | None, tuple[Any, list[dict[str, Any]]]] = {}

    def _create_tables(self) -> None:
        """Create missing tables and indexes, racing safely with other first users.

        ``create_all`` checks then creates, so a concurrent first user can create a table in
        between (PostgreSQL reports an ``IntegrityError``, SQLite "already exists"). Each such
        failure means one more object now exists, so retrying once per schema object converges.
        """
        objects = sum(1 + len(table.indexes) for table in METADATA.tables.values())
        for attempt in range(objects + 1):
            try:
                METADATA.create_all(self.engine)
                break
            except IntegrityError:  # PostgreSQL: a concurrent first user created one meanwhile
                if attempt == objects:
                    raise
            except DBAPIError as error:  # SQLite: the same race says "already exists"
                if "already exists" not in str(error.orig) or attempt == objects:
                    raise
        columns = {c["name"] for c in inspect(self.engine).get_columns("results")}
        if "predictions_hash" not in columns:  # a board from before duplicate detection
            with self.engine.begin() as connection:
                connection.execute(text("ALTER TABLE results ADD COLUMN predictions_hash TEXT"))
                connection.execute(
                    text("CREATE UNIQUE INDEX results_predictions ON results (predictions_hash)")
                )
        uploads = {c["name"] for c in inspect(self.engine).get_columns("uploads")}
        with self.engine.begin() as connection:  # a queue from before claims named their worker
            for column in UPLOADS.c:
                if column.name not in uploads:
                    kind = column.type.compile(self.engine.dialect)
                    connection.execute(text(f"ALTER TABLE uploads ADD COLUMN {column.name} {kind}"))

    def _run(self, action: Callable[..., T], *args: Any) -> T:
        """``action(*args)``; database failures become a :class:`BoardError` saying what to do."""
        try:
            return action(*args)
        except IntegrityError:
            raise
        except DBAPIError as error:
            raise self._explain(error) from None

    def _explain(self, error: DBAPIError) -> BoardError:
        message = str(error.orig or error).strip().splitlines()[0]
        message = message.replace(self.url, self.safe_url)
        advice = next((v for k, v in HINTS.items() if k in message.lower()), "see the message")
        return BoardError(f"board {self.safe_url}: {message} ({advice})")

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction on the board (failures as :class:`BoardError`)."""
        connection = self._run(self.engine.connect)
        try:
            with connection.begin():
                yield connection
        except IntegrityError:
            raise
        except DBAPIError as error:
            raise self._explain(error) from None
        finally:
            connection.close()

    def add(
        self,
        record: RunRecord,
        *,
        method: str,
        kind: str,
        metrics: dict[str, float],
        author: str,
        predictions_hash: str,
        predictions: bytes,
        connection: Connection | None = None,
    ) -> int:
        """Store a re-scored record under its looked-up ``method`` and ``kind`` with its
        predictions file; raises :class:`DuplicateSubmission` if already there.

        With ``connection``, inside that transaction (the queue marks the upload scored in it).
        """
        row = {
            "task": record.task,
            "experiment": record.experiment,
            "method": method,
            "kind": kind,
            "seed": record.seed,
            "author": author,
            "metrics": json_safe(metrics),
            "timings": json_safe(record.timings),
            "config": json_safe(record.config),
            "environment": json_safe(
                {
                    "git": record.git.model_dump(),
                    "packages": record.packages,
                    "hardware": record.hardware,
                    "wandb": record.wandb.model_dump() if record.wandb else None,
                    "created_utc": record.created_utc,
                }
            ),
            "split_id": record.split_id or f"schema-1:{record.data_checksum}",
            "record_hash": record.content_hash,
            "predictions_hash": predictions_hash,
            "submitted_utc": utc_now(),
        }

        def insert(conn: Connection) -> int:
            entry = conn.execute(ENTRIES.insert().values(**row)).inserted_primary_key[0]
            conn.execute(PREDICTIONS.insert().values(entry_id=entry, data=predictions))
            return int(entry)

        try:
            if connection is not None:
                with connection.begin_nested():
                    return insert(connection)
            with self.transaction() as conn:
                return insert(conn)
        except IntegrityError as error:
            raise DuplicateSubmission(
                f"this result ({record.task}/{record.experiment}/{method}, seed {record.seed}) "
                "is already on the board: the same record or the same predictions (content "
                f"hash {predictions_hash[:12]}) were accepted before"
            ) from error

    def entries(self, task: str | None = None, full: bool = True) -> list[dict[str, Any]]:
        """All stored entries (of one task), oldest first, metrics and timings as floats;
        without ``full``, only what tables need (no config and environment), kept in memory
        while the task's number of entries and newest id stay the same (entries are never
        changed once stored). The dicts are shared: do not modify them."""
        columns = ENTRIES.c if full else [c for c in ENTRIES.c if c.name not in HEAVY]
        query = select(*columns).order_by(ENTRIES.c.id)
        stamp = select(func.count(), func.max(ENTRIES.c.id))
        if task:
            query = query.where(ENTRIES.c.task == task)
            stamp = stamp.where(ENTRIES.c.task == task)
        if full:
            return [_entry(row) for row in self.rows(query)]
        now = tuple(self.rows(stamp)[0].values())
        cached = self._tables.get(task)
        if cached is None or cached[0] != now:
            cached = self._tables[task] = (now, [_entry(row) for row in self.rows(query)])
        return list(cached[1])

    def tasks(self) -> dict[str, int]:
        """Number of entries per task on the board."""
        query = select(ENTRIES.c.task, func.count().label("n")).group_by(ENTRIES.c.task)
        return {row["task"]: row["n"] for row in self.rows(query)}

    def entry(self, entry_id: int) -> dict[str, Any] | None:
        """One entry by id, or ``None``."""
        rows = self.rows(select(ENTRIES).where(ENTRIES.c.id == entry_id))
        return _entry(rows[0]) if rows else None

    def predictions(self, entry_id: int) -> bytes | None:
        """The predictions file of an entry, or ``None``."""
        rows = self.rows(select(PREDICTIONS.c.data).where(PREDICTIONS.c.entry_id == entry_id))
        return bytes(rows[0]["data"]) if rows else None

    def known_predictions(self, predictions_hash: str) -> bool:
        """Whether an entry with these predictions (content hash) is on the board."""
        query = select(ENTRIES.c.id).where(ENTRIES.c.predictions_hash == predictions_hash)
        return bool(self.rows(query))

    def rows(self, query: Any) -> list[dict[str, Any]]:
        def fetch() -> list[dict[str, Any]]:
            with self.engine.connect() as connection:
                return [dict(row._mapping) for row in connection.execute(query)]

        return self._run(fetch)


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    return row | {"metrics": numbers(row["metrics"]), "timings": numbers(row["timings"])}
