"""Data-set cache: keyed by config, checksummed, and self-healing when a file is corrupted."""

from __future__ import annotations

import logging
import multiprocessing
import time

import numpy as np

from tasks.cache import arrays_checksum, cached_arrays, config_key


def _builder(calls):
    def build(parts_dir):
        calls.append(1)
        return {"a": np.arange(10.0), "b": np.ones((2, 2))}

    return build


def test_built_once_then_loaded(tmp_path):
    calls = []
    first = cached_arrays("t", {"n": 10}, _builder(calls), tmp_path)
    second = cached_arrays("t", {"n": 10}, _builder(calls), tmp_path)
    assert len(calls) == 1
    assert first.checksum == second.checksum == arrays_checksum(second.arrays)


def test_key_ignores_order_but_not_values():
    assert config_key({"a": 1, "b": 2}) == config_key({"b": 2, "a": 1})
    assert config_key({"a": 1}) != config_key({"a": 2})


def test_checksum_sees_dtype_and_values():
    base = {"a": np.arange(3.0)}
    assert arrays_checksum(base) != arrays_checksum({"a": np.arange(3.0) + 1e-12})
    assert arrays_checksum(base) != arrays_checksum({"a": np.arange(3.0).astype(np.float32)})


def test_corrupted_file_is_moved_aside_and_rebuilt(tmp_path, caplog):
    calls = []
    first = cached_arrays("t", {"n": 10}, _builder(calls), tmp_path)
    np.savez(first.path, a=np.zeros(10), b=np.ones((2, 2)))  # silently damaged data
    with caplog.at_level(logging.WARNING):
        again = cached_arrays("t", {"n": 10}, _builder(calls), tmp_path)
    assert len(calls) == 2
    assert again.checksum == first.checksum
    assert "corrupt" in caplog.text
    assert first.path.with_name(first.path.name + ".corrupt").exists()


def test_truncated_file_is_rebuilt(tmp_path):
    calls = []
    first = cached_arrays("t", {"n": 10}, _builder(calls), tmp_path)
    first.path.write_bytes(b"PK\x03\x04 truncated")
    assert cached_arrays("t", {"n": 10}, _builder(calls), tmp_path).checksum == first.checksum


def _slow_build_counted(log_path):
    """A build that takes a while and appends one line per call to ``log_path``."""

    def build(parts_dir):
        with open(log_path, "a") as log:
            log.write("built\n")
        time.sleep(1.0)
        return {"a": np.arange(10.0)}

    return build


def _ask(root, log_path):
    cached_arrays("t", {"n": 10}, _slow_build_counted(log_path), root)


def test_processes_asking_at_once_build_once(tmp_path):
    """Ranks of a data-parallel fit (or sweep workers) ask together: one builds, all load."""
    log_path = tmp_path / "builds.log"
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_ask, args=(tmp_path, log_path)) for _ in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    assert [p.exitcode for p in processes] == [0, 0, 0]
    assert log_path.read_text() == "built\n"
