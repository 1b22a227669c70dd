"""Load benchmark of the served board: ``python -m leaderboard.loadtest [--db URL]``.

Starts ``exactbench leaderboard serve`` (with its worker) on a free port of 127.0.0.1 over a
scratch ``EXACTBENCH_ROOT`` (SQLite there, or ``--db``: an empty database), makes one real qho
run and, from it, distinct uploads (each a re-sealed record with its own seed and predictions
scaled by its own factor) plus deliberately bad ones. Then

1. ``--uploads`` uploads from ``--clients`` concurrent clients (one token each), waits until
   every one is scored or rejected, and checks that none is lost or stored twice: upload latency
   (the request only; scoring is off the request path) and scoring throughput;
2. ``--queued`` more uploads, the server's process group (server, worker, scoring child) killed
   with SIGKILL right after the last is queued, a restart, and every one must end scored;
3. the board filled to ``--entries`` entries through the store, and the latency of the index
   and the task page (default, sorted by another metric, one row per seed).

Prints a Markdown table; exits 1 if a check failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import func, select

from leaderboard import queue
from leaderboard.record import (
    PREDICTIONS_FILE,
    RECORD_FILE,
    load_predictions,
    load_record,
    write_record,
)
from leaderboard.store import ENTRIES, Board
from leaderboard.tokens import create_token
from tasks.spec import get_task

TASK, EXPERIMENT = "qho", "qho_base"
RUN = ["baseline", f"experiment={EXPERIMENT}", "baseline=qho_split_operator", "logger=none"]
BAD = ("tampered", "unknown method", "NaN predictions", "duplicate")  # every 25th upload on
EXPECTED = {  # kind -> the HTTP status of the upload, then the final status of a queued one
    "good": ({202}, "scored"),
    "tampered": ({422}, None),
    "unknown method": ({422}, None),
    "NaN predictions": ({202}, "rejected"),
    "duplicate": ({202, 409}, "rejected"),  # 202 when the original is still being scored
}


@dataclass
class Upload:
    """One upload: its number, kind, files and, once sent, what the board said."""

    number: int
    kind: str
    record: bytes
    predictions: bytes
    http_status: int = 0
    latency: float = math.nan
    upload_id: str | None = None
    final: dict[str, Any] | None = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``exactbench leaderboard serve`` in its own process group, on a free port."""

    def __init__(self, db: str, env: dict[str, str], log: Path) -> None:
        self.db, self.env, self.log = db, env, log
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout: float = 120.0) -> None:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "bench.cli", "leaderboard", "--db", self.db, "serve"]
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [*command, "--host", "127.0.0.1", "--port", str(port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.url}/api/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop(signal.SIGKILL)
        raise SystemExit(f"the server did not start; its log:\n{self.log.read_text()[-3000:]}")

    def stop(self, signal_number: int = signal.SIGTERM) -> None:
        """Send ``signal_number`` to the server's process group and wait for the server."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal_number)
            self.process.wait(60)
            self.process = None


def make_run(root: Path, env: dict[str, str]) -> Path:
    """One real run directory of the task (its split is built on the way)."""
    subprocess.run(
        [sys.executable, "-m", "bench.cli", *RUN, "plots=false"],
        env=env,
        cwd=root,
        check=True,
        capture_output=True,
    )
    return next((root / "outputs").rglob(RECORD_FILE)).parent


def make_uploads(run_dir: Path, out: Path, numbers: range, bad: bool) -> list[Upload]:
    """Distinct legitimate uploads (own seed, predictions scaled by ``1 + n * 1e-9``) and, with
    ``bad``, every 25th from the 21st on of a kind in :data:`BAD`."""
    fields = load_record(run_dir).model_dump(exclude={"content_hash", "predictions_sha256"})
    arrays = load_predictions(run_dir)
    uploads: list[Upload] = []
    for number in numbers:
        slot = number % 25 - 21
        kind = BAD[slot] if bad and slot >= 0 else "good"
        if kind == "duplicate":
            uploads.append(Upload(number, kind, *_files(out / str(number - 24))))
            continue
        scale = 1 + (number + 1) * 1e-9
        predictions = {key: value * scale for key, value in arrays.items()}
        if kind == "NaN predictions":  # the first array not predicted: its own, still distinct
            first = next(iter(predictions))
            predictions[first] = np.full_like(predictions[first], np.nan)
        own = fields | {"seed": number}
        if kind == "unknown method":
            own |= {"method": "os:system"}
        write_record(out / str(number), own, predictions)
        if kind == "tampered":  # a boasting metric, the seal left as it was
            record = json.loads((out / str(number) / RECORD_FILE).read_text())
            record["metrics"]["density_mse"] = 1e-30
            (out / str(number) / RECORD_FILE).write_text(json.dumps(record))
        uploads.append(Upload(number, kind, *_files(out / str(number))))
    return uploads


def _files(run_dir: Path) -> tuple[bytes, bytes]:
    return (run_dir / RECORD_FILE).read_bytes(), (run_dir / PREDICTIONS_FILE).read_bytes()


def send(url: str, tokens: list[str], uploads: list[Upload]) -> float:
    """Upload everything, one client (thread, connection, token) per token; the wall time."""

    def client(index: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[index]}"}
        with httpx.Client(base_url=url, headers=headers, timeout=120) as http:
            for upload in uploads[index :: len(tokens)]:
                files = {
                    "record": (RECORD_FILE, upload.record),
                    "predictions": (PREDICTIONS_FILE, upload.predictions),
                }
                start = time.perf_counter()
                reply = http.post("/api/uploads", files=files)
                upload.latency = time.perf_counter() - start
                upload.http_status = reply.status_code
                upload.upload_id = reply.json().get("id") if reply.status_code == 202 else None

    start = time.perf_counter()
    with ThreadPoolExecutor(len(tokens)) as pool:
        list(pool.map(client, range(len(tokens))))
    return time.perf_counter() - start


def settle(url: str, uploads: list[Upload], timeout: float = 900.0) -> None:
    """Wait until the queue is empty, then read every queued upload's final status."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url, timeout=60) as http:
        while True:
            counts = http.get("/api/health").json()["queue"]
            if counts["pending"] + counts["scoring"] == 0:
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"the queue did not empty in {timeout:g} s: {counts}")
            time.sleep(0.2)
        for upload in uploads:
            if upload.upload_id:
                upload.final = http.get(f"/api/uploads/{upload.upload_id}").json()


