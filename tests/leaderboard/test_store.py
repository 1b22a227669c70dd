"""Storage and input hardening: database failures and hostile archives are rejections with a
reason; non-finite numbers follow the stated rule; a fuzzed record or archive never crashes."""

from __future__ import annotations

import io
import os
import re
import stat
import threading
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from leaderboard.record import RecordError, load_predictions, load_record, write_record
from leaderboard.store import Board, BoardError
from leaderboard.submit import SubmissionError, submit
from tests.leaderboard.conftest import POSTGRES_ENV
from tests.leaderboard.test_record import _fields


def test_non_finite_metrics_round_trip_as_json_strings(any_board, tmp_path):
    record = write_record(tmp_path / "r", _fields(), {"u": np.zeros(2)})
    metrics = {"density_mse": 1e-3, "log10_density_mse": -np.inf, "slice[0]": np.nan}
    any_board.add(record, method="qho_exact", kind="reference", metrics=metrics, author="a",
                  predictions_hash="0" * 64, predictions=b"")  # fmt: skip
    stored = any_board.entries()[0]["metrics"]
    assert stored["log10_density_mse"] == -np.inf and np.isnan(stored["slice[0]"])


def test_both_postgresql_drivers_work_and_passwords_stay_hidden():
    url = os.environ.get(POSTGRES_ENV)
    if url is None and not os.environ.get("CI"):
        pytest.skip(f"{POSTGRES_ENV} unset")
    for form in (url, url.replace("postgresql://", "postgresql+psycopg2://")):
        assert Board(form).entries() is not None
    password = url.split(":")[2].split("@")[0]
    with pytest.raises(BoardError) as error:
        Board(re.sub(r":\d+/", ":1/", url))
    assert password not in str(error.value) and "***" in str(error.value)


def test_a_missing_driver_is_named():
    with pytest.raises(BoardError, match="pg8000"):
        Board("postgresql+pg8000://user:secret@127.0.0.1/x")


def test_corrupted_read_only_and_racing_databases(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(BoardError, match="not an SQLite database"):
        Board(f"sqlite:///{junk}")
    board_dir = tmp_path / "ro"
    board_dir.mkdir()
    Board(f"sqlite:///{board_dir / 'b.db'}")
    os.chmod(board_dir / "b.db", stat.S_IRUSR)
    os.chmod(board_dir, stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.geteuid() != 0:  # root writes anyway
            record = write_record(tmp_path / "r", _fields(), {"u": np.zeros(2)})
            with pytest.raises(BoardError, match="read-only"):
                Board(f"sqlite:///{board_dir / 'b.db'}").add(
                    record, method="m", kind="model", metrics={}, author="a",
                    predictions_hash="1" * 64, predictions=b"",
                )  # fmt: skip
    finally:
        os.chmod(board_dir, stat.S_IRWXU)
    errors = []

    def first_user():
        try:
            Board(f"sqlite:///{tmp_path / 'race.db'}")
        except Exception as error:  # collected: the test asserts there are none
            errors.append(error)

    threads = [threading.Thread(target=first_user) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def _zip(tmp_path, members, **kwargs):
    tmp_path.mkdir(exist_ok=True)
    with zipfile.ZipFile(tmp_path / "predictions.npz", "w", **kwargs) as archive:
        for info, data in members:
            archive.writestr(info, data)
    return tmp_path


def _npy(array):
    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


@pytest.mark.parametrize(
    "name, members, match",
    [
        ("traversal", [("../u.npy", _npy(np.zeros(2)))], "plain top-level"),
        ("absolute", [("/etc/u.npy", _npy(np.zeros(2)))], "plain top-level"),
        ("nested", [("a/u.npy", _npy(np.zeros(2)))], "plain top-level"),
        ("object", [("u.npy", _npy(np.array([1, "a"], dtype=object)).replace(b"|O", b"|O"))],
         "unreadable|objects"),
        ("huge shape", [("u.npy", _npy(np.zeros(2)).replace(b"(2,)", b"(9999999999,)"))],
         "declares shape"),
        ("not npy", [("u.npy", b"PK junk")], "not a .npy"),
    ],
)  # fmt: skip
def test_hostile_archives_are_refused_before_reading(tmp_path, name, members, match):
    with pytest.raises(RecordError, match=match):
        load_predictions(_zip(tmp_path / "run", members))


def test_links_bombs_and_plain_npy_are_refused(tmp_path):
    link = zipfile.ZipInfo("u.npy")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with pytest.raises(RecordError, match="plain top-level"):
        load_predictions(_zip(tmp_path / "link", [(link, "/etc/passwd")]))
    bomb = _npy(np.zeros(20_000_000, dtype=np.uint8))
    with pytest.raises(RecordError, match="decompression bomb"):
        load_predictions(
            _zip(tmp_path / "bomb", [("u.npy", bomb)], compression=zipfile.ZIP_DEFLATED)
        )
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "predictions.npz").write_bytes(_npy(np.zeros(3)))
    with pytest.raises(RecordError, match="not a readable npz"):
        load_predictions(tmp_path / "plain")


def test_invalid_utf8_deep_json_and_empty_timings_are_explained(tmp_path):
    run = tmp_path / "run"
    write_record(run, _fields(), {"u": np.zeros(2)})
    (run / "result.json").write_bytes(b'{"task": "\xff\xfe"}')
    with pytest.raises(RecordError, match="not valid JSON"):
        load_record(run)
    (run / "result.json").write_text("[" * 100 + "]" * 100)
    with pytest.raises(RecordError, match="nests deeper"):
        load_record(run)
    (run / "result.json").write_text("[" * 100_000)
    with pytest.raises(RecordError, match="not valid JSON"):
        load_record(run)
    write_record(run, _fields(timings={}), {"u": np.zeros(2)})
    with pytest.raises(SubmissionError, match="timings lack"):
        submit(run, Board(f"sqlite:///{tmp_path / 'b.db'}"), "a")


TEXT = st.text(max_size=40)
VALUE = st.one_of(TEXT, st.integers(), st.floats(), st.none(), st.lists(TEXT, max_size=3))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(changes=st.dictionaries(st.sampled_from(sorted(_fields())), VALUE, max_size=4))
def test_fuzzed_record_fields_are_rejections_never_crashes(tmp_path, changes):
    run = tmp_path / "fuzz"
    try:
        write_record(run, _fields(**changes), {"u": np.zeros(2)})
    except RecordError:
        return  # the schema refused it already
    with pytest.raises(SubmissionError):
        submit(run, Board(f"sqlite:///{tmp_path / 'fuzz.db'}"), "fuzz")


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    members=st.lists(
        st.tuples(st.text(min_size=1, max_size=20), st.binary(max_size=300)), min_size=1,
        max_size=3, unique_by=lambda member: member[0],
    ),
    header=st.booleans(),
)  # fmt: skip
def test_fuzzed_archive_members_are_rejections_never_crashes(tmp_path, members, header):
    prefix = _npy(np.zeros(4))[:64] if header else b""
    try:
        run = _zip(tmp_path / "fuzz", [(name, prefix + data) for name, data in members])
    except (IndexError, ValueError):  # a name zipfile itself cannot write
        assume(False)
    try:
        arrays = load_predictions(run)
    except RecordError:
        return
    assert all(isinstance(a, np.ndarray) and not a.dtype.hasobject for a in arrays.values())
