"""Simulated current statistics of the ``mft`` task: its canonical test split.

A *case* is a model (walkers | ssep) in a setting (annealed | quenched) at density ρ. Each
case has two simulated systems: the equilibrium system (ρ_a = ρ_b = ρ), whose two-time
correlation carries σ/√D, and a step (ρ_a ≠ ρ_b), whose mean current carries D (see
:mod:`tasks.mft.mft_form`). Samples are simulated in independent batches by
:func:`baselines.parallel.map_systems` (one seed stream per batch, resumable) and reduced to
cumulants and two-time correlations with jackknife errors. Besides these inputs the split
holds the raw samples, the exact continuum values (references, hidden from predictors) and the
number of simulated events (provenance); CPU times are logged, not stored. The parts are
declared in :mod:`tasks.mft.spec`.

The split is fixed by ``data_seed`` (not the run seed), so every run and the leaderboard see
the same data; batches are seeded alike for any number of workers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader

from baselines.mft.estimators import current_statistics
from baselines.mft.formulas import (
    diffusivity,
    mean_current_mft,
    scaling_function,
    sigma,
    two_time_mft,
)
from baselines.mft.lattice import MODELS, SETTINGS, box_half_width, end_effect_bound
from baselines.mft.simulate import simulate
from baselines.parallel import map_systems
from tasks.splits import Split, canonical_split

log = logging.getLogger(__name__)


def simulate_batch(item: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """One batch of samples of one system (a :func:`map_systems` item)."""
    rng = np.random.default_rng(item["seed"])
    start = time.process_time()
    q, events = simulate(
        item["model"], item["setting"], item["rho_a"], item["rho_b"], item["half_width"],
        item["times"], item["n"], rng,
    )  # fmt: skip
    seconds = time.process_time() - start  # CPU time: throughput is robust to shared cores
    return {"q": q, "events": np.array(events), "seconds": np.array(seconds)}


def system_table(cases: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The equilibrium and step systems of every case, validated, in split order."""
    systems = []
    for index, case in enumerate(cases):
        if case["model"] not in MODELS or case["setting"] not in SETTINGS:
            raise ValueError(
                f"case {case['name']!r}: model must be one of {MODELS}, setting one of {SETTINGS}"
            )
        rho_a, rho_b = (float(r) for r in case["step"])
        if rho_a == rho_b:
            raise ValueError(f"case {case['name']!r}: the step needs ρ_a ≠ ρ_b, got {rho_a}")
        common = {"case": index, "model": case["model"], "setting": case["setting"]}
        rho = float(case["rho"])
        for role, (a, b), n in (
            ("equilibrium", (rho, rho), case["samples"]),
            ("step", (rho_a, rho_b), case["step_samples"]),
        ):
            name = f"{case['name']}/{role}"
            systems.append(
                {**common, "role": role, "rho_a": a, "rho_b": b, "n": int(n), "name": name}
            )
    return systems


def build_split(
    cases: Sequence[Mapping[str, Any]],
    simulation: Mapping[str, Any],
    scaling_points: int,
    data_seed: int,
    parts_dir: Path | None,
) -> dict[str, np.ndarray]:
    """Simulate every system and reduce it to the arrays of the test split."""
    times = np.asarray(simulation["times"], float)
    half_width = box_half_width(times[-1], float(simulation["box_sigmas"]))
    systems = system_table(cases)
    batch = int(simulation["batch"])
    items = []
    for index, system in enumerate(systems):
        sizes = [batch] * (system["n"] // batch) + (
            [system["n"] % batch] if system["n"] % batch else []
        )
        items += [{**system, "system": index, "n": size, "half_width": half_width,
                   "times": times.tolist()} for size in sizes]  # fmt: skip
    for item, seed in zip(items, np.random.SeedSequence(data_seed).spawn(len(items)), strict=True):
        item["seed"] = seed
    results = map_systems(
        simulate_batch, items, description=f"mft: simulating {len(systems)} systems",
        parts_dir=parts_dir,
    )  # fmt: skip
    per_system = [[r for r, item in zip(results, items, strict=True) if item["system"] == s]
                  for s in range(len(systems))]  # fmt: skip
    for system, group in zip(systems, per_system, strict=True):
        events, seconds = (
            sum(int(r["events"]) for r in group),
            sum(float(r["seconds"]) for r in group),
        )
        log.info("%s: %.3g events in %.3g CPU s (%.3g events/s per core)", system["name"],
                 events, seconds, events / max(seconds, 1e-9))  # fmt: skip
    samples = [np.concatenate([r["q"] for r in group]) for group in per_system]
    stats = [current_statistics(q, int(simulation["jackknife_groups"])) for q in samples]
    arrays = _system_arrays(systems, times, stats)
    arrays |= _case_arrays(cases, scaling_points)
    arrays |= _exact_arrays(systems, times)
    arrays |= {
        "samples": np.concatenate(samples),
        "samples_system": np.repeat(np.arange(len(systems)), [len(q) for q in samples]),
        "events": np.array([sum(int(r["events"]) for r in group) for group in per_system]),
        "half_width": np.array(half_width),
        "end_effect_bound": np.array(end_effect_bound(half_width, times[-1])),
    }
    return arrays