def problems(board: Board, uploads: list[Upload]) -> list[str]:
    """What went wrong: unexpected outcomes, uploads lost, entries stored twice."""
    found = []
    for upload in uploads:
        statuses, final = EXPECTED[upload.kind]
        got = (upload.final or {}).get("status")
        if upload.http_status not in statuses or (upload.upload_id and got != final):
            found.append(
                f"upload {upload.number} ({upload.kind}): HTTP {upload.http_status}, "
                f"then {got} {(upload.final or {}).get('reason') or ''}"
            )
    scored = [u.final["entry_id"] for u in uploads if u.final and u.final["status"] == "scored"]
    if len(set(scored)) != len(scored):
        found.append("two uploads were stored as the same entry")
    hashes = board.rows(select(func.count(), func.count(ENTRIES.c.predictions_hash.distinct())))
    total, distinct = hashes[0].values()
    if total != distinct:
        found.append(f"{total - distinct} predictions stored twice")
    return found


def fill(board: Board, run_dir: Path, entries: int, seed: int = 0) -> int:
    """Add entries (random methods, authors, metrics and costs) until the board has
    ``entries``; how many were added."""
    have = sum(board.tasks().values())
    spec, rng = get_task(TASK), np.random.default_rng(seed)
    record = load_record(run_dir, check_predictions=False)
    methods = [*spec.models, *spec.baselines]
    with board.transaction() as connection:
        for number in range(have, entries):
            method = methods[number % len(methods)]
            train = float(rng.uniform(0, 600)) if spec.kind_of(method) == "model" else 0.0
            copy = record.model_copy(
                update={
                    "seed": number,
                    "timings": {
                        "train": train,
                        "inference_total": float(rng.uniform(0.01, 5)),
                        "inference_per_sample": 0.01,
                    },
                    "content_hash": f"fill-{number}",
                }
            )
            board.add(
                copy,
                method=method,
                kind=spec.kind_of(method) or "model",
                metrics={name: float(10 ** rng.uniform(-9, -2)) for name in spec.metrics},
                author=f"author-{number % 40:02d}",
                predictions_hash=f"fill-{number}",
                predictions=b"stub",
                connection=connection,
            )
    return max(entries - have, 0)


def latencies(url: str, path: str, requests: int) -> np.ndarray:
    """Seconds of ``requests`` sequential GETs of ``path`` (after one warm-up)."""
    with httpx.Client(base_url=url, timeout=120) as http:
        http.get(path).raise_for_status()
        times = []
        for _ in range(requests):
            start = time.perf_counter()
            http.get(path).raise_for_status()
            times.append(time.perf_counter() - start)
    return np.array(times)


