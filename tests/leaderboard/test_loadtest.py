"""The load benchmark with tiny counts, so that it keeps working: it starts the service, checks
that no upload is lost or stored twice (else it exits 1), survives a SIGKILL and prints its
table."""

from __future__ import annotations

from leaderboard import loadtest


def test_the_load_benchmark_runs_and_checks_itself(capsys):
    counts = {"--uploads": 27, "--clients": 3, "--queued": 3, "--entries": 600, "--requests": 2}
    loadtest.main([str(item) for pair in counts.items() for item in pair])
    table = capsys.readouterr().out
    assert " → 23 / " in table  # 23 good uploads scored; 4 bad ones refused or rejected
    assert "| after restart: scored / rejected (s to empty queue) | 3 / 0 " in table
    assert "| entries on the board (filled through the store) | 600 " in table
