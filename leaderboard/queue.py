"""The upload queue: uploads wait in the database and a worker scores them off the request path.

An upload is a row of ``uploads`` holding the record and predictions bytes, with a status:
``pending`` -> ``scoring`` (claimed under a lease) -> ``scored`` (an entry was stored in the
same transaction) or ``rejected`` (with the reason). A claim names its worker's host and pid: a
worker or server starting on the same host puts the claims of dead workers back at once
(:func:`release_orphans`); a claim of a worker elsewhere (or after power loss) waits for its lease
to expire. Only the latest claim of an upload can finish it, so a slow worker whose lease ran out
stores nothing twice, and an upload that crashed ``MAX_ATTEMPTS`` scorings is rejected. Scoring
runs in a child process with a CPU-time and an address-space limit (``resource.setrlimit``) and
a wall-clock timeout; the child is restarted after it dies.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, update

from leaderboard.record import PREDICTIONS_FILE, RECORD_FILE
from leaderboard.store import UPLOADS, Board
from leaderboard.submit import Scored, SubmissionError, rescore, store

MAX_ATTEMPTS = 3
STATUSES = ("pending", "scoring", "scored", "rejected")


@dataclass(frozen=True)
class Limits:
    """Per-upload scoring limits: CPU seconds, address space (bytes), wall-clock seconds."""

    cpu_seconds: int = 300
    memory_bytes: int = 8 << 30
    wall_seconds: float = 600.0


def enqueue(
    board: Board, token_id: int, author: str, record: bytes, predictions: bytes, digest: str
) -> str:
    """Queue an upload as ``pending``; returns its id (random, so ids cannot be enumerated)."""
    upload_id = uuid.uuid4().hex
    row = {
        "id": upload_id,
        "token_id": token_id,
        "author": author,
        "status": "pending",
        "record": record,
        "predictions": predictions,
        "predictions_hash": digest,
        "created": time.time(),
        "attempts": 0,
    }
    with board.transaction() as connection:
        connection.execute(UPLOADS.insert().values(**row))
    return upload_id


def status(board: Board, upload_id: str) -> dict[str, Any] | None:
    """Status, reason and entry id of an upload, or ``None``."""
    columns = (
        UPLOADS.c.id,
        UPLOADS.c.status,
        UPLOADS.c.reason,
        UPLOADS.c.entry_id,
        UPLOADS.c.author,
        UPLOADS.c.created,
    )
    rows = board.rows(select(*columns).where(UPLOADS.c.id == upload_id))
    return rows[0] if rows else None


def waiting(board: Board, digest: str) -> bool:
    """Whether an upload with these predictions is pending or being scored."""
    query = select(UPLOADS.c.id).where(
        UPLOADS.c.predictions_hash == digest, UPLOADS.c.status.in_(("pending", "scoring"))
    )
    return bool(board.rows(query))


def recent_uploads(board: Board, token_id: int, seconds: float) -> int:
    """Uploads made with a token in the last ``seconds``."""
    query = select(func.count().label("n")).where(
        UPLOADS.c.token_id == token_id, UPLOADS.c.created > time.time() - seconds
    )
    return board.rows(query)[0]["n"]


def counts(board: Board) -> dict[str, int]:
    """Number of uploads per status."""
    query = select(UPLOADS.c.status, func.count().label("n")).group_by(UPLOADS.c.status)
    return dict.fromkeys(STATUSES, 0) | {row["status"]: row["n"] for row in board.rows(query)}


def this_host() -> str:
    """Host name and pid namespace of this process: where its pid identifies it."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()} {namespace}".strip()[:255]


