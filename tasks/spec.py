"""The task contract: what a task is, declared once in code beside it, found by name.

Every task package ``tasks/<name>/`` holds a ``spec.py`` with ``SPEC = TaskSpec(...)``:

- the test split's schema in three disjoint parts: ``inputs`` (what a predictor may read),
  ``references`` (read only by the evaluator) and ``provenance`` (timings, diagnostics, sampler
  statistics: stored with the split, never checksummed), each array with meaning, unit and the
  tolerances within which a rebuild on another machine must reproduce it;
- its metrics with unit and direction (lower or higher is better), and the primary one;
- the sample key (an input counted along its first axis), the models and baselines that belong
  to it (config names in ``conf/model`` and ``conf/baseline``), the default of each, and which
  baselines compute the reference answer itself (``exact_methods``: shown on the board as
  references, never ranked);
- where its code lives: evaluator (NumPy only), data module, plotter and report hook, as
  :class:`CodeRef` constants written here, never strings from a config or a submission.

:func:`get_task` and :func:`task_names` are the registry that ``bench``, ``leaderboard`` and the
tests iterate over; built-in tasks are discovered from this package, and a task living elsewhere
joins with :func:`register` (its configs in its own ``conf_dir``, added to Hydra's search path).
A spec that contradicts itself fails at import, naming the task. This module imports no torch.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
PARTS = ("inputs", "references", "provenance")


class SpecError(ValueError):
    """A task spec is incomplete or contradicts itself."""


@dataclass(frozen=True)
class Array:
    """One array of a split: what it is, its unit, and its reproducibility tolerances.

    A rebuilt array ``b`` reproduces the stored ``a`` when ``|a - b| <= atol + rtol |a|``
    elementwise (NaN equal to NaN); integer, boolean and string arrays must be identical.
    """

    meaning: str
    unit: str = "1"
    rtol: float = 1e-9
    atol: float = 1e-12


@dataclass(frozen=True)
class Metric:
    """A scored quantity: unit and which way is better."""

    meaning: str
    unit: str
    direction: Literal["lower", "higher"]

    def better(self, a: float, b: float) -> bool:
        """Whether value ``a`` beats ``b`` under this metric's direction."""
        return a < b if self.direction == "lower" else a > b


