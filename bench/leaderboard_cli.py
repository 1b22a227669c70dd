"""``exactbench leaderboard ...``: submit (locally or to a served board), show, export, serve,
work the upload queue, manage tokens, follow an upload."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from pathlib import Path

from leaderboard.render import export_site, markdown, metric_of, ranked_tables
from leaderboard.store import Board, BoardError
from leaderboard.submit import SubmissionError, submit
from tasks.spec import get_task

TOKEN_ENV = "EXACTBENCH_TOKEN"


def submit_all(board: Board, run_dirs: list[Path], author: str) -> int:
    """Submit each run directory; print acceptances and reasons for rejections; count failures.

    One bad run directory never stops the others."""
    failures = 0
    for run_dir in run_dirs:
        try:
            entry = submit(run_dir, board, author)
            print(f"accepted {run_dir} as entry {entry}")
        except SubmissionError as error:
            failures += 1
            print(f"rejected {run_dir}: {error}")
    return failures


def upload_all(url: str, token: str, run_dirs: list[Path], wait: float) -> int:
    """Upload each run directory to the board at ``url``; print each upload's id and outcome
    (following it for up to ``wait`` seconds); count rejections."""
    import httpx

    from leaderboard.record import PREDICTIONS_FILE, RECORD_FILE

    failures = 0
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        for run_dir in run_dirs:
            try:
                files = {
                    "record": (RECORD_FILE, (run_dir / RECORD_FILE).read_bytes()),
                    "predictions": (PREDICTIONS_FILE, (run_dir / PREDICTIONS_FILE).read_bytes()),
                }
                reply = client.post("/api/uploads", files=files)
            except (OSError, httpx.HTTPError) as error:
                failures += 1
                print(f"not uploaded {run_dir}: {error}")
                continue
            if reply.status_code != 202:
                failures += 1
                print(f"rejected {run_dir} (HTTP {reply.status_code}): {_detail(reply)}")
                continue
            upload_id = reply.json()["id"]
            print(f"uploaded {run_dir} as {upload_id}")
            outcome = follow(client, upload_id, wait)
            failures += outcome.get("status") == "rejected"
            print(f"  {describe(outcome)}")
    return failures


def _detail(reply) -> str:
    try:
        return str(reply.json().get("detail", reply.text))
    except ValueError:
        return reply.text[:500]


def follow(client, upload_id: str, wait: float) -> dict:
    """The upload's status, polled until it is scored or rejected or ``wait`` s have passed."""
    deadline = time.monotonic() + wait
    while True:
        reply = client.get(f"/api/uploads/{upload_id}")
        found = reply.json() if reply.status_code == 200 else {"status": _detail(reply)}
        if found.get("status") in ("scored", "rejected") or time.monotonic() > deadline:
            return found
        time.sleep(1.0)


def describe(status: dict) -> str:
    """One line for an upload's status."""
    if status.get("status") == "scored":
        return f"scored: entry {status['entry_id']}"
    if status.get("status") == "rejected":
        return f"rejected: {status['reason']}"
    return f"{status.get('status')} (follow it with `exactbench leaderboard status ID --url URL`)"


def export(board: Board, out_dir: Path) -> list[Path]:
    """Write ``leaderboard.md`` and the static site (``index.html``, per task and experiment its
    page, CSV and JSON) into ``out_dir``; the site uses the service's templates."""
    entries = board.entries()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "leaderboard.md").write_text(markdown(ranked_tables(entries)))
    return [out_dir / "leaderboard.md", *export_site(entries, out_dir)]


def show(board: Board, task: str | None, metric: str | None) -> str:
    """The ranked tables of one task (or all), by ``metric`` (default: each primary one)."""
    if task is not None:
        try:
            metric_of(get_task(task), metric)
        except KeyError as error:
            raise SystemExit(f"exactbench leaderboard show: {error.args[0]}") from None
    tables = ranked_tables(board.entries(task), metric)
    if not tables and metric is not None:
        return f"no task on the board declares a metric {metric!r}"
    return markdown(tables) or "the board is empty"


def serve(args: argparse.Namespace) -> None:
    """Run the web service; with a worker process unless ``--no-worker``."""
    import multiprocessing

    import uvicorn

    from leaderboard.server import Settings, create_app

    board = Board(args.db)
    worker = None
    if not args.no_worker:
        worker = multiprocessing.get_context("spawn").Process(
            target=_work, args=(board.url, _limits(args), True), daemon=False
        )
        worker.start()
    settings = Settings(args.max_body_mb << 20, args.rate_limit, args.rate_window)
    print(f"serving {board.safe_url} on http://{args.host}:{args.port}", flush=True)
    try:
        app = create_app(board, settings)
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    finally:
        if worker is not None:
            worker.terminate()
            worker.join()


