"""Single commands as submitit jobs, configured by the Hydra launcher configs of ``conf/``.

``exactbench suite hydra/launcher=slurm`` runs every row of a suite as its own SLURM job (or,
with ``hydra/launcher=local``, as a submitit process on this machine). The executor takes its
settings from the same ``conf/hydra/launcher/<name>.yaml`` (and ``hydra.launcher.KEY=VALUE``
overrides) that ``train -m`` and ``ablate`` use, mapped onto submitit's parameters the way
hydra-submitit-launcher maps them. The plugin itself launches Hydra multiruns only, which is
why this module exists: a suite's rows are separate commands, not one sweep.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

LAUNCHER_GROUP = "hydra/launcher="
LAUNCHER_KEY = "hydra.launcher."
UNUSED = ("_target_", "submitit_folder", "name")  # set per job below
INIT_KEYS = ("max_num_timeout",)  # the executor's constructor takes these, not update_parameters


def split_launcher_overrides(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """``(launcher overrides, the rest)``: ``hydra/launcher=...`` and ``hydra.launcher.*``."""
    launcher = [a for a in args if a.startswith((LAUNCHER_GROUP, LAUNCHER_KEY))]
    return launcher, [a for a in args if a not in launcher]


def require_slurm(args: Sequence[str]) -> None:
    """Stop with one line when ``args`` choose the SLURM launcher and no cluster answers."""
    if f"{LAUNCHER_GROUP}slurm" not in args:
        return
    missing = [tool for tool in ("sbatch", "srun", "sinfo") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(
            f"hydra/launcher=slurm: {', '.join(missing)} not found; run on a node of a SLURM "
            "cluster (apt install slurm-client with its slurm.conf), or use hydra/launcher=local"
        )
    try:
        answer = subprocess.run(["sinfo", "-h", "-o", "%a"], capture_output=True, text=True,
                                timeout=30)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise SystemExit("hydra/launcher=slurm: sinfo did not answer in 30 s") from None
    if answer.returncode != 0:
        reason = (answer.stderr.strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"hydra/launcher=slurm: the SLURM controller does not answer: {reason}")


def executor_settings(overrides: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """The submitit cluster (``slurm`` or ``local``) and its parameters for ``overrides``
    (keys as ``submitit.AutoExecutor`` takes them: shared ones plain, others prefixed)."""
    from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf
    from omegaconf import OmegaConf

    from leaderboard.configs import compose

    cfg = compose(overrides)
    node = cfg.hydra.launcher
    target = str(node.get("_target_", ""))
    if not target.endswith(("SlurmLauncher", "LocalLauncher")):
        raise SystemExit(
            f"exactbench suite runs through a submitit launcher (hydra/launcher=slurm or local), "
            f"not {target or 'the default launcher'}"
        )
    cluster = "slurm" if target.endswith("SlurmLauncher") else "local"
    params = {
        key: OmegaConf.to_container(node[key], resolve=True)
        if OmegaConf.is_config(node[key]) else node[key]
        for key in node if key not in UNUSED
    }  # fmt: skip
    base = set(OmegaConf.structured(BaseQueueConf).keys())
    return cluster, {k if k in base else f"{cluster}_{k}": v for k, v in params.items()}


def make_executor(overrides: Sequence[str], folder: Path) -> tuple[Any, int | None]:
    """A submitit executor writing its job files under ``folder/%j``, and its CPUs per job."""
    try:
        import submitit
    except ModuleNotFoundError:
        raise SystemExit('a submitit launcher needs: pip install -e ".[slurm]"') from None
    require_slurm(overrides)
    cluster, params = executor_settings(overrides)
    init = {f"{cluster}_{key}" for key in INIT_KEYS}
    executor = submitit.AutoExecutor(
        folder=folder / "%j", cluster=cluster, **{k: v for k, v in params.items() if k in init}
    )
    executor.update_parameters(**{k: v for k, v in params.items() if k not in init})
    return executor, params.get("cpus_per_task")


class Command:
    """A command run by a submitit job, its output appended to ``log``; returns its exit status.

    A job stopped before its time limit or preempted is requeued (``checkpoint``) and runs the
    same command again: a training resumes from the checkpoint in its run directory.
    """

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], log: Path) -> None:
        self.argv, self.env, self.log = list(argv), dict(env), Path(log)

    def __call__(self) -> int:
        with open(self.log, "a") as out:
            return subprocess.run(self.argv, env=self.env, stdout=out, stderr=out).returncode

    def checkpoint(self) -> Any:
        import submitit

        return submitit.helpers.DelayedSubmission(self)


class SubmittedCommand:
    """A submitted :class:`Command`, polled like ``subprocess.Popen``."""

    def __init__(self, job: Any, log: Path) -> None:
        self.job, self.log, self.returncode = job, Path(log), None

    def poll(self) -> int | None:
        if self.returncode is None and self.job.done():
            try:
                self.returncode = int(self.job.result())
            except Exception as error:  # the job itself failed: its reason goes to the log
                with open(self.log, "a") as out:
                    out.write(f"submitit job {self.job.job_id} failed: {error}\n")
                self.returncode = 1
        return self.returncode


def submit(executor: Any, argv: Sequence[str], env: Mapping[str, str], log: Path) -> Any:
    """Submit ``argv`` as one job; a handle with ``poll()`` and ``returncode``."""
    return SubmittedCommand(executor.submit(Command(argv, env, log)), log)
