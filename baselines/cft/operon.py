"""The pyoperon engine (Operon, C++ genetic programming with local constant optimisation).

Runs the multi-objective (accuracy, length) NSGA-II search of ``pyoperon.sklearn`` and returns
its whole Pareto front, each tree printed at full precision. Every keyword of
``pyoperon.sklearn.SymbolicRegressor`` can be set in ``options`` (conf/baseline/cft_operon.yaml).
The seed's "penalty on free constants" is ``allowed_symbols`` without ``constant`` together
with ``symbolic_mode: true`` (integer leaf weights, no constant optimisation).

With ``check_every`` the search runs in slices of that many generations (pyoperon's warm start
continues the population) and stops as soon as the caller accepts the front, e.g. on an exact
rational match; with ``restart_every`` a population that has not been accepted after that many
generations is replaced by a fresh one. Genetic searches for a formula either find it early or
stall in a local optimum, so independent restarts raise the success rate per second of search
(h of the minimal models without constant leaves, 10 seeds: 6/10 in 600 generations of one
population, 9/10 within 60 s with a fresh population every 150 generations).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from baselines.cft.search import Accept, Candidate


class OperonEngine:
    """pyoperon search under a wall-time limit, on at most ``max_rows`` training rows.

    Args:
        time_limit: wall-time limit of the whole search in seconds (pyoperon checks it once per
            generation).
        max_rows: rows drawn at random (seeded) for the search when the table is larger; the
            front is scored on every row afterwards. 0 = all rows.
        n_threads: evaluation threads.
        options: keyword arguments of ``pyoperon.sklearn.SymbolicRegressor``; its
            ``generations`` is the budget of the whole search, restarts included.
        check_every: generations between two offers of the front to ``accept`` (0: one run,
            never stopped early).
        restart_every: generations after which an unaccepted population is replaced by a
            fresh one (0: never; a multiple of ``check_every``).
    """

    def __init__(
        self,
        time_limit: int,
        max_rows: int,
        n_threads: int,
        options: Mapping[str, Any],
        check_every: int = 0,
        restart_every: int = 0,
    ) -> None:
        self.time_limit, self.max_rows = int(time_limit), int(max_rows)
        self.n_threads, self.options = int(n_threads), dict(options)
        self.check_every, self.restart_every = int(check_every), int(restart_every)
        if self.restart_every and (not self.check_every or self.restart_every % self.check_every):
            raise ValueError(
                f"engine.restart_every={self.restart_every} must be a multiple of "
                f"engine.check_every={self.check_every} (> 0): restarts happen at checks"
            )

    def search(
        self,
        inputs: np.ndarray,
        target: np.ndarray,
        names: Sequence[str],
        seed: int,
        accept: Accept | None = None,
    ) -> list[Candidate]:
        """The final Pareto front; with ``accept`` and ``check_every``, the first accepted
        front, else the final fronts of every restart together."""
        rng = np.random.default_rng(seed)
        if 0 < self.max_rows < len(target):
            rows = np.sort(rng.choice(len(target), self.max_rows, replace=False))
            inputs, target = inputs[rows], target[rows]
        x, y = np.asarray(inputs, float), np.asarray(target, float)
        budget = int(self.options.get("generations", 1000))
        if accept is None or not self.check_every:
            return self._run(x, y, names, seed, budget, self.time_limit, None)[0]
        deadline = time.monotonic() + self.time_limit
        restart_every = self.restart_every or budget
        finished: list[Candidate] = []
        front: list[Candidate] = []
        regressor, done = None, 0
        while done < budget and time.monotonic() < deadline:
            if done % restart_every == 0:
                regressor = None
            step = min(self.check_every, budget - done)
            slice_seed = int(np.random.SeedSequence([seed, done]).generate_state(1)[0])
            seconds = max(1, math.ceil(deadline - time.monotonic()))
            front, regressor = self._run(x, y, names, slice_seed, step, seconds, regressor)
            done += step
            if accept(front):
                return front
            if done % restart_every == 0 or done >= budget:
                finished.extend(front)
        return finished or front

    def _run(
        self,
        x: np.ndarray,
        y: np.ndarray,
        names: Sequence[str],
        seed: int,
        generations: int,
        seconds: int,
        regressor: Any,
    ) -> tuple[list[Candidate], Any]:
        """``generations`` more generations of ``regressor`` (a new one if None): its front."""
        import pyoperon as op
        from pyoperon.sklearn import SymbolicRegressor

        continuing = regressor is not None
        if not continuing:
            regressor = SymbolicRegressor(**self.options, n_threads=self.n_threads)
        regressor.set_params(  # a warm start of an unfitted search is not reproducible
            generations=generations, max_time=seconds, random_state=seed, warm_start=continuing
        )
        regressor.fit(x, y)
        labels = {key: names[i] for i, key in enumerate(regressor.variables_)}
        scale = float(np.mean(y**2)) or 1.0
        front = [
            Candidate(
                op.InfixFormatter.Format(s["tree"], labels, 17),
                int(s["length"]),
                float(s["mean_squared_error"]) / scale,
            )
            for s in regressor.pareto_front_
        ]
        return front, regressor
