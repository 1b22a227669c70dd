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

from bench.sweep import SweepError, cli, fail_silent_trials, make_storage, open_study, shown_url
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
    assert len(trials) == 6  # no overshoot by workers - 1
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


def _worker(root, storage, study_name, *args):
    """A sweep worker with its own EXACTBENCH_ROOT (standing in for another machine)."""
    root.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "bench.cli", "sweep", "sweep=qho_pinn", *TINY,
         f"sweep.storage={storage}", f"sweep.study_name={study_name}", *args],
        cwd=root, env=os.environ | {"EXACTBENCH_ROOT": str(root), "OMP_NUM_THREADS": "1"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _kill_mid_trial(study: optuna.Study, process: subprocess.Popen) -> int:
    """SIGKILL ``process`` while a trial of its own is running; that trial's number."""
    deadline = time.time() + 300
    while time.time() < deadline and process.poll() is None:
        try:
            running = study.get_trials(states=(TrialState.RUNNING,))
        except KeyError:  # study not created yet
            running = []
        mine = [t for t in running if t.user_attrs.get("worker_pid") == process.pid]
        if mine:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return mine[0].number
        time.sleep(0.05)
    pytest.fail(f"worker never ran a trial:\n{process.communicate()[0]}")


def _shared_study(tmp_path, storage, study_name, quick_qho, kill: bool) -> optuna.Study:
    """Two workers with separate roots on ``storage``; the second is killed mid-trial if
    ``kill``. Returns the study once the survivors end (each must exit cleanly)."""
    args = ["sweep.n_trials=5", *quick_qho]
    first = _worker(tmp_path / "machine_a", storage, study_name, *args)
    second = _worker(tmp_path / "machine_b", storage, study_name, *args)
    study_storage = make_storage(compose(["sweep=qho_pinn"]).sweep, storage)
    while True:
        try:
            study = optuna.load_study(study_name=study_name, storage=study_storage)
            break
        except KeyError:
            time.sleep(0.2)
    survivors = [first]
    if kill:
        killed = _kill_mid_trial(study, second)
    else:
        survivors.append(second)
    for process in survivors:
        output = process.communicate(timeout=600)[0]
        assert process.returncode == 0, output
    trials = study.get_trials()
    assert sum(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials) == 5
    assert not any(t.state == TrialState.RUNNING for t in trials)
    if kill:
        assert trials[killed].state == TrialState.FAIL
        assert any(t.system_attrs.get("failed_trial") == killed for t in trials)
    return study


def _postgres_url() -> str:
    url = os.environ.get("EXACTBENCH_TEST_POSTGRES")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI runs the PostgreSQL tests: set EXACTBENCH_TEST_POSTGRES")
        pytest.skip("no PostgreSQL server (EXACTBENCH_TEST_POSTGRES unset; .ci/postgres-up)")
    return url


def test_workers_on_two_machines_share_a_postgresql_study_through_a_kill(tmp_path, quick_qho):
    url = _postgres_url()
    name = f"shared_{os.getpid()}_{time.time_ns()}"
    _shared_study(tmp_path, url, name, quick_qho, kill=True)
    password = sqlalchemy.engine.make_url(url).password
    assert password and password not in shown_url(url)


def test_workers_share_a_journal_file_study(tmp_path, quick_qho):
    storage = f"journal:{tmp_path / 'shared' / 'study.log'}"
    _shared_study(tmp_path, storage, "journal_study", quick_qho, kill=False)


@pytest.mark.parametrize(
    ("storage", "expected"),
    [
        ("postgresql+nodriver://user:s3cret@127.0.0.1:1/db", "no database driver"),
        ("postgresql+psycopg2://user:s3cret@127.0.0.1:1/db", "cannot connect"),
    ],
)
def test_bad_storage_stops_with_one_line_without_the_password(storage, expected, capsys):
    with pytest.raises(SweepError) as error:
        cli(["sweep=qho_pinn", "logger=none", f"sweep.storage={storage}"])
    message = str(error.value)
    assert expected in message and "***" in message and "s3cret" not in message
    assert "\n" not in message
    assert "s3cret" not in "".join(capsys.readouterr())
