"""Optuna sweeps: shared storage across workers, resume after a kill, pruning, refusals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import optuna
import pytest
import sqlalchemy
from optuna.trial import TrialState

from bench.sweep import SweepError, cli, fail_silent_trials, make_storage, open_study
from leaderboard.configs import compose

TINY = ["sweep.heartbeat_seconds=1", "logger=none", "task.test.nx=21"]


def _study(root, name="qho_pinn"):
    url = f"sqlite:///{root / 'sweeps' / f'{name}.db'}"
    return optuna.load_study(study_name=name, storage=url)


def _complete_trials(root) -> int:
    """Complete trials so far (0 while the worker is still creating the storage or study)."""
    if not (root / "sweeps" / "qho_pinn.db").exists():
        return 0
    try:
        return len(_study(root).get_trials(states=(TrialState.COMPLETE,)))
    except KeyError:  # tables exist, study not yet
        return 0
    except sqlalchemy.exc.SQLAlchemyError:  # schema being written by the worker right now
        return 0


def _sweep_process(root, *args):
    return subprocess.Popen(
        [sys.executable, "-m", "bench.cli", "sweep", "sweep=qho_pinn", *TINY, *args],
        cwd=root, env=os.environ | {"EXACTBENCH_ROOT": str(root)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def test_two_workers_share_one_study(scratch_root, quick_qho):
    process = _sweep_process(scratch_root, "sweep.workers=2", "sweep.n_trials=6", *quick_qho)
    assert process.wait(timeout=600) == 0
    trials = _study(scratch_root).get_trials(states=(TrialState.COMPLETE,))
    assert len(trials) >= 6
    assert len({t.user_attrs["worker_pid"] for t in trials}) == 2
    report = scratch_root / "sweeps" / "qho_pinn"
    assert (report / "trials.csv").is_file() and (report / "history.png").is_file()
    assert (report / "best" / "result.json").is_file()


def test_killed_sweep_resumes_to_the_requested_count(scratch_root, quick_qho):
    args = ["sweep.n_trials=4", *quick_qho]
    process = _sweep_process(scratch_root, *args)
    deadline = time.time() + 300
    while time.time() < deadline and not _complete_trials(scratch_root):
        time.sleep(1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _sweep_process(scratch_root, *args).wait(timeout=600) == 0
    trials = _study(scratch_root).get_trials()
    assert sum(t.state == TrialState.COMPLETE for t in trials) == 4
    assert not any(t.state == TrialState.RUNNING for t in trials)


def test_trial_left_running_without_a_heartbeat_is_failed_and_retried(scratch_root, quick_qho):
    """A worker killed between creating a trial and its first heartbeat leaves no zombie."""
    spec = compose(["sweep=qho_pinn", *TINY]).sweep
    url = f"sqlite:///{scratch_root / 'sweeps' / 'qho_pinn.db'}"
    (scratch_root / "sweeps").mkdir()
    storage = make_storage(spec, url)
    study = open_study(spec, storage)
    orphan = study.ask(
        {"model.optim.lr": optuna.distributions.FloatDistribution(1e-4, 1e-2, log=True)}
    )
    assert fail_silent_trials(study, storage) == []  # younger than the grace period: may be alive
    time.sleep(2.5)
    cli(["sweep=qho_pinn", *TINY, "sweep.n_trials=1", *quick_qho])
    trials = _study(scratch_root).get_trials()
    assert trials[orphan.number].state == TrialState.FAIL
    retried = [t for t in trials if t.system_attrs.get("failed_trial") == orphan.number]
    assert retried and retried[0].state == TrialState.COMPLETE
    assert not any(t.state == TrialState.RUNNING for t in trials)


def test_pruned_trial_is_recorded_as_pruned(scratch_root, quick_qho):
    pruner = ["~sweep.pruner", "+sweep.pruner={_target_:optuna.pruners.ThresholdPruner,upper:0.0}"]
    cli(["sweep=qho_pinn", *TINY, "sweep.n_trials=1", *pruner, *quick_qho])
    states = [t.state for t in _study(scratch_root).get_trials()]
    assert states == [TrialState.PRUNED]


def test_changed_search_space_is_refused(scratch_root):
    spec = compose(["sweep=qho_pinn"]).sweep
    storage = make_storage(spec, f"sqlite:///{scratch_root / 'study.db'}")
    open_study(spec, storage)
    open_study(spec, storage)  # same space: resumes
    changed = compose(["sweep=qho_pinn", "sweep.direction=maximize"]).sweep
    with pytest.raises(SweepError, match="another search space"):
        open_study(changed, storage)


def test_sweep_needs_a_search_space():
    with pytest.raises(SweepError, match="sweep=qho_pinn"):
        cli(["logger=none"])


def test_storage_opened_while_another_process_writes_its_schema_is_retried(
    scratch_root, monkeypatch
):
    """The loser of a race to create a new database retries instead of crashing."""
    real, calls = optuna.storages.RDBStorage, []

    def racing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise sqlalchemy.exc.IntegrityError("INSERT INTO alembic_version", {}, Exception())
        return real(*args, **kwargs)

    monkeypatch.setattr(optuna.storages, "RDBStorage", racing)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    spec = compose(["sweep=qho_pinn"]).sweep
    storage = make_storage(spec, f"sqlite:///{scratch_root / 'race.db'}")
    assert len(calls) == 2 and isinstance(storage, real)
