"""``exactbench sweep sweep=NAME [overrides]``: an Optuna study over Hydra-composed trainings.

Every trial composes the ordinary training config from ``sweep.overrides``, the command line's
overrides and the sampled parameters, trains it in-process, and returns the last value of
``sweep.monitor`` (a validation metric, never the test split). Intermediate values go to the
pruner through :class:`bench.pruning.OptunaPruning`.

The study lives in ``sweep.storage``: an SQLite file under ``sweeps/`` by default, a
PostgreSQL database for many machines (``postgresql+psycopg2://user:password@host/db``), or
Optuna's journal file on a shared file system (``journal:/shared/path/study.log``), so that

- ``sweep.workers=N`` starts N processes on this machine, and any other machine running the
  same command against the same storage joins the study; each worker samples its next trial
  as soon as its last one ends (no batches);
- the study ends with exactly ``n_trials`` finished trials: a worker starts a trial only while
  fewer are finished, running or queued, and a trial started in the same instant by another
  worker beyond that count is failed at once (user attribute ``surplus``) instead of run;
- re-running the command after a crash or Ctrl-C resumes the study: a trial whose worker died
  stops sending heartbeats (or never sent one) and is marked failed, then re-queued once with
  the same parameters (a live worker waits for the other workers' last trials, so it can take
  such a retry); an interrupted trial is marked failed; workers stop when the study holds
  ``n_trials`` finished (complete or pruned) trials. A journal file has no heartbeats (Optuna
  5): there a killed worker's trial stays running and is not retried;
- a study is tied to its search space, direction and monitor: running a changed ``sweep``
  config against an existing study name is refused.

When the workers are done, ``sweeps/<study>/`` holds ``trials.csv`` and ``trials.md`` (all
trials), ``best`` (the best trial's run directory with its run record), and Optuna's
``history.png`` and ``importances.png``.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import optuna
import sqlalchemy
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf, open_dict
from optuna.trial import TrialState

from bench.config import compose_run
from leaderboard.configs import compose, register_resolvers
from tasks.spec import get_task

log = logging.getLogger(__name__)
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
TAKEN = (*FINISHED, TrialState.RUNNING, TrialState.WAITING)
CHILD_ENV = "EXACTBENCH_SWEEP_WORKER"
JOURNAL = "journal:"


class SweepError(SystemExit):
    """A sweep cannot start; the message says what to change."""


def split_overrides(argv: list[str]) -> tuple[list[str], list[str]]:
    """(overrides of the sweep config, overrides passed to every trial)."""
    sweep = [a for a in argv if a.lstrip("~+").startswith(("sweep=", "sweep."))]
    return sweep, [a for a in argv if a not in sweep]


def storage_url(spec: DictConfig, root: Path) -> str:
    """The configured storage URL, or an SQLite file ``<root>/sweeps/<study_name>.db``."""
    if spec.storage:
        url = str(spec.storage)
        if url.startswith(JOURNAL):
            path = Path(url.removeprefix(JOURNAL))
            return JOURNAL + str((path if path.is_absolute() else root / path).resolve())
        return url
    path = (root / "sweeps" / f"{spec.study_name}.db").resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def shown_url(url: str) -> str:
    """``url`` as printed: any password replaced by ``***``."""
    if url.startswith(JOURNAL):
        return url
    try:
        return sqlalchemy.engine.make_url(url).render_as_string(hide_password=True)
    except sqlalchemy.exc.ArgumentError:
        return "<unparsable storage URL>"


def make_storage(spec: DictConfig, url: str, attempts: int = 5) -> optuna.storages.BaseStorage:
    """The study's storage; a missing driver or an unreachable database stops with one line.

    RDB storages get heartbeats (dead workers' trials fail and are retried). Two processes that
    open a new database at the same moment both write its schema version, and the slower one
    fails on a unique constraint; it retries (``attempts`` times, 1 s apart) and then finds the
    schema in place.
    """
    if url.startswith(JOURNAL):
        from optuna.storages.journal import JournalFileBackend

        path = Path(url.removeprefix(JOURNAL))
        path.parent.mkdir(parents=True, exist_ok=True)
        return optuna.storages.JournalStorage(JournalFileBackend(str(path)))
    try:
        return _rdb_storage(spec, url, attempts)
    except (ModuleNotFoundError, sqlalchemy.exc.NoSuchModuleError) as error:
        raise SweepError(
            f"sweep.storage {shown_url(url)}: no database driver ({error}); "
            'pip install -e ".[postgres]" and use postgresql+psycopg2:// or postgresql+psycopg://'
        ) from None
    except sqlalchemy.exc.ArgumentError as error:
        raise SweepError(f"sweep.storage: not a database URL ({type(error).__name__})") from None
    except sqlalchemy.exc.OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise SweepError(
            f"sweep.storage {shown_url(url)}: cannot connect ({reason}); start the database "
            "server or correct the URL"
        ) from None


def _rdb_storage(spec: DictConfig, url: str, attempts: int) -> optuna.storages.RDBStorage:
    engine_kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}

    def connect() -> optuna.storages.RDBStorage:
        return optuna.storages.RDBStorage(
            url,
            engine_kwargs=engine_kwargs,
            heartbeat_interval=int(spec.heartbeat_seconds),
            grace_period=2 * int(spec.heartbeat_seconds),
            heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
                max_retry=int(spec.max_retries)
            ),
        )

    for _ in range(attempts - 1):
        try:
            return connect()
        except sqlalchemy.exc.IntegrityError:
            time.sleep(1.0)
        except sqlalchemy.exc.OperationalError:
            if not url.startswith("sqlite"):  # a server that is down: say so now
                raise
            time.sleep(1.0)
    return connect()


def study_signature(spec: DictConfig) -> str:
    """What a study is tied to: search space, direction and monitored metric (JSON)."""
    params = OmegaConf.to_container(spec.params, resolve=True)
    return json.dumps(
        {"params": params, "direction": spec.direction, "monitor": spec.monitor}, sort_keys=True
    )


def open_study(
    spec: DictConfig, storage: optuna.storages.BaseStorage, worker: int = 0
) -> optuna.Study:
    """Create the study or load it, refusing one created for a different search space.

    Worker ``k`` seeds its sampler with ``sampler.seed + k``, so parallel workers do not all
    draw the same first parameters.
    """
    sampler_seed = {"seed": int(spec.sampler.seed) + worker} if "seed" in spec.sampler else {}
    study = optuna.create_study(
        study_name=str(spec.study_name),
        storage=storage,
        sampler=instantiate(spec.sampler, **sampler_seed),
        pruner=instantiate(spec.pruner),
        direction=str(spec.direction),
        load_if_exists=True,
    )
    signature = study_signature(spec)
    recorded = study.user_attrs.get("signature")
    if recorded is None:
        study.set_user_attr("signature", signature)
    elif recorded != signature:
        raise SweepError(
            f"study {spec.study_name!r} exists with another search space, direction or monitor:\n"
            f"  stored:  {recorded}\n  current: {signature}\n"
            "Use a new sweep.study_name=..., or delete the old study "
            f"(optuna delete-study --study-name {spec.study_name} --storage <url>)."
        )
    return study


def suggest(trial: optuna.Trial, params: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Sample every parameter of the search space (``type`` int | float | categorical)."""
    values = {}
    for name, space in params.items():
        kind = space.get("type")
        if kind == "int":
            values[name] = trial.suggest_int(
                name, space["low"], space["high"], step=space.get("step", 1),
                log=space.get("log", False),
            )  # fmt: skip
        elif kind == "float":
            values[name] = trial.suggest_float(
                name, space["low"], space["high"], step=space.get("step"),
                log=space.get("log", False),
            )  # fmt: skip
        elif kind == "categorical":
            values[name] = trial.suggest_categorical(name, list(space["choices"]))
        else:
            raise SweepError(f"sweep.params.{name}: type must be int, float or categorical")
    return values


class Objective:
    """One trial: compose, train with pruning, return the last monitored validation value."""

    def __init__(self, spec: DictConfig, trial_overrides: list[str], study_dir: Path) -> None:
        self.spec, self.study_dir = spec, study_dir
        self.base = [*OmegaConf.to_container(spec.overrides), *trial_overrides]

    def __call__(self, trial: optuna.Trial) -> float:
        from bench.pruning import OptunaPruning
        from bench.train import run_training

        reject_surplus(trial, int(self.spec.n_trials))
        values = suggest(trial, OmegaConf.to_container(self.spec.params, resolve=True))
        run_dir = self.study_dir / f"trial_{trial.number:04d}"
        cfg = compose_run([*self.base, *(f"{k}={v}" for k, v in values.items())], run_dir)
        if cfg.get("logger") and "group" in cfg.logger:
            with open_dict(cfg):
                cfg.logger.group = f"sweep/{self.spec.study_name}"
        trial.set_user_attr("run_dir", str(run_dir))
        trial.set_user_attr("worker_pid", os.getpid())
        pruning = OptunaPruning(trial, str(self.spec.monitor))
        try:
            record = run_training(cfg, run_dir, extra_callbacks=[pruning])
        except SystemExit as exit_:  # Lightning turns Ctrl-C and SIGTERM into SystemExit
            raise KeyboardInterrupt(f"trial {trial.number} interrupted") from exit_
        primary = get_task(cfg.task.name).primary_metric
        trial.set_user_attr(f"test_{primary}", record.metrics[primary])
        if pruning.last_value is None:
            raise RuntimeError(f"sweep.monitor {self.spec.monitor!r} was never logged")
        return pruning.last_value


class SurplusTrial(Exception):
    """A trial started beyond ``n_trials`` by workers racing for the last one; it is failed."""


def reject_surplus(trial: optuna.Trial, n_trials: int) -> None:
    """Fail ``trial`` when ``n_trials`` earlier trials are already finished, running or queued."""
    earlier = trial.study.get_trials(deepcopy=False, states=TAKEN)
    if sum(t.number < trial.number for t in earlier) >= n_trials:
        trial.set_user_attr("surplus", True)
        raise SurplusTrial(f"trial {trial.number} is beyond n_trials={n_trials}: not run")


class StopAfterFailures:
    """Count this worker's failed trials (surplus ones excepted); ``done`` after ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit, self.failures = limit, 0

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if trial.state == TrialState.FAIL and not trial.user_attrs.get("surplus"):
            self.failures += 1

    @property
    def done(self) -> bool:
        if self.failures >= self.limit:
            log.error("stopping this worker after %d failed trials", self.failures)
        return self.failures >= self.limit


def fail_silent_trials(study: optuna.Study, storage: optuna.storages.BaseStorage) -> list[int]:
    """Fail (and re-queue, like stale ones) running trials that never sent a heartbeat.

    A worker killed between creating a trial and its first heartbeat leaves a running trial
    that Optuna's stale-trial check skips (it only looks at trials with a heartbeat), so the
    study would show it as running forever. A trial older than the storage's grace period
    without any heartbeat belongs to no live worker. Returns the failed trial numbers.
    Optuna has no public query for heartbeat rows, hence the read of its ``trial_heartbeats``
    table and the trials' internal ids.
    """
    if not isinstance(storage, optuna.storages.RDBStorage) or storage.heartbeat_interval is None:
        return []
    with storage.engine.connect() as connection:
        beating = {
            row[0]
            for row in connection.execute(sqlalchemy.text("SELECT trial_id FROM trial_heartbeats"))
        }
    grace = timedelta(seconds=storage.grace_period or 2 * storage.heartbeat_interval)
    now, failed = datetime.now(), []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if trial._trial_id in beating or now - trial.datetime_start < grace:
            continue
        try:
            if storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL):
                failed.append(trial)
        except optuna.exceptions.UpdateFinishedTrialError:  # another worker got there first
            continue
    retry = storage.get_heartbeat_stale_trial_callback()
    for trial in failed:
        log.warning("trial %d never sent a heartbeat: marked failed", trial.number)
        if retry is not None:
            retry(study, storage.get_trial(trial._trial_id))
    return [trial.number for trial in failed]


def finished_count(study: optuna.Study) -> int:
    return len(study.get_trials(deepcopy=False, states=FINISHED))


def run_worker(
    spec: DictConfig,
    study: optuna.Study,
    storage: optuna.storages.BaseStorage,
    objective: Objective,
) -> None:
    """Take trials until the study holds ``n_trials`` finished ones.

    While the other workers run the last trials, wait (``heartbeat_seconds`` at a time) for
    them to finish or to be failed as stale and re-queued, then take the re-queued ones (not
    on a storage without heartbeats, where a dead worker's trial would be waited for forever).
    """
    n_trials, failures = int(spec.n_trials), StopAfterFailures(int(spec.max_failures))
    beating = isinstance(storage, optuna.storages.RDBStorage) and bool(storage.heartbeat_interval)
    while not failures.done:
        optuna.storages.fail_stale_trials(study)
        fail_silent_trials(study, storage)
        states = [t.state for t in study.get_trials(deepcopy=False)]
        finished = sum(state in FINISHED for state in states)
        if finished >= n_trials:
            return
        if finished + sum(state == TrialState.RUNNING for state in states) >= n_trials:
            if not beating:
                return
            if TrialState.WAITING not in states:
                time.sleep(float(spec.heartbeat_seconds))
                continue
        study.optimize(objective, n_trials=1, catch=(Exception,), callbacks=[failures])


def write_report(study: optuna.Study, study_dir: Path) -> str:
    """``trials.csv``, ``trials.md``, ``best`` and Optuna's plots; returns the Markdown table."""
    trials = study.get_trials(deepcopy=False)
    names = sorted({name for trial in trials for name in trial.params})
    rows = [
        {
            "number": t.number,
            "state": t.state.name,
            "value": t.value,
            **{name: t.params.get(name) for name in names},
            **{k: v for k, v in t.user_attrs.items() if k.startswith("test_")},
            "seconds": (t.datetime_complete - t.datetime_start).total_seconds()
            if t.datetime_complete and t.datetime_start
            else None,
            "run_dir": t.user_attrs.get("run_dir"),
        }
        for t in trials
    ]
    study_dir.mkdir(parents=True, exist_ok=True)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with open(study_dir / "trials.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    shown = [c for c in columns if c != "run_dir"]
    lines = ["| " + " | ".join(shown) + " |", "|" + "---|" * len(shown)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in shown) + " |" for row in rows]
    table = "\n".join(lines) + "\n"
    (study_dir / "trials.md").write_text(table)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    if complete:
        best = study.best_trial
        link = study_dir / "best"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(Path(best.user_attrs["run_dir"]).resolve())
        _plots(study, study_dir)
    return table


def _cell(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else ("" if value is None else str(value))


def _plots(study: optuna.Study, study_dir: Path) -> None:
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from optuna.visualization import matplotlib as optuna_plots

    plots = {"history.png": optuna_plots.plot_optimization_history}
    if len(study.get_trials(states=(TrialState.COMPLETE,))) >= 2:
        plots["importances.png"] = optuna_plots.plot_param_importances
    for name, plot in plots.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            try:
                axes = plot(study)
            except (ValueError, RuntimeError) as error:  # e.g. no variance in the values
                log.warning("skipped %s: %s", name, error)
                continue
        axes.figure.tight_layout()
        axes.figure.savefig(study_dir / name, dpi=110)
        plt.close(axes.figure)


def threads_per_worker(spec: DictConfig) -> int:
    """Torch threads per worker: ``sweep.threads_per_worker``, or the cores shared evenly."""
    if spec.get("threads_per_worker"):
        return int(spec.threads_per_worker)
    return max(1, (os.cpu_count() or 1) // int(spec.workers))


def cli(argv: list[str]) -> None:
    """Open (or resume) the study, run the workers, then write the report."""
    import torch

    register_resolvers()
    sweep_overrides, trial_overrides = split_overrides(argv)
    if not any(a.startswith("sweep=") for a in sweep_overrides):
        raise SweepError("exactbench sweep: choose a search space, e.g. sweep=qho_pinn")
    cfg = compose([*sweep_overrides, *trial_overrides])
    spec = cfg.sweep
    root = Path(os.environ.get("EXACTBENCH_ROOT", "."))
    study_dir = root / "sweeps" / str(spec.study_name)
    url = storage_url(spec, root)
    worker = int(os.environ.get(CHILD_ENV, "0"))
    threads = threads_per_worker(spec)
    torch.set_num_threads(threads)
    storage = make_storage(spec, url)
    study = open_study(spec, storage, worker)
    fail_silent_trials(study, storage)
    objective = Objective(spec, trial_overrides, study_dir)
    if worker:
        run_worker(spec, study, storage, objective)
        return
    started, before = time.perf_counter(), finished_count(study)
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.cli", "sweep", *argv],
            env=os.environ | {CHILD_ENV: str(k), "OMP_NUM_THREADS": str(threads)},
        )
        for k in range(1, int(spec.workers))
    ]
    try:
        run_worker(spec, study, storage, objective)
    finally:
        for child in children:
            child.wait()
    optuna.storages.fail_stale_trials(study)
    fail_silent_trials(study, storage)
    elapsed = time.perf_counter() - started
    print(write_report(study, study_dir))
    done = finished_count(study) - before
    print(
        f"study {spec.study_name!r} in {shown_url(url)}: {finished_count(study)} finished trials "
        f"({done} now, {60 * done / elapsed:.2f} per minute with {spec.workers} worker(s) of "
        f"{threads} thread(s)); report in {study_dir}"
    )
