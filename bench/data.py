"""``exactbench data build|verify|export|import|list``: the canonical test splits.

``build`` builds (or finds) the split of a config and admits it into the store under
``data/splits/``; ``verify`` rebuilds it in memory, with the worker and BLAS thread counts you
give, and prints the largest absolute and relative deviation of every array from the stored
file (exit status 1 when one is outside the task's declared tolerances); ``export`` copies the
split file out to share it; ``import`` verifies a split file and admits it (see
:mod:`tasks.splits` for the rule); ``list`` shows what the store holds. The first four take
Hydra overrides naming the task and experiment (``experiment=tddft_quick``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from omegaconf import DictConfig

from leaderboard.configs import compose, make_datamodule, remember_split, split_key
from tasks.spec import get_task
from tasks.splits import (
    Deviation,
    Split,
    SplitError,
    admitted,
    compare,
    deviation_table,
    import_split,
    stored_split,
)


@contextlib.contextmanager
def build_resources(workers: int | None, threads: int | None) -> Iterator[None]:
    """Worker processes (``EXACTBENCH_WORKERS``) and BLAS/OpenMP threads for a build."""
    from threadpoolctl import threadpool_limits

    previous = os.environ.get("EXACTBENCH_WORKERS")
    if workers is not None:
        os.environ["EXACTBENCH_WORKERS"] = str(workers)
    try:
        with threadpool_limits(threads) if threads else contextlib.nullcontext():
            yield
    finally:
        if previous is None:
            os.environ.pop("EXACTBENCH_WORKERS", None)
        else:
            os.environ["EXACTBENCH_WORKERS"] = previous


def build(cfg: DictConfig, workers: int | None = None, threads: int | None = None) -> Split:
    """The admitted split of ``cfg`` (built and admitted if the store has none)."""
    with build_resources(workers, threads):
        split = make_datamodule(cfg).test_split()
    remember_split(cfg, split.manifest["config_key"])
    return split


def current(cfg: DictConfig) -> Split:
    """The admitted split of ``cfg``; a clear error when the store has none."""
    key = split_key(cfg)
    split = stored_split(Path(cfg.paths.data_dir), cfg.task.name, key)
    if split is None:
        raise SplitError(
            f"no split of {cfg.task.name}/{cfg.experiment_name} is stored under "
            f"{cfg.paths.data_dir}: run `exactbench data build` or `exactbench data import FILE`"
        )
    return split


def verify(
    cfg: DictConfig, workers: int | None = None, threads: int | None = None
) -> tuple[Split, list[Deviation]]:
    """Rebuild the split of ``cfg`` in memory and compare it with the stored one."""
    stored = current(cfg)
    with build_resources(workers, threads):
        rebuilt = make_datamodule(cfg, cache_dir=None).test_split()
    return stored, compare(get_task(cfg.task.name), stored, rebuilt)


def export(cfg: DictConfig, out_dir: Path) -> Path:
    """Copy the stored split of ``cfg`` to ``out_dir/<task>-<experiment>-<id>.npz``."""
    split = current(cfg)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{split.task}-{cfg.experiment_name}-{split.split_id[:16]}.npz"
    shutil.copyfile(split.path, target)
    return target


def listing(data_dir: Path) -> str:
    """One line per admitted split in the store."""
    lines = []
    for directory in sorted((Path(data_dir) / "splits").glob("*/*")):
        for entry in admitted(directory):
            notes = {k: v for k, v in entry.items() if k not in ("split_id", "how")}
            lines.append(
                f"{directory.parent.name:<14} {directory.name}  {entry['split_id'][:16]}  "
                f"{entry['how']:<9} {notes}"
            )
    return "\n".join(lines) or f"no splits stored under {data_dir}"


def cli(argv: list[str]) -> None:
    """Parse ``exactbench data ...`` and run it."""
    parser = argparse.ArgumentParser(
        prog="exactbench data", description=__doc__.split("\n\n")[0].strip("`")
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("build", "build (or find) and admit the split of a config"),
        ("verify", "rebuild a split in memory and compare it with the stored file"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--workers", type=int, help="worker processes (EXACTBENCH_WORKERS)")
        sub.add_argument("--threads", type=int, help="BLAS/OpenMP threads")
        sub.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. experiment=qho_base")
    out = commands.add_parser("export", help="copy a stored split file out to share it")
    out.add_argument("--out", type=Path, default=Path("splits"))
    out.add_argument("overrides", nargs="*")
    imp = commands.add_parser("import", help="verify split files and admit them")
    imp.add_argument("files", nargs="+", type=Path)
    commands.add_parser("list", help="the splits in the store")
    args = parser.parse_args(argv)
    data_dir = Path(compose([]).paths.data_dir)
    try:
        if args.command == "import":
            for path in args.files:
                split, rows = import_split(path, data_dir)
                print(f"imported {path}: {split.task} split {split.split_id[:16]}")
                if rows:
                    print(deviation_table(rows))
        elif args.command == "list":
            print(listing(data_dir))
        else:
            cfg = compose(args.overrides)
            if args.command == "build":
                split = build(cfg, args.workers, args.threads)
                print(f"{split.task} split {split.split_id} at {split.path}")
            elif args.command == "export":
                print(f"written {export(cfg, args.out)}")
            else:
                stored, rows = verify(cfg, args.workers, args.threads)
                print(f"rebuilt {stored.task} split {stored.split_id[:16]} and compared:")
                print(deviation_table(rows))
                if not all(row.ok for row in rows):
                    raise SystemExit(1)
    except SplitError as error:
        raise SystemExit(f"exactbench data {args.command}: {error}") from None