def _ms(values: np.ndarray | list[float]) -> str:
    p50, p95 = np.percentile(np.asarray(values) * 1e3, [50, 95])
    return f"{p50:.0f} / {p95:.0f}"


def benchmark(args: argparse.Namespace, root: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """Run the three parts; the table's rows and the problems found."""
    env = os.environ | {"EXACTBENCH_ROOT": str(root), "WANDB_MODE": "disabled"}
    os.environ["EXACTBENCH_ROOT"] = str(root)  # this process reads the same splits
    db = args.db or f"sqlite:///{root / 'board.db'}"
    board = Board(db)
    if sum(board.tasks().values()):
        raise SystemExit(f"{board.safe_url} holds entries already: give an empty database")
    run_dir = make_run(root, env)
    tokens = [create_token(board, f"client-{index}")[1] for index in range(args.clients)]
    uploads = make_uploads(run_dir, root / "uploads", range(args.uploads), bad=True)
    queued = make_uploads(
        run_dir, root / "uploads", range(args.uploads, args.uploads + args.queued), bad=False
    )
    server = Server(db, env, root / "serve.log")
    rows: list[tuple[str, str]] = []
    try:
        server.start()
        start = time.perf_counter()
        wall = send(server.url, tokens, uploads)
        settle(server.url, uploads)
        drained = time.perf_counter() - start
        accepted = [u for u in uploads if u.upload_id]
        finals = [u.final["status"] for u in accepted if u.final]
        rows += [
            (f"uploads ({args.clients} clients)", f"{len(uploads)} in {wall:.1f} s"),
            ("refused at upload (409/422)", str(len(uploads) - len(accepted))),
            (
                "queued → scored / rejected",
                f"{len(accepted)} → {finals.count('scored')} / {finals.count('rejected')}",
            ),
            ("upload latency p50 / p95 (ms)", _ms([u.latency for u in uploads])),
            (
                "scoring throughput (uploads/s, first upload → queue empty)",
                f"{len(accepted) / drained:.2f}",
            ),
        ]
        send(server.url, tokens, queued)
        server.stop(signal.SIGKILL)
        states = [(queue.status(board, str(u.upload_id)) or {}).get("status") for u in queued]
        start = time.perf_counter()
        server.start()
        settle(server.url, queued)
        rows += [
            (
                f"SIGKILL with {args.queued} just queued: pending / scoring / scored",
                " / ".join(str(states.count(s)) for s in ("pending", "scoring", "scored")),
            ),
            (
                "after restart: scored / rejected (s to empty queue)",
                f"{sum(u.final['status'] == 'scored' for u in queued if u.final)} / "
                f"{sum(u.final['status'] == 'rejected' for u in queued if u.final)} "
                f"({time.perf_counter() - start:.1f} s)",
            ),
        ]
        found = problems(board, uploads + queued)
        added = fill(board, run_dir, args.entries)
        total = sum(board.tasks().values())
        rows.append(("entries on the board (filled through the store)", f"{total} (+{added})"))
        other = list(get_task(TASK).metrics)[1]
        for label, path in (
            ("index `/`", "/"),
            (f"task page `/task/{TASK}`", f"/task/{TASK}"),
            (f"sorted by {other}, reversed", f"/task/{TASK}?sort={other}&reverse=1"),
            ("one row per seed", f"/task/{TASK}?pooled=0"),
        ):
            rows.append(
                (f"page {label} p50 / p95 (ms)", _ms(latencies(server.url, path, args.requests)))
            )
    finally:
        server.stop()
    return rows, found


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its table (exit 1 if a check failed)."""
    parser = argparse.ArgumentParser(
        prog="python -m leaderboard.loadtest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", help="an empty database's URL (default: SQLite in the root)")
    parser.add_argument("--root", type=Path, help="scratch EXACTBENCH_ROOT (default: a new one)")
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--queued", type=int, default=20, help="uploads queued at the SIGKILL")
    parser.add_argument("--entries", type=int, default=10_000, help="entries for the pages")
    parser.add_argument("--requests", type=int, default=50, help="GETs per page")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="exactbench-load-") as scratch:
        root = args.root or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        rows, found = benchmark(args, root)
    board = "SQLite" if not args.db else Board(args.db).safe_url
    print(f"| {board}, {os.cpu_count()} cores | |\n|---|---|")
    print("\n".join(f"| {label} | {value} |" for label, value in rows))
    if found:
        print("\nproblems:\n" + "\n".join(found))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
