"""The pyoperon engine (Operon, C++ genetic programming with local constant optimisation).

Runs the multi-objective (accuracy, length) NSGA-II search of ``pyoperon.sklearn`` and returns
its whole Pareto front, each tree printed at full precision. Every keyword of
``pyoperon.sklearn.SymbolicRegressor`` can be set in ``options`` (conf/baseline/cft_operon.yaml).
The seed's "penalty on free constants" is ``allowed_symbols`` without ``constant`` together
with ``symbolic_mode: true`` (integer leaf weights, no constant optimisation).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from baselines.cft.search import Candidate


class OperonEngine:
    """pyoperon search under a wall-time limit, on at most ``max_rows`` training rows.

    Args:
        time_limit: wall-time limit of the search in whole seconds (pyoperon's ``max_time``).
        max_rows: rows drawn at random (seeded) for the search when the table is larger; the
            front is scored on every row afterwards. 0 = all rows.
        n_threads: evaluation threads.
        options: keyword arguments of ``pyoperon.sklearn.SymbolicRegressor``.
    """

    def __init__(
        self, time_limit: int, max_rows: int, n_threads: int, options: Mapping[str, Any]
    ) -> None:
        self.time_limit, self.max_rows = int(time_limit), int(max_rows)
        self.n_threads, self.options = int(n_threads), dict(options)

    def search(
        self, inputs: np.ndarray, target: np.ndarray, names: Sequence[str], seed: int
    ) -> list[Candidate]:
        import pyoperon as op
        from pyoperon.sklearn import SymbolicRegressor

        rng = np.random.default_rng(seed)
        if 0 < self.max_rows < len(target):
            rows = np.sort(rng.choice(len(target), self.max_rows, replace=False))
            inputs, target = inputs[rows], target[rows]
        regressor = SymbolicRegressor(
            **self.options,
            max_time=self.time_limit,
            n_threads=self.n_threads,
            random_state=int(seed),
        )
        regressor.fit(np.asarray(inputs, float), np.asarray(target, float))
        labels = {key: names[i] for i, key in enumerate(regressor.variables_)}
        return [
            Candidate(op.InfixFormatter.Format(s["tree"], labels, 17), int(s["length"]))
            for s in regressor.pareto_front_
        ]
