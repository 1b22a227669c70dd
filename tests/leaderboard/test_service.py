"""The board as a service, on SQLite and PostgreSQL: tokens, the upload queue and its worker,
every rejection an HTTP status with a reason, pages and downloads."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from bench.baseline import run_baseline
from bench.config import compose_run
from leaderboard import queue
from leaderboard.record import load_predictions, load_record, write_record
from leaderboard.server import Settings, create_app
from leaderboard.store import UPLOADS
from leaderboard.submit import rescore
from leaderboard.tokens import create_token, revoke_token


class InlineScorer:
    """Scores in this process (the test's registered tasks and settings apply)."""

    def score(self, run_dir):
        from leaderboard.submit import SubmissionError

        try:
            return rescore(run_dir)
        except SubmissionError as error:
            return str(error)


@pytest.fixture
def qho_run(tmp_path):
    def run(baseline="qho_split_operator", name="run", seed=0):
        run_dir = tmp_path / name
        overrides = ["experiment=qho_base", f"baseline={baseline}", f"seed={seed}"]
        cfg = compose_run([*overrides, "logger=none", "plots=false"], run_dir)
        run_baseline(cfg, run_dir)
        return run_dir

    return run


def files_of(run_dir):
    return {
        "record": ("result.json", (run_dir / "result.json").read_bytes()),
        "predictions": ("predictions.npz", (run_dir / "predictions.npz").read_bytes()),
    }


@pytest.fixture
def service(any_board):
    _, token = create_token(any_board, "alice")
    client = TestClient(create_app(any_board, Settings(max_body=4 << 20, rate_limit=5)))
    client.headers["Authorization"] = f"Bearer {token}"
    return any_board, client, token


def drain(board):
    while queue.work_once(board, InlineScorer(), lease_seconds=60):
        pass


def test_an_upload_is_queued_scored_shown_and_downloadable(service, qho_run):
    board, client, _ = service
    reply = client.post("/api/uploads", files=files_of(qho_run()))
    assert reply.status_code == 202, reply.text
    upload = reply.json()
    assert upload["author"] == "alice"
    assert client.get(f"/api/uploads/{upload['id']}").json()["status"] == "pending"
    drain(board)
    status = client.get(f"/api/uploads/{upload['id']}").json()
    assert status["status"] == "scored" and status["entry_id"]
    page = client.get("/task/qho")
    assert page.status_code == 200 and "qho_split_operator" in page.text and "<svg" in page.text
    rows = list(csv.DictReader(io.StringIO(client.get("/task/qho.csv").text)))
    assert rows[0]["method"] == "qho_split_operator" and rows[0]["author"] == "alice"
    assert json.loads(client.get("/task/qho.json").text)["rows"][0]["rank"] == 1
    entry = client.get(f"/entry/{status['entry_id']}")
    assert entry.status_code == 200 and "git commit" in entry.text
    npz = client.get(f"/entry/{status['entry_id']}/predictions.npz").content
    assert np.load(io.BytesIO(npz), allow_pickle=False).files


def test_rejections_are_statuses_with_reasons(service, qho_run, tmp_path):
    board, client, _ = service
    run_dir = qho_run()
    assert client.post("/api/uploads", files=files_of(run_dir)).status_code == 202
    again = client.post("/api/uploads", files=files_of(run_dir))
    assert again.status_code == 409 and "already" in again.json()["detail"]
    # the same predictions under another creation time and seed: still a duplicate
    fields = load_record(run_dir).model_dump(exclude={"content_hash", "predictions_sha256"})
    write_record(tmp_path / "copy", fields | {"seed": 9, "created_utc": "2030-01-01T00:00:00"},
                 load_predictions(run_dir))  # fmt: skip
    assert client.post("/api/uploads", files=files_of(tmp_path / "copy")).status_code == 409
    forged = fields | {"method": "os:system"}
    write_record(tmp_path / "forged", forged, {"psi": np.zeros(3)})
    reply = client.post("/api/uploads", files=files_of(tmp_path / "forged"))
    assert reply.status_code == 422 and "unknown method" in reply.json()["detail"]
    bare = TestClient(client.app)
    assert bare.post("/api/uploads", files=files_of(run_dir)).status_code == 401
    big = {"record": ("result.json", b"{}"), "predictions": ("p.npz", b"0" * (5 << 20))}
    assert client.post("/api/uploads", files=big).status_code == 413
    missing = client.post("/api/uploads", files={"record": ("result.json", b"{}")})
    assert missing.status_code == 400 and "predictions" in missing.json()["detail"]
    predictions = load_predictions(run_dir)
    for k in range(1, 6):  # queued uploads count towards the limit (5 here)
        nudged = {key: value * (1 + k * 1e-12) for key, value in predictions.items()}
        write_record(tmp_path / f"n{k}", fields | {"seed": k}, nudged)
        reply = client.post("/api/uploads", files=files_of(tmp_path / f"n{k}"))
        assert reply.status_code == (202 if k < 5 else 429)
    limited = client.post("/api/uploads", files=files_of(tmp_path / "n5"))
    assert limited.status_code == 429 and "per token" in limited.json()["detail"]
    revoke_token(board, 1)
    assert client.post("/api/uploads", files=files_of(run_dir)).status_code == 401


def test_a_claim_of_a_killed_worker_expires_and_the_upload_is_scored(service, qho_run):
    board, client, _ = service
    upload = client.post("/api/uploads", files=files_of(qho_run())).json()["id"]
    assert queue.claim(board, lease_seconds=0.01)["id"] == upload  # the worker dies here
    time.sleep(0.05)
    drain(board)
    assert queue.status(board, upload)["status"] == "scored"
    assert queue.counts(board)["scored"] == 1


def test_a_worker_killed_mid_scoring_is_replaced_at_once(service, qho_run):
    board, client, _ = service
    upload = client.post("/api/uploads", files=files_of(qho_run())).json()["id"]
    worker = subprocess.Popen(
        [sys.executable, "-m", "bench.cli", "leaderboard", "--db", board.url, "worker"],
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while queue.status(board, upload)["status"] != "scoring":
            assert time.monotonic() < deadline and worker.poll() is None
            time.sleep(0.01)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its scoring child
        worker.wait()
    claimed = board.rows(select(UPLOADS).where(UPLOADS.c.id == upload))[0]
    assert claimed["status"] == "scoring" and claimed["worker_pid"] == worker.pid
    assert claimed["lease_until"] > time.time() + 600  # the lease alone would take 11 minutes
    queue.work(board, queue.Limits(), until_empty=True)  # a worker starting on this host
    assert queue.status(board, upload)["status"] == "scored"
    assert queue.counts(board)["scored"] == 1 and len(board.entries()) == 1


def test_claims_of_other_hosts_wait_for_their_lease(service, qho_run):
    board, client, _ = service
    upload = client.post("/api/uploads", files=files_of(qho_run())).json()["id"]
    gone = subprocess.Popen(["true"])
    gone.wait()
    queue.claim(board, lease_seconds=600)
    mark = update(UPLOADS).where(UPLOADS.c.id == upload)
    with board.transaction() as connection:
        connection.execute(mark.values(worker_host="elsewhere", worker_pid=gone.pid))
    assert queue.release_orphans(board) == [] and queue.claim(board, 600) is None
    with board.transaction() as connection:
        connection.execute(mark.values(worker_host=queue.this_host()))
    assert queue.release_orphans(board) == [upload]
    drain(board)
    assert queue.status(board, upload)["status"] == "scored"


def test_a_claim_taken_over_after_its_lease_stores_nothing(service, qho_run):
    board, client, _ = service
    run_dir = qho_run()
    client.post("/api/uploads", files=files_of(run_dir))
    slow = queue.claim(board, lease_seconds=-1)  # its lease runs out while it scores
    fast = queue.claim(board, lease_seconds=60)
    assert fast["id"] == slow["id"]
    assert queue.finish(board, fast, rescore(run_dir))
    assert not queue.finish(board, slow, rescore(run_dir))
    assert queue.status(board, fast["id"])["status"] == "scored" and len(board.entries()) == 1


def test_an_upload_that_keeps_crashing_the_scorer_is_rejected(service, qho_run):
    board, client, _ = service
    upload = client.post("/api/uploads", files=files_of(qho_run())).json()["id"]
    for _ in range(queue.MAX_ATTEMPTS):
        queue.claim(board, lease_seconds=-1)  # claimed, and the lease is over at once
    drain(board)
    found = queue.status(board, upload)
    assert found["status"] == "rejected" and "crashed" in found["reason"]


def test_the_scoring_child_process_is_limited_and_replaced(any_board, qho_run):
    run_dir = qho_run()
    starved = queue.Scorer(queue.Limits(cpu_seconds=60, memory_bytes=64 << 20, wall_seconds=60))
    try:
        assert "MiB" in starved.score(run_dir)  # dies importing NumPy: a reason, no crash
    finally:
        starved.close()
    scorer = queue.Scorer(queue.Limits(wall_seconds=120))
    try:
        scored = scorer.score(run_dir)
        assert scored.method == "qho_split_operator"
        scorer.process.kill()
        scorer.process.join()
        assert scorer.score(run_dir).method == "qho_split_operator"  # a new child
    finally:
        scorer.close()
