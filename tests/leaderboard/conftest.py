"""Boards to test against: SQLite always; PostgreSQL when ``EXACTBENCH_TEST_POSTGRES`` names a
server (``.ci/postgres-up`` starts one and prints the URL). Under CI a PostgreSQL board that
cannot be reached fails the test with the server's log; it is never skipped there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from leaderboard.store import METADATA, Board, BoardError

POSTGRES_ENV = "EXACTBENCH_TEST_POSTGRES"
POSTGRES_LOG = Path(os.environ.get("EXACTBENCH_TEST_POSTGRES_LOG", "/tmp/exactbench-pg/log"))


def postgres_board() -> Board:
    """A fresh board on the test PostgreSQL server (every table dropped first)."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs the PostgreSQL tests: set {POSTGRES_ENV} (.ci/postgres-up)")
        pytest.skip(f"no PostgreSQL server ({POSTGRES_ENV} unset; run .ci/postgres-up)")
    try:
        board = Board(url)
    except BoardError as error:
        log = POSTGRES_LOG.read_text()[-4000:] if POSTGRES_LOG.is_file() else "(no server log)"
        pytest.fail(f"PostgreSQL board unavailable: {error}\nserver log:\n{log}")
    METADATA.drop_all(board.engine)
    METADATA.create_all(board.engine)
    return board


@pytest.fixture(params=["sqlite", "postgresql"])
def any_board(request, tmp_path):
    """The same test on an SQLite board and on a PostgreSQL board."""
    if request.param == "sqlite":
        return Board(f"sqlite:///{tmp_path / 'board.db'}")
    return postgres_board()
