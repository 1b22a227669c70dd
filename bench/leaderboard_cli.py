"""``exactbench leaderboard submit|show|export``: the command line of the leaderboard."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from leaderboard.render import html_page, markdown, metric_of, ranked_tables
from leaderboard.store import Board
from leaderboard.submit import SubmissionError, submit
from tasks.spec import get_task


def submit_all(board: Board, run_dirs: list[Path], author: str) -> int:
    """Submit each run directory; print acceptances and reasons for rejections; count failures."""
    failures = 0
    for run_dir in run_dirs:
        try:
            entry = submit(run_dir, board, author)
            print(f"accepted {run_dir} as entry {entry}")
        except SubmissionError as error:
            failures += 1
            print(f"rejected {run_dir}: {error}")
    return failures


def export(board: Board, out_dir: Path) -> list[Path]:
    """Write ``leaderboard.md`` and ``index.html`` into ``out_dir``."""
    tables = ranked_tables(board.entries())
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "leaderboard.md", out_dir / "index.html"]
    paths[0].write_text(markdown(tables))
    paths[1].write_text(html_page(tables))
    return paths


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


def cli(argv: list[str]) -> None:
    """Parse the leaderboard subcommand and run it."""
    parser = argparse.ArgumentParser(prog="exactbench leaderboard")
    parser.add_argument("--db", help="SQLAlchemy URL (default: leaderboard/data/board.db)")
    commands = parser.add_subparsers(dest="command", required=True)
    sub = commands.add_parser("submit", help="validate, re-score and store run directories")
    sub.add_argument("run_dirs", nargs="+", type=Path)
    sub.add_argument("--author", default=getpass.getuser())
    shown = commands.add_parser("show", help="print the ranked tables")
    shown.add_argument("--task", help="one task (default: all)")
    shown.add_argument("--metric", help="rank by this metric (default: each task's primary one)")
    out = commands.add_parser("export", help="write leaderboard.md and index.html")
    out.add_argument("--out", type=Path, default=Path("leaderboard/data/site"))
    args = parser.parse_args(argv)
    board = Board(args.db)
    if args.command == "submit":
        if submit_all(board, args.run_dirs, args.author):
            raise SystemExit(1)
    elif args.command == "show":
        print(show(board, args.task, args.metric))
    else:
        for path in export(board, args.out):
            print(f"written {path}")
