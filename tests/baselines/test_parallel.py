"""The resumable parallel map: results in order, finished items reused after an interruption."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.parallel import map_systems, stack_results


def square(x: float) -> dict[str, np.ndarray]:
    return {"y": np.array([x * x])}


def fail_on_three(x: float) -> dict[str, np.ndarray]:
    if x == 3:
        raise RuntimeError("interrupted")
    return square(x)


@pytest.mark.parametrize("workers", [1, 2])
def test_results_come_back_in_item_order(workers):
    results = map_systems(square, [3.0, 1.0, 2.0], description="sq", workers=workers)
    assert stack_results(results)["y"][:, 0].tolist() == [9.0, 1.0, 4.0]


def test_an_interrupted_map_resumes_from_its_parts(tmp_path):
    parts = tmp_path / "parts"
    with pytest.raises(RuntimeError, match="interrupted"):
        map_systems(fail_on_three, [1, 2, 3], description="sq", parts_dir=parts, workers=1)
    assert sorted(p.name for p in parts.iterdir()) == ["0.npz", "1.npz"]
    (parts / "1.npz").write_bytes(b"cut short")  # a part torn by the interruption is recomputed
    results = map_systems(square, [1, 2, 3], description="sq", parts_dir=parts, workers=1)
    assert stack_results(results)["y"][:, 0].tolist() == [1, 4, 9]
