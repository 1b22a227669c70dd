"""The ``exactbench`` command: ``exactbench <subcommand> [hydra overrides...]``.

Nothing here imports a subcommand's module before it runs: ``exactbench`` alone lists the tasks
from the registry, ``exactbench SUBCOMMAND --help`` prints that subcommand's usage (Hydra's for
the Hydra-driven ones, argparse's for the others, the module docstring for ``suite``, ``ablate``
and ``sweep``) and runs nothing. ``--verbose`` anywhere brings back the full console output of
W&B and of every suite job.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import sys
import textwrap
from pathlib import Path

SUBCOMMANDS = {
    "train": ("bench.train", "train a model on a task, score it, write its run record"),
    "baseline": ("bench.baseline", "run a conventional baseline on the task's test split"),
    "sweep": ("bench.sweep", "Optuna hyperparameter search (resumable, parallel, pruned)"),
    "ablate": ("bench.ablate", "run a ready ablation study (grid x seeds) and aggregate it"),
    "aggregate": ("bench.aggregate", "tabulate and plot the run records of a multirun"),
    "leaderboard": ("bench.leaderboard_cli", "submit, show and export the leaderboard"),
    "data": ("bench.data", "build, verify, export and import canonical test splits"),
    "suite": ("bench.suite", "run the quick benchmark suite (every default experiment)"),
    "report": (
        "bench.report",
        "a task's report beyond single runs (regc, mft, tddft, ks_inversion, cft)",
    ),
}
# Subcommands whose --help is their module docstring (the others answer --help themselves).
DOCSTRING_HELP = {"suite": "suite", "ablate": "ablation", "sweep": "sweep"}
VERBOSE_ENV = "EXACTBENCH_VERBOSE"

USAGE = (
    "usage: exactbench [--verbose] <subcommand> [hydra overrides ...]\n\nsubcommands:\n"
    + "\n".join(f"  {name:<12} {text}" for name, (_, text) in SUBCOMMANDS.items())
    + (
        "\n\nexamples:\n"
        "  exactbench train experiment=qho_base seed=1\n"
        "  exactbench train task=cft debug=smoke          (any task alone, in seconds)\n"
        "  exactbench baseline experiment=qho_base baseline=qho_split_operator\n"
        "  exactbench train -m experiment=qho_base seed=0,1,2\n"
        "  exactbench sweep sweep=qho_pinn sweep.workers=2\n"
        "  exactbench ablate ablation=qho_collocation\n"
        "  exactbench leaderboard submit outputs/qho/qho_base/<date-time>\n"
        "  exactbench leaderboard show --task qho --metric density_mse\n"
        "  exactbench data verify --workers 1 --threads 1 experiment=qho_base\n"
        "  exactbench SUBCOMMAND --help\n"
    )
)


def conf_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "conf"


def experiment_task(name: str, seen: frozenset[str] = frozenset()) -> str | None:
    """The task an experiment file sets (``override /task``, or that of an experiment it
    extends), read as YAML: nothing is composed."""
    import yaml

    path = conf_dir() / "experiment" / f"{name}.yaml"
    if name in seen or not path.is_file():
        return None
    for entry in (yaml.safe_load(path.read_text()) or {}).get("defaults") or []:
        if isinstance(entry, dict) and "override /task" in entry:
            return entry["override /task"]
        if isinstance(entry, str) and entry != "_self_":
            return experiment_task(entry, seen | {name})
    return None


def experiments_by_task() -> dict[str, list[str]]:
    """Experiment names per task."""
    found: dict[str, list[str]] = {}
    for path in sorted((conf_dir() / "experiment").glob("*.yaml")):
        found.setdefault(experiment_task(path.stem) or "?", []).append(path.stem)
    return found


def listing() -> str:
    """The tasks of the registry with their models, baselines and experiments."""
    from tasks.spec import get_task, task_names

    experiments = experiments_by_task()
    lines = ["tasks (exactbench train task=NAME composes one with its defaults):"]
    for name in task_names():
        spec = get_task(name)
        baselines = [b + (" (exact)" if b in spec.exact_methods else "") for b in spec.baselines]
        lines += [
            textwrap.fill(
                f"{name}: {spec.description}", 100, initial_indent="  ", subsequent_indent="      "
            ),
            f"      models:      {', '.join(spec.models)}",
            f"      baselines:   {', '.join(baselines)}",
            f"      experiments: {', '.join(experiments.get(name, [])) or '-'}",
        ]
    return "\n".join(lines)


def docstring_help(name: str) -> str:
    """A subcommand's module docstring and the configs it can name, without importing it."""
    source = Path(importlib.util.find_spec(SUBCOMMANDS[name][0]).origin).read_text()
    text = ast.get_docstring(ast.parse(source)) or SUBCOMMANDS[name][1]
    group = DOCSTRING_HELP[name]
    names = sorted(p.stem for p in (conf_dir() / group).glob("*.yaml"))
    return f"{text}\n\navailable ({group}=NAME): {', '.join(names)}"


def main(argv: list[str] | None = None) -> None:
    """Dispatch to a subcommand; every argument after it goes to that subcommand."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--verbose" in argv:
        argv.remove("--verbose")
        os.environ[VERBOSE_ENV] = "1"
    if not argv:
        print(f"{USAGE}\n{listing()}")
        return
    if argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return
    name, rest = argv[0], argv[1:]
    if name not in SUBCOMMANDS:
        raise SystemExit(f"exactbench: unknown subcommand {name!r}\n\n{USAGE}")
    if name in DOCSTRING_HELP and ({"-h", "--help"} & set(rest)):
        print(docstring_help(name))
        return
    module = importlib.import_module(SUBCOMMANDS[name][0])
    module.cli(rest)


if __name__ == "__main__":
    main()
