"""``exactbench report``: a task's report beyond single runs (e.g. regc's gas chemical potential
and CHE diagram, mft's verdicts on its source formulas), from the task's ``report`` config node.

The node names a function (``_target_``) called with the node's other keys and ``out_dir`` (the
run directory); with ``with_test_split: true`` it also gets the task's test split arrays as
``split``. The function returns the paths it wrote.
"""

from __future__ import annotations

import sys
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from bench.config import hydra_command


def run_report(cfg: DictConfig, run_dir: Path) -> list[Path]:
    """Call ``task.report._target_`` (see module docstring); print the written paths."""
    from hydra.utils import get_method, instantiate

    node = cfg.task.get("report")
    if not node or "_target_" not in node:
        raise SystemExit(
            f"exactbench report: task {cfg.task.name!r} declares no report (a task.report node "
            "with a _target_); tasks that do: regc, mft"
        )
    params = OmegaConf.to_container(node, resolve=True)
    function = get_method(params.pop("_target_"))
    if params.pop("with_test_split", False):
        params["split"] = instantiate(cfg.task.datamodule, _convert_="all").test_split().arrays
    paths = function(**params, out_dir=Path(run_dir))
    for path in paths:
        print(path)
    return paths


cli = hydra_command(run_report, "report")

if __name__ == "__main__":
    cli(sys.argv[1:])