def _alive(pid: int) -> bool:
    """Whether process ``pid`` of this host runs (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[:1]
    except OSError:  # no /proc here (or it exited just now: the next pass sees it)
        return True
    return state not in (["Z"], ["X"])


def release_orphans(board: Board) -> list[str]:
    """Put the claims of dead workers on this host back to ``pending``; their ids."""
    query = select(UPLOADS.c.id, UPLOADS.c.worker_pid, UPLOADS.c.attempts).where(
        UPLOADS.c.status == "scoring", UPLOADS.c.worker_host == this_host()
    )
    released = []
    for row in board.rows(query):
        if row["worker_pid"] is None or _alive(row["worker_pid"]):
            continue
        with board.transaction() as connection:
            done = connection.execute(
                update(UPLOADS)
                .where(_claimed(row["id"], row["attempts"]))
                .values(status="pending", lease_until=None, worker_host=None, worker_pid=None)
            ).rowcount
        if done == 1:
            released.append(row["id"])
    return released


def _claimed(upload_id: str, attempts: int) -> Any:
    """The condition that the claim number ``attempts`` of an upload still holds."""
    return (
        (UPLOADS.c.id == upload_id)
        & (UPLOADS.c.status == "scoring")
        & (UPLOADS.c.attempts == attempts)
    )


def claim(board: Board, lease_seconds: float) -> dict[str, Any] | None:
    """Take the oldest pending upload (or one whose claim expired) under a lease, or ``None``."""
    now = time.time()
    free = or_(
        UPLOADS.c.status == "pending",
        (UPLOADS.c.status == "scoring") & (UPLOADS.c.lease_until < now),
    )
    for row in board.rows(select(UPLOADS).where(free).order_by(UPLOADS.c.created).limit(8)):
        with board.transaction() as connection:
            taken = connection.execute(
                update(UPLOADS)
                .where(UPLOADS.c.id == row["id"], free)
                .values(
                    status="scoring",
                    lease_until=now + lease_seconds,
                    attempts=UPLOADS.c.attempts + 1,
                    worker_host=this_host(),
                    worker_pid=os.getpid(),
                )
            ).rowcount
        if taken == 1:
            return row | {"attempts": row["attempts"] + 1}
    return None


class LostClaim(RuntimeError):
    """The upload was claimed again meanwhile (this claim's lease ran out)."""


def finish(board: Board, upload: dict[str, Any], outcome: Scored | str) -> bool:
    """Store a scored upload's entry and mark it ``scored`` in one transaction, or mark it
    ``rejected`` with the reason ``outcome`` (also when the entry is a duplicate); whether this
    claim still held the upload (else nothing is stored)."""
    try:
        with board.transaction() as connection:
            values: dict[str, Any] = {"status": "rejected", "reason": outcome}
            if isinstance(outcome, Scored):
                try:
                    entry = store(
                        board,
                        outcome,
                        upload["author"],
                        upload["predictions"],
                        connection=connection,
                    )
                    values = {"status": "scored", "reason": None, "entry_id": entry}
                except SubmissionError as error:
                    values["reason"] = str(error)
            mine = _claimed(upload["id"], upload["attempts"])
            if connection.execute(update(UPLOADS).where(mine).values(**values)).rowcount != 1:
                raise LostClaim(upload["id"])  # rolls the entry back
    except LostClaim:
        return False
    return True


def _score_in_child(connection: Any, limits: Limits) -> None:
    """Child process: score run directories received on ``connection`` under ``limits``."""
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    while True:
        run_dir = connection.recv()
        used = int(sum(resource.getrusage(resource.RUSAGE_SELF)[:2])) + 1
        hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        resource.setrlimit(resource.RLIMIT_CPU, (used + limits.cpu_seconds, hard))
        try:
            outcome: Scored | str = rescore(Path(run_dir))
        except SubmissionError as error:
            outcome = str(error)
        except MemoryError:
            outcome = f"scoring needed more than {limits.memory_bytes >> 20} MiB of memory"
        connection.send(outcome)


class Scorer:
    """A child process that scores uploads one at a time under :class:`Limits`."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.process: multiprocessing.Process | None = None

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=_score_in_child, args=(child, self.limits), daemon=True
        )
        self.process.start()

    def score(self, run_dir: Path) -> Scored | str:
        """The scored record, or the reason it was rejected."""
        if self.process is None or not self.process.is_alive():
            self._start()
        try:
            self.connection.send(str(run_dir))
            if self.connection.poll(self.limits.wall_seconds):
                return self.connection.recv()
        except (EOFError, OSError):  # the child died (CPU or memory limit, killed)
            pass
        self.close()
        return (
            f"scoring was stopped: it exceeded {self.limits.cpu_seconds} s of CPU time, "
            f"{self.limits.wall_seconds:g} s of wall time or {self.limits.memory_bytes >> 20} MiB"
        )

    def close(self) -> None:
        """Stop the child process."""
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.process = None


def work_once(board: Board, scorer: Scorer, lease_seconds: float) -> bool:
    """Score one queued upload; whether there was one."""
    upload = claim(board, lease_seconds)
    if upload is None:
        return False
    if upload["attempts"] > MAX_ATTEMPTS:
        finish(board, upload, f"scoring crashed {MAX_ATTEMPTS} times; contact the board")
        return True
    with tempfile.TemporaryDirectory(prefix="exactbench-upload-") as tmp:
        (Path(tmp) / RECORD_FILE).write_bytes(upload["record"])
        (Path(tmp) / PREDICTIONS_FILE).write_bytes(upload["predictions"])
        outcome = scorer.score(Path(tmp))
    finish(board, upload, outcome)
    return True


def work(
    board: Board,
    limits: Limits,
    *,
    poll: float = 0.5,
    until_empty: bool = False,
    with_parent: bool = False,
) -> None:
    """Score uploads until stopped or, with ``until_empty``, until the queue is empty.

    ``with_parent``: also stop when the process that started this one is gone (a worker of
    ``serve`` never outlives a killed server).
    """
    parent = os.getppid()
    scorer = Scorer(limits)
    lease = limits.wall_seconds + 60
    try:
        release_orphans(board)
        while not with_parent or os.getppid() == parent:
            if not work_once(board, scorer, lease):
                if until_empty:
                    return
                release_orphans(board)  # e.g. of another worker on this host, killed
                time.sleep(poll)
    finally:
        scorer.close()