def _limits(args: argparse.Namespace):
    from leaderboard.queue import Limits

    return Limits(args.cpu_seconds, args.memory_mb << 20, args.wall_seconds)


def _work(url: str, limits, with_parent: bool, until_empty: bool = False) -> None:
    from leaderboard.queue import work

    work(Board(url), limits, with_parent=with_parent, until_empty=until_empty)


def tokens(board: Board, args: argparse.Namespace) -> None:
    """``token create|revoke|list``."""
    from leaderboard.tokens import create_token, list_tokens, revoke_token

    if args.action == "create":
        try:
            token_id, token = create_token(board, args.author)
        except ValueError as error:
            raise SystemExit(f"exactbench leaderboard token: {error}") from None
        print(f"token {token_id} for {args.author} (shown once; the board keeps only its hash):")
        print(token)
    elif args.action == "revoke":
        if not revoke_token(board, args.id):
            raise SystemExit(f"no active token {args.id}")
        print(f"token {args.id} revoked")
    else:
        for row in list_tokens(board):
            state = f"revoked {row['revoked_utc']}" if row["revoked_utc"] else "active"
            print(f"{row['id']:>5}  {row['author']:<24} created {row['created_utc']}  {state}")


def cli(argv: list[str]) -> None:
    """Parse the leaderboard subcommand and run it."""
    parser = argparse.ArgumentParser(prog="exactbench leaderboard")
    parser.add_argument("--db", help="SQLAlchemy URL (default: leaderboard/data/board.db)")
    commands = parser.add_subparsers(dest="command", required=True)
    sub = commands.add_parser("submit", help="submit run directories (locally or to --url)")
    sub.add_argument("run_dirs", nargs="+", type=Path)
    sub.add_argument("--author", default=getpass.getuser(), help="local submissions only")
    sub.add_argument("--url", help="a served board: upload there instead of the local database")
    sub.add_argument("--token", help=f"upload token (default: ${TOKEN_ENV})")
    sub.add_argument("--wait", type=float, default=600, help="seconds to follow each upload")
    status = commands.add_parser("status", help="follow an upload to a served board")
    status.add_argument("id")
    status.add_argument("--url", required=True)
    shown = commands.add_parser("show", help="print the ranked tables")
    shown.add_argument("--task", help="one task (default: all)")
    shown.add_argument("--metric", help="rank by this metric (default: each task's primary one)")
    out = commands.add_parser("export", help="write leaderboard.md and the static site")
    out.add_argument("--out", type=Path, default=Path("leaderboard/data/site"))
    served = commands.add_parser("serve", help="run the board as a web service")
    served.add_argument("--host", default="127.0.0.1")
    served.add_argument("--port", type=int, default=8000)
    served.add_argument("--no-worker", action="store_true", help="score with `worker` elsewhere")
    served.add_argument("--max-body-mb", type=int, default=64)
    served.add_argument("--rate-limit", type=int, default=60, help="uploads per token per window")
    served.add_argument("--rate-window", type=float, default=3600.0, help="seconds")
    worker = commands.add_parser("worker", help="score queued uploads")
    worker.add_argument("--until-empty", action="store_true")
    for command in (served, worker):
        command.add_argument("--cpu-seconds", type=int, default=300)
        command.add_argument("--memory-mb", type=int, default=8192)
        command.add_argument("--wall-seconds", type=float, default=600.0)
    token = commands.add_parser("token", help="create, revoke or list upload tokens")
    actions = token.add_subparsers(dest="action", required=True)
    actions.add_parser("create").add_argument("--author", required=True)
    actions.add_parser("revoke").add_argument("id", type=int)
    actions.add_parser("list")
    args = parser.parse_args(argv)
    if args.command == "status":
        import httpx

        with httpx.Client(base_url=args.url, timeout=30) as client:
            print(describe(follow(client, args.id, 0)))
        return
    if args.command == "submit" and args.url:
        token_value = args.token or os.environ.get(TOKEN_ENV)
        if not token_value:
            raise SystemExit(f"exactbench leaderboard submit --url: give --token or ${TOKEN_ENV}")
        if upload_all(args.url, token_value, args.run_dirs, args.wait):
            raise SystemExit(1)
        return
    try:
        run(args)
    except BoardError as error:
        print(f"exactbench leaderboard: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def run(args: argparse.Namespace) -> None:
    """The commands that use the board's database directly."""
    board = Board(args.db)
    if args.command == "submit":
        if submit_all(board, args.run_dirs, args.author):
            raise SystemExit(1)
    elif args.command == "show":
        print(show(board, args.task, args.metric))
    elif args.command == "export":
        for path in export(board, args.out):
            print(f"written {path}")
    elif args.command == "serve":
        serve(args)
    elif args.command == "worker":
        _work(board.url, _limits(args), False, args.until_empty)
    else:
        tokens(board, args)
