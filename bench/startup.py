"""Start-up benchmark: ``python -m bench.startup [--runs N] [--experiment NAME]``.

Measures, alternating the commands within one run so that the machine's drift hits all alike:

- ``import lightning.pytorch`` in a fresh interpreter (wall time): the import the harness cannot
  avoid;
- the harness overhead of ``exactbench train`` (the run record's ``harness_overhead``: process
  start to the first optimisation step) with ``logger=none`` and with W&B offline, and its ratio
  to that import;
- the wall time of commands that train nothing: ``exactbench --help``, ``exactbench suite
  --help``, ``exactbench leaderboard show``.

Medians over ``--runs`` runs (after one warm-up of each), written as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMPORT = [sys.executable, "-c", "import lightning.pytorch"]
CLI = [sys.executable, "-m", "bench.cli"]


def wall(command: list[str], env: dict[str, str], cwd: Path) -> float:
    """Wall time (s) of one run of ``command``; it must succeed."""
    start = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return time.perf_counter() - start


def overhead(experiment: str, logger: str, env: dict[str, str], cwd: Path) -> float:
    """``harness_overhead`` (s) of a one-step training run."""
    run_dir = Path(tempfile.mkdtemp(dir=cwd))
    command = [*CLI, "train", f"experiment={experiment}", f"logger={logger}", "plots=false",
               "trainer.max_steps=1", f"hydra.run.dir={run_dir}"]  # fmt: skip
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return json.loads((run_dir / "result.json").read_text())["timings"]["harness_overhead"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--experiment", default="qho_base")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        cwd = Path(scratch)
        env = os.environ | {"EXACTBENCH_ROOT": scratch, "WANDB_MODE": "offline"}
        probes = {
            "import lightning.pytorch (wall)": lambda: wall(IMPORT, env, cwd),
            "train overhead, logger=none": lambda: overhead(args.experiment, "none", env, cwd),
            "train overhead, W&B offline": lambda: overhead(args.experiment, "wandb", env, cwd),
            "exactbench --help": lambda: wall([*CLI, "--help"], env, cwd),
            "exactbench suite --help": lambda: wall([*CLI, "suite", "--help"], env, cwd),
            "exactbench leaderboard show": lambda: wall([*CLI, "leaderboard", "show"], env, cwd),
        }
        for probe in probes.values():  # warm-up: caches, the split, compiled bytecode
            probe()
        times: dict[str, list[float]] = {name: [] for name in probes}
        for _ in range(args.runs):
            for name, probe in probes.items():
                times[name].append(probe())
    base = statistics.median(times["import lightning.pytorch (wall)"])
    print(f"| measurement ({args.runs} runs) | median (s) | min | max | / import |")
    print("|---|---|---|---|---|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.2f} | {min(values):.2f} | {max(values):.2f} | "
              f"{median / base:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