def _system_arrays(systems, times, stats) -> dict[str, np.ndarray]:
    return {
        "t": times,
        "system": np.array([s["name"] for s in systems]),
        "system_case": np.array([s["case"] for s in systems]),
        "system_role": np.array([s["role"] for s in systems]),
        "model": np.array([s["model"] for s in systems]),
        "setting": np.array([s["setting"] for s in systems]),
        "rho_a": np.array([s["rho_a"] for s in systems]),
        "rho_b": np.array([s["rho_b"] for s in systems]),
        "n_samples": np.array([s["n"] for s in systems]),
        "cumulants": np.stack([est["cumulants"] for est, _ in stats]),
        "cumulants_err": np.stack([err["cumulants"] for _, err in stats]),
        "corr": np.stack([est["corr"] for est, _ in stats]),
        "corr_err": np.stack([err["corr"] for _, err in stats]),
    }


def _case_arrays(cases, scaling_points: int) -> dict[str, np.ndarray]:
    r = np.linspace(0.0, 1.0, int(scaling_points))
    sig = np.array([sigma(c["model"], float(c["rho"])) for c in cases])
    dif = np.array([diffusivity(c["model"], float(c["rho"])) for c in cases])
    return {
        "case": np.array([c["name"] for c in cases]),
        "case_model": np.array([c["model"] for c in cases]),
        "case_setting": np.array([c["setting"] for c in cases]),
        "case_rho": np.array([float(c["rho"]) for c in cases]),
        "sigma_exact": sig,
        "d_exact": dif,
        "r": r,
        "scaling_exact": np.stack(
            [
                scaling_function(c["setting"], s, d, r)
                for c, s, d in zip(cases, sig, dif, strict=True)
            ]
        ),
    }


def _exact_arrays(systems, times) -> dict[str, np.ndarray]:
    """Continuum MFT mean current (all systems) and two-time correlation (equilibrium ones)."""
    t1, t2 = np.meshgrid(times, times, indexing="ij")
    mean, corr = [], []
    for s in systems:
        d = diffusivity(s["model"], 0.5 * (s["rho_a"] + s["rho_b"]))
        mean.append(mean_current_mft(s["rho_a"], s["rho_b"], d, times))
        if s["role"] == "equilibrium":
            corr.append(two_time_mft(s["setting"], sigma(s["model"], s["rho_a"]), d, t1, t2))
        else:
            corr.append(np.full_like(t1, np.nan))
    return {"mean_exact": np.stack(mean), "corr_exact": np.stack(corr)}


class MFTDataModule(L.LightningDataModule):
    """The simulated test split, and its inputs as the (single, full) training batch.

    Args:
        cases: rows ``name, model, setting, rho, step: [ρ_a, ρ_b], samples, step_samples``.
        simulation: ``times`` (recording times, increasing), ``box_sigmas`` (box half-width in
            walk standard deviations at the last time), ``batch`` (samples per work item),
            ``jackknife_groups``.
        scaling_points: points of the r ∈ [0, 1] grid of the scaling function.
        data_seed: seed of the simulation (fixes the official split).
        steps: optimisation steps (length of the training loader).
        cache_dir: data root of the split store (``None``: build in memory, write nothing).
        seed: run seed (unused by the data; kept for the harness contract).
    """

    def __init__(
        self,
        cases: Sequence[Mapping[str, Any]],
        simulation: Mapping[str, Any],
        scaling_points: int,
        data_seed: int,
        steps: int,
        cache_dir: str | None,
        seed: int,
    ) -> None:
        super().__init__()
        self.cases = [dict(case) for case in cases]
        self.simulation = dict(simulation)
        self.scaling_points = int(scaling_points)
        self.data_seed = int(data_seed)
        self.steps = int(steps)
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._test: Split | None = None

    def generator_config(self) -> dict[str, Any]:
        """Everything the split depends on (JSON-able; keys its store entry)."""
        return {
            "generator": "mft-simulation-1",
            "cases": self.cases,
            "simulation": self.simulation,
            "scaling_points": self.scaling_points,
            "data_seed": self.data_seed,
        }

    def test_split(self) -> Split:
        """The canonical simulated split (built once, then read from the store and verified)."""
        if self._test is None:
            self._test = canonical_split(
                "mft", self.generator_config(),
                lambda parts: build_split(
                    self.cases, self.simulation, self.scaling_points, self.data_seed, parts
                ),
                self.cache_dir,
            )  # fmt: skip
        return self._test

    def train_dataloader(self) -> DataLoader:
        """``steps`` copies of one batch: the split's numeric inputs (raw samples aside) as
        float64 tensors."""
        batch = {
            key: torch.from_numpy(np.array(value, np.float64))  # a writable copy
            for key, value in self.test_split().inputs.items()
            if value.dtype.kind in "fiu" and key not in ("samples", "samples_system")
        }
        return DataLoader([batch] * self.steps, batch_size=None, shuffle=False)
