"""The seed's regime tables (its Tables 3-6) from engine studies.

A study (``exactbench ablate ablation=cft_engines``) runs one engine over the 3 × 3 grid of data
regimes, ``task.n_theories`` × ``task.primary_fraction``, at several seeds. Per regime this
report gives the exact-recovery rate and the median wall time of the search, laid out like the
seed's tables (rows: fraction of each theory's primaries; columns: theories), one table per
engine, family and integer-column setting found in the studies' run records. Under each table
the seed's PySR loss of the same regime is quoted (its Tables 3 and 5: PySR reported loss,
score and complexity, not a recovery rate; a loss of 0 is an exact equation).

    exactbench report task=cft 'task.report.studies=[multirun/ablation_cft_engines/<date-time>]'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.aggregate import collect

THEORIES = (100, 200, 300)
FRACTIONS = (0.1, 0.3, 0.5)


def _seed_table(rows: Sequence[Sequence[float]]) -> dict[tuple[int, float], float]:
    """A seed table's cells by (theories, fraction) from its rows (fractions) of columns."""
    return {
        (n, fraction): value
        for fraction, row in zip(FRACTIONS, rows, strict=True)
        for n, value in zip(THEORIES, row, strict=True)
    }


# (family, integer columns offered) -> the seed's PySR loss (its Table 3: WZW, Table 5: minimal).
SEED_PYSR_LOSS = {
    ("wzw", False): _seed_table(
        [
            [9.449299e-12, 8.151944e-12, 1.159401e-09],
            [1.844283e-08, 2.044487e-14, 2.545054e-08],
            [1.279936e-11, 5.608435e-14, 8.549776e-12],
        ]
    ),
    ("wzw", True): _seed_table(
        [[0.0, 0.0, 1.119128e-16], [0.0, 4.189906e-15, 1.013663e-14], [0.0, 2.367243e-14, 0.0]]
    ),
    ("minimal", False): _seed_table(
        [
            [1.161e-3, 3.779e-3, 6.590e-3],
            [3.489e-5, 6.13e-4, 1.219e-3],
            [3.22e-4, 6.01e-4, 1.057e-3],
        ]
    ),
    ("minimal", True): _seed_table(
        [
            [9.62e-4, 4.225e-3, 7.488e-3],
            [7.3412e-2, 0.374559, 0.586004],
            [2.64e-4, 1.137e-3, 2.6394e-2],
        ]
    ),
}


def regime_cells(studies: Sequence[Path]) -> dict[tuple, dict[tuple[int, float], list]]:
    """(method, family, integer columns) -> (theories, fraction) -> [(exact, seconds), ...]."""
    cells: dict[tuple, dict[tuple[int, float], list]] = defaultdict(lambda: defaultdict(list))
    for study in studies:
        for _, record in collect(Path(study)):
            task = record.config["task"]
            table = (record.method, str(task["source"]), int(task.get("integer_columns", 0)))
            regime = (int(task["n_theories"]), float(task["primary_fraction"]))
            outcome = (float(record.metrics["exact"]), float(record.metrics["search_seconds"]))
            cells[table][regime].append(outcome)
    return cells


def markdown_table(table: tuple, cells: dict[tuple[int, float], list]) -> str:
    """One engine's regime table: 'k/n exact, median t s' per cell, the seed's loss below."""
    method, family, integers = table
    title = f"**{method}**, h of the {family} models, integer columns: {integers or 'none'}"
    lines = [title, "", "| primaries | " + " | ".join(f"{n} theories" for n in THEORIES) + " |"]
    lines.append("|---" * (len(THEORIES) + 1) + "|")
    for fraction in FRACTIONS:
        row = []
        for n in THEORIES:
            runs = cells.get((n, fraction), [])
            exact = sum(e == 1 for e, _ in runs)
            median = np.median([s for _, s in runs]) if runs else np.nan
            row.append(f"{exact}/{len(runs)} exact, {median:.0f} s" if runs else "not run")
        lines.append(f"| {fraction:.0%} | " + " | ".join(row) + " |")
    quoted = SEED_PYSR_LOSS.get((family, integers > 0))
    if quoted:
        for fraction in FRACTIONS:
            losses = " | ".join(f"{quoted[(n, fraction)]:.3g}" for n in THEORIES)
            lines.append(f"| {fraction:.0%}, seed's PySR loss | {losses} |")
    return "\n".join(lines)


def write_regime_tables(studies: Sequence[str], out_dir: Path) -> list[Path]:
    """``regimes.md`` in ``out_dir``: every table found in the ``studies`` directories."""
    if not studies:
        raise SystemExit(
            "exactbench report task=cft: name the engine studies to tabulate, e.g. "
            "'task.report.studies=[multirun/ablation_cft_engines/<date-time>]' "
            "(run them with exactbench ablate ablation=cft_engines)"
        )
    cells = regime_cells([Path(study) for study in studies])
    text = "\n\n".join(markdown_table(table, cells[table]) for table in sorted(cells)) + "\n"
    path = Path(out_dir) / "regimes.md"
    path.write_text(text)
    print(text)
    return [path]
