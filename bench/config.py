"""Where the configs live, the custom OmegaConf resolvers, and composing a config in code."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"


def _add(*values: int) -> int:
    """``${add:a,b,...}``: sum of integers (e.g. Adam steps + L-BFGS steps)."""
    return sum(int(value) for value in values)


def _per_fit(total_steps: int, times: int) -> int:
    """``${per_fit:total,n}``: an interval of steps that fires ``n`` times in ``total`` steps."""
    return max(1, int(total_steps) // int(times))


def instantiate_named(node: DictConfig) -> tuple[str, Any]:
    """``(name, object)`` from a config node with a ``name`` key beside its ``_target_``.

    Nested dicts and lists reach the object as plain Python containers (checkpoint-safe).
    """
    from hydra.utils import instantiate

    params = OmegaConf.to_container(node, resolve=True)
    name = params.pop("name")
    return name, instantiate(params, _convert_="all")


def register_resolvers() -> None:
    """Register the harness resolvers once (idempotent)."""
    for name, function in {"add": _add, "per_fit": _per_fit}.items():
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, function)


def compose(overrides: Sequence[str] = (), config_name: str = "config") -> DictConfig:
    """The composed config for ``overrides``, as the command line would build it.

    Includes the ``hydra`` node so that ``${hydra:...}`` interpolations resolve; used by tests
    and by tools that need a task's official config without running it.
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    register_resolvers()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return hydra_compose(config_name, overrides=list(overrides), return_hydra_config=True)


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

    ``run`` returns a run record; its primary metric is the job's return value.
    """
    import hydra
    from hydra.core.hydra_config import HydraConfig

    @hydra.main(config_path=str(CONF_DIR), config_name="config", version_base="1.3")
    def main(cfg: DictConfig) -> float | None:
        record = run(cfg, Path(HydraConfig.get().runtime.output_dir))
        return record.metrics.get(cfg.task.primary_metric)

    def cli(argv: list[str]) -> None:
        register_resolvers()
        sys.argv = [f"exactbench {name}", *argv]
        main()

    return cli
