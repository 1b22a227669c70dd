"""``exactbench figures``: a task's figures of physics outside its data set (e.g. regc's gas
chemical potential and CHE diagram), from the task's ``figures`` config node.

The node names a function (``_target_``) that takes its other keys plus ``out_dir`` and returns
the written paths; the figures land in the run directory.
"""

from __future__ import annotations

import sys
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from bench.config import hydra_command


def run_figures(cfg: DictConfig, run_dir: Path) -> list[Path]:
    """Call ``task.figures._target_`` with the node's other keys and ``out_dir=run_dir``."""
    from hydra.utils import get_method

    node = cfg.task.get("figures")
    if not node or "_target_" not in node:
        raise SystemExit(
            f"exactbench figures: task {cfg.task.name!r} declares no figures (a task.figures "
            "node with a _target_); tasks that do: regc"
        )
    params = OmegaConf.to_container(node, resolve=True)
    function = get_method(params.pop("_target_"))
    paths = function(**params, out_dir=Path(run_dir))
    for path in paths:
        print(path)
    return paths


cli = hydra_command(run_figures, "figures")

if __name__ == "__main__":
    cli(sys.argv[1:])
