"""Running configs: in-process composition with a run directory, named objects, Hydra commands."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from leaderboard.configs import CONF_DIR, compose, register_resolvers


def instantiate_named(node: DictConfig) -> tuple[str, Any]:
    """``(name, object)`` from a config node with a ``name`` key beside its ``_target_``.

    Nested dicts and lists reach the object as plain Python containers (checkpoint-safe).
    """
    from hydra.utils import instantiate

    params = OmegaConf.to_container(node, resolve=True)
    name = params.pop("name")
    return name, instantiate(params, _convert_="all")


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
        return metrics.get(cfg.task.primary_metric)

    def cli(argv: list[str]) -> None:
        register_resolvers()
        sys.argv = [f"exactbench {name}", *argv]
        main()

    return cli
