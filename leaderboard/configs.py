"""The project's Hydra configs: where they live, their resolvers, composing one in code.

Lives with the leaderboard because the leaderboard composes each task's official config to
rebuild its test split; ``bench`` builds its commands on the same functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"


def _add(*values: int) -> int:
    """``${add:a,b,...}``: sum of integers (e.g. Adam steps + L-BFGS steps)."""
    return sum(int(value) for value in values)


def _per_fit(total_steps: int, times: int) -> int:
    """``${per_fit:total,n}``: an interval of steps that fires ``n`` times in ``total`` steps."""
    return max(1, int(total_steps) // int(times))


def register_resolvers() -> None:
    """Register the harness resolvers once (idempotent)."""
    for name, function in {"add": _add, "per_fit": _per_fit}.items():
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, function)


def search_path_override() -> list[str]:
    """``hydra.searchpath=[...]`` for the config directories of registered outside tasks."""
    from tasks.spec import extra_conf_dirs

    dirs = extra_conf_dirs()
    if not dirs:
        return []
    return ["hydra.searchpath=[" + ",".join(f"file://{d.resolve()}" for d in dirs) + "]"]


def compose(overrides: Sequence[str] = (), config_name: str = "config") -> DictConfig:
    """The composed config for ``overrides``, as the command line would build it.

    Includes the ``hydra`` node so that ``${hydra:...}`` interpolations resolve; used by tests
    and by tools that need a task's official config without running it.
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    register_resolvers()
    overrides = [*search_path_override(), *overrides]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return hydra_compose(config_name, overrides=overrides, return_hydra_config=True)


def experiment_names() -> list[str]:
    """Names of the experiment configs (``conf/experiment`` and registered outside tasks)."""
    from tasks.spec import extra_conf_dirs

    dirs = [CONF_DIR, *extra_conf_dirs()]
    return sorted({path.stem for d in dirs for path in (Path(d) / "experiment").glob("*.yaml")})


def datamodule_params(cfg: DictConfig) -> dict:
    """The resolved ``task.datamodule`` node as keyword arguments (plain containers)."""
    return OmegaConf.to_container(cfg.task.datamodule, resolve=True)


def make_datamodule(cfg: DictConfig, **changes):
    """The task's data module: the class its spec names, built from ``task.datamodule``.

    ``changes`` replace arguments (e.g. ``cache_dir=None`` to rebuild a split in memory).
    """
    from tasks.spec import get_task

    return get_task(cfg.task.name).datamodule.load()(**{**datamodule_params(cfg), **changes})


def _index(cfg: DictConfig) -> tuple[Path | None, str]:
    """The split index file of the config's task and the hash of its data-module arguments.

    The index maps those arguments to the config key of the split they build, so that a split
    already in the store is found without importing the data module (torch, Lightning).
    """
    import hashlib
    import json

    params = datamodule_params(cfg)
    text = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    if not params.get("cache_dir"):
        return None, digest
    return Path(params["cache_dir"]) / "splits" / str(cfg.task.name) / "index.json", digest


def remember_split(cfg: DictConfig, key: str) -> None:
    """Note in the index that ``cfg``'s data module builds the split with config key ``key``."""
    import json
    import os

    path, digest = _index(cfg)
    if path is None:
        return
    try:
        index = json.loads(path.read_text()) if path.is_file() else {}
    except ValueError:
        index = {}  # a damaged index only costs a data-module import
    if index.get(digest) != key:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({**index, digest: key}, indent=1))
        tmp.replace(path)


def split_key(cfg: DictConfig) -> str:
    """The config key of ``cfg``'s test split: from the index, else from its data module."""
    import json

    from tasks.splits import config_key

    path, digest = _index(cfg)
    if path is not None and path.is_file():
        try:
            key = json.loads(path.read_text()).get(digest)
        except ValueError:
            key = None
        if key:
            return key
    key = config_key(make_datamodule(cfg).generator_config())
    remember_split(cfg, key)
    return key


def split_of(cfg: DictConfig):
    """``cfg``'s test split: the stored one when the index knows it (no torch import), else
    built or loaded through the task's data module."""
    from tasks.splits import stored_split

    data_dir = datamodule_params(cfg).get("cache_dir")
    if data_dir:
        split = stored_split(Path(data_dir), str(cfg.task.name), split_key(cfg))
        if split is not None:
            return split
    split = make_datamodule(cfg).test_split()
    remember_split(cfg, split.manifest["config_key"])
    return split
