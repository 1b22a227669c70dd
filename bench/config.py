"""Running configs: in-process composition with a run directory, named objects, Hydra commands."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from leaderboard.configs import CONF_DIR, compose, register_resolvers, search_path_override
from tasks.spec import get_task


def method_of(cfg: DictConfig, group: str) -> tuple[str, str]:
    """``(name, kind)`` of the ``model`` or ``baseline`` node, checked against the task's spec.

    The node's ``name`` must be one of the task's models (baselines); otherwise the run stops
    with the valid names, before anything of the node is resolved or imported.
    """
    spec = get_task(cfg.task.name)
    valid, default = (
        (spec.models, spec.default_model)
        if group == "model"
        else (spec.baselines, spec.default_baseline)
    )
    node = cfg.get(group)
    if not node:
        raise SystemExit(
            f"no {group} selected: add {group}=<name>; task {spec.name!r} has "
            f"{', '.join(valid)} (e.g. {group}={default})"
        )
    name = node.get("name")
    if name not in valid:
        raise SystemExit(
            f"{group} {name!r} does not belong to task {spec.name!r}; its {group}s: "
            f"{', '.join(valid)}"
        )
    return name, spec.kind_of(name)


def instantiate_method(cfg: DictConfig, group: str) -> tuple[str, str, Any]:
    """``(name, kind, object)`` of the checked ``model`` or ``baseline`` node.

    Nested dicts and lists reach the object as plain Python containers (checkpoint-safe).
    """
    from hydra.utils import instantiate

    name, kind = method_of(cfg, group)
    params = OmegaConf.to_container(cfg[group], resolve=True)
    params.pop("name")
    return name, kind, instantiate(params, _convert_="all")


def compose_run(overrides: Sequence[str], run_dir: Path) -> DictConfig:
    """A composed config whose Hydra runtime output directory is ``run_dir``.

    For running jobs in-process (sweep trials, tests) exactly as the command line would, with
    ``${hydra:runtime.output_dir}`` resolving to ``run_dir``.
    """
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import open_dict

    cfg = compose(overrides)
    with open_dict(cfg):
        cfg.hydra.runtime.output_dir = str(run_dir)
    HydraConfig.instance().set_config(cfg)
    return cfg


def hydra_command(run: Callable[[DictConfig, Path], Any], name: str) -> Callable[[list[str]], None]:
    """``cli(argv)`` running ``run(cfg, run_dir)`` under ``@hydra.main`` (runs and multiruns).

    When ``run`` returns a run record, its primary metric is the job's return value.
    """
    import hydra
    from hydra.core.hydra_config import HydraConfig

    @hydra.main(config_path=str(CONF_DIR), config_name="config", version_base="1.3")
    def main(cfg: DictConfig) -> float | None:
        result = run(cfg, Path(HydraConfig.get().runtime.output_dir))
        metrics = getattr(result, "metrics", {})
        return metrics.get(get_task(cfg.task.name).primary_metric)

    def cli(argv: list[str]) -> None:
        from bench.launch import require_slurm

        require_slurm(argv)
        register_resolvers()
        sys.argv = [f"exactbench {name}", *search_path_override(), *argv]
        main()

    return cli
