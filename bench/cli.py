"""The ``exactbench`` command: ``exactbench <subcommand> [hydra overrides...]``."""

from __future__ import annotations

import importlib
import sys

SUBCOMMANDS = {
    "train": ("bench.train", "train a model on a task, score it, write its run record"),
    "baseline": ("bench.baseline", "run a conventional baseline on the task's test split"),
    "sweep": ("bench.sweep", "Optuna hyperparameter search (resumable, parallel, pruned)"),
    "ablate": ("bench.ablate", "run a ready ablation study (grid x seeds) and aggregate it"),
    "aggregate": ("bench.aggregate", "tabulate and plot the run records of a multirun"),
    "leaderboard": ("bench.leaderboard_cli", "submit, show and export the leaderboard"),
    "data": ("bench.data", "build, verify, export and import canonical test splits"),
    "suite": ("bench.suite", "run the quick benchmark suite (every default experiment)"),
    "report": ("bench.report", "a task's report beyond single runs (regc, mft)"),
}

USAGE = (
    "usage: exactbench <subcommand> [hydra overrides ...]\n\nsubcommands:\n"
    + "\n".join(f"  {name:<10} {text}" for name, (_, text) in SUBCOMMANDS.items())
    + (
        "\n\nexamples:\n"
        "  exactbench train experiment=qho_base seed=1\n"
        "  exactbench baseline experiment=qho_base baseline=qho_split_operator\n"
        "  exactbench train -m experiment=qho_base seed=0,1,2\n"
        "  exactbench sweep sweep=qho_pinn sweep.workers=2\n"
        "  exactbench ablate ablation=qho_collocation\n"
        "  exactbench aggregate multirun/qho/qho_base/<date-time>\n"
        "  exactbench leaderboard submit outputs/qho/qho_base/<date-time>\n"
        "  exactbench leaderboard show --task qho --metric density_mse\n"
        "  exactbench data verify --workers 1 --threads 1 experiment=qho_base\n"
        "  exactbench report experiment=regc_quick\n"
        "  exactbench report experiment=mft_targets\n"
        "  exactbench train --help   (Hydra's help: config groups and overrides)\n"
    )
)


def main(argv: list[str] | None = None) -> None:
    """Dispatch to a subcommand; every argument after it goes to that subcommand."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return
    name, rest = argv[0], argv[1:]
    if name not in SUBCOMMANDS:
        raise SystemExit(f"exactbench: unknown subcommand {name!r}\n\n{USAGE}")
    module = importlib.import_module(SUBCOMMANDS[name][0])
    module.cli(rest)


if __name__ == "__main__":
    main()