@dataclass(frozen=True)
class CodeRef:
    """A function or class named in code as ``"package.module:attribute"``, imported on use.

    Lets a spec name heavy code (torch data modules, matplotlib plotters) without importing it.
    """

    target: str

    def load(self) -> Any:
        """The referenced object."""
        module, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class TaskSpec:
    """The declared contract of one task (see the module docstring)."""

    name: str
    description: str
    inputs: Mapping[str, Array]
    references: Mapping[str, Array]
    provenance: Mapping[str, Array]
    metrics: Mapping[str, Metric]
    primary_metric: str
    sample_key: str
    models: tuple[str, ...]
    baselines: tuple[str, ...]
    default_model: str
    default_baseline: str
    evaluator: CodeRef
    datamodule: CodeRef
    plotter: CodeRef | None = None
    report: CodeRef | None = None
    exact_methods: tuple[str, ...] = ()
    conf_dir: Path | None = None

    def __post_init__(self) -> None:
        for part in (*PARTS, "metrics"):
            object.__setattr__(self, part, MappingProxyType(dict(getattr(self, part))))
        problems = list(self._problems())
        if problems:
            raise SpecError(f"task spec {self.name!r} is invalid: " + "; ".join(problems))

    def _problems(self):
        if not NAME.fullmatch(self.name):
            yield f"name must match {NAME.pattern}"
        seen: dict[str, str] = {}
        for part in PARTS:
            for key, array in getattr(self, part).items():
                if key in seen:
                    yield f"array {key!r} is listed in both {seen[key]} and {part}"
                seen[key] = part
                if not NAME.fullmatch(key):
                    yield f"array name {key!r} must match {NAME.pattern}"
                if not isinstance(array, Array):
                    yield f"{part}[{key!r}] must be an Array"
        if not self.references:
            yield "no references: a task is scored against something"
        for key, metric in self.metrics.items():
            if not isinstance(metric, Metric) or metric.direction not in ("lower", "higher"):
                yield f"metric {key!r} needs a direction, 'lower' or 'higher'"
        if self.primary_metric not in self.metrics:
            yield f"primary metric {self.primary_metric!r} is not among its metrics"
        if self.sample_key not in self.inputs:
            yield f"sample key {self.sample_key!r} is not an input"
        for kind, names, default in (
            ("model", self.models, self.default_model),
            ("baseline", self.baselines, self.default_baseline),
        ):
            for name in names:
                if not NAME.fullmatch(name):
                    yield f"{kind} name {name!r} must match {NAME.pattern}"
            if default not in names:
                yield f"default {kind} {default!r} is not among its {kind}s {list(names)}"
        for name in self.exact_methods:
            if name not in self.baselines:
                yield f"exact method {name!r} is not among its baselines"

    @property
    def arrays(self) -> dict[str, tuple[str, Array]]:
        """Every declared array: name -> (part, declaration)."""
        return {key: (part, a) for part in PARTS for key, a in getattr(self, part).items()}

    def part_of(self, key: str) -> str:
        """``inputs``, ``references`` or ``provenance`` for a declared array."""
        try:
            return self.arrays[key][0]
        except KeyError:
            raise SpecError(
                f"task {self.name!r} declares no array {key!r}; declared: {sorted(self.arrays)}"
            ) from None

    def kind_of(self, method: str) -> str | None:
        """``model``, ``baseline``, ``reference`` (an exact method: shown, never ranked) or
        ``None`` for a method name."""
        if method in self.models:
            return "model"
        if method in self.exact_methods:
            return "reference"
        return "baseline" if method in self.baselines else None

    def load_evaluator(self) -> Callable[[Mapping, Mapping], dict[str, float]]:
        """The task's NumPy-only scorer ``evaluate(predictions, split) -> metrics``."""
        return self.evaluator.load()


_BUILTIN: dict[str, TaskSpec] | None = None
_REGISTERED: dict[str, TaskSpec] = {}


def _builtin() -> dict[str, TaskSpec]:
    """Specs of the task packages shipped here (every ``tasks/<name>/spec.py``)."""
    global _BUILTIN
    if _BUILTIN is None:
        found = {}
        for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
            if module.ispkg and (Path(__file__).parent / module.name / "spec.py").is_file():
                spec = importlib.import_module(f"tasks.{module.name}.spec").SPEC
                if spec.name != module.name:
                    raise SpecError(f"tasks/{module.name}/spec.py declares task {spec.name!r}")
                found[spec.name] = spec
        _BUILTIN = found
    return _BUILTIN


def register(spec: TaskSpec) -> None:
    """Add a task defined outside this package (its configs in ``spec.conf_dir``)."""
    if spec.name in _builtin() or spec.name in _REGISTERED:
        raise SpecError(f"a task named {spec.name!r} is already registered")
    if spec.conf_dir is None or not Path(spec.conf_dir).is_dir():
        raise SpecError(f"task {spec.name!r}: conf_dir {spec.conf_dir} is not a directory")
    _REGISTERED[spec.name] = spec


def unregister(name: str) -> None:
    """Remove a task added with :func:`register`."""
    _REGISTERED.pop(name, None)


def task_names() -> list[str]:
    """Names of every known task, sorted."""
    return sorted({**_builtin(), **_REGISTERED})


def get_task(name: Any) -> TaskSpec:
    """The spec of task ``name``; a clear error listing the valid names otherwise."""
    specs = {**_builtin(), **_REGISTERED}
    if not isinstance(name, str) or name not in specs:
        raise KeyError(f"unknown task {name!r}; known tasks: {', '.join(sorted(specs))}")
    return specs[name]


def extra_conf_dirs() -> list[Path]:
    """Config directories of registered outside tasks (for Hydra's search path)."""
    return [Path(spec.conf_dir) for spec in _REGISTERED.values()]
