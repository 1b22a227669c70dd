"""A submission is hostile data: no string in a record chooses a config file, an object or a
function, every bad value is a rejection with a reason, and nothing outside the run directory
is read or written while it is refused."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bench.baseline import run_baseline
from bench.config import compose_run
from leaderboard.configs import CONF_DIR
from leaderboard.record import load_predictions, load_record, write_record
from leaderboard.store import Board
from leaderboard.submit import SubmissionError, submit

LOOKED_UP = ("task", "experiment", "method", "split_id", "split")
HOSTILE = [
    "../../../etc/passwd",
    "/tmp/evil",
    "heat_quick/../heat_quick",
    "task=qho",
    "+hydra.run.dir=/tmp/pwned",
    "heat_quick,qho_base",
    "${oc.env:HOME}",
    "${hydra:runtime.cwd}",
    "[heat_quick, qho_base]",
    "heat_quick experiment=evil",
    "heat_quick\nexperiment=evil",
    "os:system",
    "",
]


@pytest.fixture
def board(tmp_path):
    return Board(f"sqlite:///{tmp_path / 'board.db'}")


@pytest.fixture
def valid_run(heat, tmp_path, board):
    """A genuine heat run, accepted once so that the board's split exists before the attacks."""
    run_dir = tmp_path / "genuine"
    cfg = compose_run(["experiment=heat_quick", "baseline=heat_fd", "logger=none"], run_dir)
    run_baseline(cfg, run_dir)
    submit(run_dir, board, "alice")
    return run_dir


def forged(run_dir: Path, target: Path, predictions=None, **changes) -> Path:
    """A copy of a run with fields changed and a correct content hash (a well-formed forgery)."""
    fields = load_record(run_dir).model_dump(exclude={"content_hash", "predictions_sha256"})
    write_record(target, fields | changes, predictions or load_predictions(run_dir))
    return target


def forged_raw(run_dir: Path, target: Path, **changes) -> Path:
    """A copy whose JSON is edited directly (values the schema cannot even hold)."""
    target.mkdir(parents=True)
    raw = json.loads((run_dir / "result.json").read_text()) | changes
    (target / "result.json").write_text(json.dumps(raw))
    (target / "predictions.npz").write_bytes((run_dir / "predictions.npz").read_bytes())
    return target


class FileAudit:
    """Paths opened or created while active, outside the interpreter's own files."""

    def __init__(self) -> None:
        self.active, self.paths = False, []
        sys.addaudithook(self.hook)

    def hook(self, event: str, args: tuple) -> None:
        watched = ("open", "os.mkdir", "os.rename", "os.remove", "shutil.copyfile")
        if self.active and event in watched:
            path = args[0]
            if isinstance(path, (str, Path)) and not str(path).endswith((".py", ".pyc")):
                self.paths.append(Path(path).resolve())

    def outside(self, allowed: list[Path]) -> list[Path]:
        roots = [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), *allowed]
        return [p for p in self.paths if not any(p.is_relative_to(r) for r in roots)]


AUDIT = FileAudit()


def refused_quietly(run_dir: Path, board: Board, match: str, also: tuple[Path, ...] = ()) -> None:
    """``run_dir`` is rejected with ``match`` in the reason, touching nothing outside it (and
    ``also``: the board's own configs and split store, for checks that need them)."""
    before = len(board.entries())
    AUDIT.paths, AUDIT.active = [], True
    try:
        with pytest.raises(SubmissionError, match=match):
            submit(run_dir, board, "mallory")
    finally:
        AUDIT.active = False
    assert AUDIT.outside([run_dir.resolve(), *(p.resolve() for p in also)]) == []
    assert len(board.entries()) == before


@pytest.mark.parametrize("field", LOOKED_UP)
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_names_are_refused_before_anything_is_composed(
    field, value, valid_run, board, tmp_path
):
    run_dir = forged(valid_run, tmp_path / "forged", **{field: value})
    refused_quietly(run_dir, board, r"unknown|not admitted|has not admitted|split 'test'")


@pytest.mark.parametrize("field", [*LOOKED_UP, "kind", "seed"])
def test_list_and_object_values_are_refused(field, valid_run, board, tmp_path):
    for index, value in enumerate((["heat", "qho"], {"_target_": "os.system"})):
        run_dir = forged_raw(valid_run, tmp_path / f"raw{index}", **{field: value})
        refused_quietly(run_dir, board, "schema")


def test_an_experiment_file_outside_conf_is_never_composed(valid_run, board, tmp_path):
    evil = tmp_path / "evil" / "experiment"
    evil.mkdir(parents=True)
    canary = tmp_path / "canary"
    (evil / "evil.yaml").write_text(
        f"# @package _global_\nexperiment_name: evil\nboom:\n  _target_: os.makedirs\n"
        f"  name: {canary}\n"
    )
    for name in ("evil", str(evil / "evil"), "../../evil/experiment/evil"):
        run_dir = forged(valid_run, tmp_path / "forged", experiment=name)
        refused_quietly(run_dir, board, "unknown experiment")
        assert not canary.exists()


def test_a_hostile_config_field_is_stored_as_data_and_never_run(valid_run, board, tmp_path):
    canary = tmp_path / "canary"
    config = {
        "task": {"name": "qho", "evaluator": "os.system"},
        "model": {"_target_": "os.makedirs", "name": str(canary)},
        "hydra": {"searchpath": [f"file://{tmp_path}"]},
    }
    other = {key: value * (1 + 1e-12) for key, value in load_predictions(valid_run).items()}
    run_dir = forged(valid_run, tmp_path / "forged", other, config=config, seed=7)
    submit(run_dir, board, "mallory")
    assert not canary.exists()
    entry = board.entries()[-1]
    assert entry["config"] == config
    assert entry["metrics"] == pytest.approx(board.entries()[0]["metrics"], rel=1e-6)


def test_a_method_must_be_of_its_declared_kind(valid_run, board, tmp_path):
    refused_quietly(forged(valid_run, tmp_path / "a", method="heat_modes"), board, "model")
    refused_quietly(forged(valid_run, tmp_path / "b", method="qho_exact"), board, "unknown method")


def test_a_broken_predictions_file_is_a_rejection_not_a_traceback(heat, valid_run, board, tmp_path):
    target = tmp_path / "broken"
    fields = load_record(valid_run).model_dump(exclude={"content_hash", "predictions_sha256"})
    own = (CONF_DIR, heat.conf_dir, tmp_path / "data")
    write_record(target, fields, {"u": load_predictions(valid_run)["u"][:1]})
    refused_quietly(target, board, "cannot be scored", own)
    write_record(target, fields, {"v": load_predictions(valid_run)["u"]})
    refused_quietly(target, board, "cannot be scored", own)
