"""``exactbench ablate ablation=NAME``: a Hydra multirun over a grid × seeds, then aggregated.

``conf/ablation/NAME.yaml`` names an ``experiment``, a ``grid`` (override key -> values),
``seeds`` and the ``quantities`` to aggregate; optionally ``command`` (``train``, the default,
or ``baseline``: a study of a conventional method) and fixed ``overrides`` for every job (e.g.
``[baseline=cft_operon]``). Arguments ``ablation.<key>=<value>`` change that file's entries
(e.g. ``ablation.seeds=[0]``); any other argument is an override for every job. Jobs land in
``multirun/ablation_<NAME>/<date-time>/<job>/``, and the aggregate table and plot (see
:mod:`bench.aggregate`) beside them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from bench import aggregate
from leaderboard.configs import CONF_DIR


def load_ablation(argv: list[str]) -> tuple[str, DictConfig, list[str]]:
    """(name, ablation config with ``ablation.*`` changes merged, remaining overrides)."""
    name = next((a.split("=", 1)[1] for a in argv if a.startswith("ablation=")), None)
    if name is None:
        raise SystemExit("exactbench ablate: choose a study, e.g. ablation=qho_collocation")
    path = CONF_DIR / "ablation" / f"{name}.yaml"
    if not path.is_file():
        available = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise SystemExit(f"exactbench ablate: no ablation {name!r}; available: {available}")
    changes = [a.removeprefix("ablation.") for a in argv if a.startswith("ablation.")]
    spec = OmegaConf.merge(OmegaConf.load(path), OmegaConf.from_dotlist(changes))
    rest = [a for a in argv if not a.startswith(("ablation=", "ablation."))]
    return name, spec, rest


def multirun_overrides(spec: DictConfig) -> list[str]:
    """``experiment=...``, fixed overrides, one ``key=v1,v2,...`` per grid axis, ``seed=...``."""
    grid = [f"{key}={','.join(str(v) for v in values)}" for key, values in spec.grid.items()]
    seeds = ",".join(str(seed) for seed in spec.seeds)
    fixed = [str(override) for override in spec.get("overrides", [])]
    return [f"experiment={spec.experiment}", *fixed, *grid, f"seed={seeds}"]


def subcommand(spec: DictConfig) -> str:
    """``train`` or ``baseline``: what every job of the study runs."""
    command = spec.get("command", "train")
    if command not in ("train", "baseline"):
        raise SystemExit(f"ablation.command must be 'train' or 'baseline', got {command!r}")
    return command


def cli(argv: list[str]) -> None:
    """Run every grid point and seed (Hydra's sequential launcher), then aggregate them."""
    name, spec, extra = load_ablation(argv)
    root = Path(os.environ.get("EXACTBENCH_ROOT", "."))
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S-%f")
    sweep_dir = root / "multirun" / f"ablation_{name}" / stamp
    command = [
        sys.executable, "-m", "bench.cli", subcommand(spec), "-m", *multirun_overrides(spec),
        *extra, f"hydra.sweep.dir={sweep_dir}",
    ]  # fmt: skip
    print("running:", " ".join(command[3:]), flush=True)
    status = subprocess.run(command, check=False).returncode
    if not any(sweep_dir.rglob("result.json")):
        raise SystemExit(f"exactbench ablate: no job finished (exit status {status})")
    quantities = [arg for q in spec.quantities for arg in ("-q", str(q))]
    aggregate.cli([str(sweep_dir), *quantities])
    if status != 0:
        raise SystemExit(f"some jobs failed (exit status {status}); the table holds the rest")
