"""Summary statistics, markdown table and plot of the engine benchmark.

A run that has no feasible point yet at some evaluation has an infinite
regret there. Quantiles treat infinity as larger than every number, so the
median regret is finite only when more than half of the seeds have found a
feasible point.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from benchmarks.engine import RunResult

logger = logging.getLogger(__name__)

__all__ = [
    "SummaryRow",
    "checkpoints_for",
    "plot_regret",
    "quantile",
    "summary_markdown",
    "summary_rows",
]

SEARCHER_LABELS = {
    "random": "RandomSearch",
    "bo": "BayesOpt",
    "cbo": "ConstrainedBayesOpt",
}
SEARCHER_COLORS = {"random": "tab:gray", "bo": "tab:blue", "cbo": "tab:red"}
# Regret below this is drawn at this value on the log axis.
REGRET_FLOOR = 1e-9


def checkpoints_for(n_evals: int) -> list[int]:
    """Return the evaluations at which the table reports regret.

    A third, two thirds and all of the budget: 20, 40 and 60 for 60
    evaluations.
    """
    points = sorted({max(1, round(n_evals * k / 3)) for k in (1, 2, 3)})
    return points


def quantile(values: Sequence[float], q: float) -> float:
    """Return the ``q`` quantile with linear interpolation, allowing +inf.

    ``numpy.quantile`` returns NaN when it interpolates next to an infinite
    value, so this helper returns +inf whenever the interpolation involves an
    infinite neighbour with non-zero weight.
    """
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = q * (len(ordered) - 1)
    lower = math.floor(position)
    upper = math.ceil(position)
    weight = position - lower
    if weight == 0.0:
        return ordered[lower]
    if math.isinf(ordered[upper]) or math.isinf(ordered[lower]):
        return math.inf
    return ordered[lower] + weight * (ordered[upper] - ordered[lower])


def _regret_at(run: RunResult, evaluation: int) -> float:
    """Return the regret after ``evaluation`` (1-based), +inf when none."""
    if len(run.regret) < evaluation:
        return math.inf
    value = run.regret[evaluation - 1]
    return math.inf if math.isnan(value) else value


@dataclass
class SummaryRow:
    """Statistics of one searcher on one problem over its seeds.

    Attributes
    ----------
    problem, searcher : str
    runs : int
        Number of seeds.
    failed_runs : int
        Runs that ended with an exception.
    regret : dict of int to (median, q25, q75)
        Regret quantiles at each checkpoint.
    first_feasible_median : float
        Median 1-based evaluation of the first feasible point (+inf when more
        than half of the seeds found none).
    feasible_fraction : float
        Fraction of seeds with a feasible point within the budget.
    suggest_ms_median : float
        Median ``suggest()`` wall time over every call of every seed.
    """

    problem: str
    searcher: str
    runs: int
    failed_runs: int
    regret: dict[int, tuple[float, float, float]]
    first_feasible_median: float
    feasible_fraction: float
    suggest_ms_median: float


def summary_rows(
    results: Sequence[RunResult], checkpoints: Sequence[int]
) -> list[SummaryRow]:
    """Group the runs by problem and searcher and summarise each group."""
    groups: dict[tuple[str, str], list[RunResult]] = {}
    for run in results:
        groups.setdefault((run.problem, run.searcher), []).append(run)
    rows = []
    for (problem, searcher), runs in groups.items():
        regret = {}
        for k in checkpoints:
            values = [_regret_at(r, k) for r in runs]
            regret[k] = (
                quantile(values, 0.5),
                quantile(values, 0.25),
                quantile(values, 0.75),
            )
        first = [
            math.inf if r.first_feasible is None else r.first_feasible for r in runs
        ]
        times = [t for r in runs for t in r.suggest_seconds]
        rows.append(
            SummaryRow(
                problem=problem,
                searcher=searcher,
                runs=len(runs),
                failed_runs=sum(r.error is not None for r in runs),
                regret=regret,
                first_feasible_median=quantile(first, 0.5),
                feasible_fraction=sum(r.first_feasible is not None for r in runs)
                / len(runs),
                suggest_ms_median=1000.0 * float(np.median(times))
                if times
                else math.nan,
            )
        )
    return rows


def _fmt(value: float) -> str:
    if math.isinf(value):
        return "inf"
    if math.isnan(value):
        return "n/a"
    return f"{value:.3g}"


def _regret_cell(stats: tuple[float, float, float]) -> str:
    median, q25, q75 = stats
    return f"{_fmt(median)} [{_fmt(q25)}, {_fmt(q75)}]"


def _verdict_lines(rows: Sequence[SummaryRow], checkpoints: Sequence[int]) -> list[str]:
    """Return one line per problem comparing ConstrainedBayesOpt with the rest."""
    by_key = {(r.problem, r.searcher): r for r in rows}
    problems = list(dict.fromkeys(r.problem for r in rows))
    lines = []
    for problem in problems:
        cbo = by_key.get((problem, "cbo"))
        others = [
            by_key[(problem, s)] for s in ("random", "bo") if (problem, s) in by_key
        ]
        if cbo is None or not others:
            continue
        parts = []
        for k in checkpoints:
            best_other = min(o.regret[k][0] for o in others)
            mine = cbo.regret[k][0]
            mark = "lower" if mine < best_other else "NOT lower"
            parts.append(f"@{k}: {_fmt(mine)} vs {_fmt(best_other)} ({mark})")
        random_row = by_key.get((problem, "random"))
        if random_row is not None:
            ok = cbo.first_feasible_median <= random_row.first_feasible_median
            parts.append(
                f"first feasible {_fmt(cbo.first_feasible_median)} vs random "
                f"{_fmt(random_row.first_feasible_median)} "
                f"({'no later' if ok else 'LATER'})"
            )
        lines.append(f"- {problem}: " + "; ".join(parts))
    return lines


def summary_markdown(
    rows: Sequence[SummaryRow], checkpoints: Sequence[int], meta: dict[str, Any]
) -> str:
    """Return the summary as markdown: a table and a verdict per problem."""
    header = (
        ["Problem", "Searcher"]
        + [f"Regret @{k}: median [IQR]" for k in checkpoints]
        + ["First feasible (median eval)", "Seeds feasible", "suggest() median ms"]
    )
    lines = [
        f"Seeds: {meta.get('seeds')}, evaluations per run: {meta.get('evals')}. "
        "Regret = best feasible objective - known optimum. A run without a "
        "feasible point yet counts as infinite regret, so `inf` in a median "
        "means that more than half of the seeds had none.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for row in rows:
        cells = [row.problem, SEARCHER_LABELS.get(row.searcher, row.searcher)]
        cells += [_regret_cell(row.regret[k]) for k in checkpoints]
        cells += [
            _fmt(row.first_feasible_median),
            f"{row.feasible_fraction:.0%}",
            _fmt(row.suggest_ms_median),
        ]
        if row.failed_runs:
            cells[1] += f" ({row.failed_runs} failed)"
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "ConstrainedBayesOpt median regret against the better of RandomSearch and "
        "BayesOpt:",
        "",
        *_verdict_lines(rows, checkpoints),
        "",
    ]
    return "\n".join(lines)


def _regret_matrix(runs: Sequence[RunResult], n_evals: int) -> np.ndarray:
    matrix = np.full((len(runs), n_evals), np.inf)
    for i, run in enumerate(runs):
        for k in range(1, n_evals + 1):
            matrix[i, k - 1] = _regret_at(run, k)
    return matrix


def plot_regret(results: Sequence[RunResult], path: Path) -> None:
    """Plot median regret with its interquartile band, one panel per problem.

    The band is cut at the top of the axis where more than a quarter of the
    seeds have no feasible point yet, and the median line starts once more
    than half of them have one.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    problems = list(dict.fromkeys(r.problem for r in results))
    n_cols = 2 if len(problems) > 1 else 1
    n_rows = math.ceil(len(problems) / n_cols)
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(6.0 * n_cols, 4.0 * n_rows), squeeze=False
    )
    for ax, problem in zip(axes.flat, problems, strict=False):
        runs_by_searcher: dict[str, list[RunResult]] = {}
        for run in results:
            if run.problem == problem:
                runs_by_searcher.setdefault(run.searcher, []).append(run)
        n_evals = max(len(r.regret) for rs in runs_by_searcher.values() for r in rs)
        finite = [
            v
            for rs in runs_by_searcher.values()
            for r in rs
            for v in r.regret
            if math.isfinite(v)
        ]
        top = max(finite) * 3.0 if finite else 1.0
        x = np.arange(1, n_evals + 1)
        for searcher, runs in runs_by_searcher.items():
            matrix = _regret_matrix(runs, n_evals)
            stats = np.array(
                [[quantile(col, q) for q in (0.5, 0.25, 0.75)] for col in matrix.T]
            )
            median = np.where(np.isinf(stats[:, 0]), np.nan, stats[:, 0])
            low = np.where(np.isinf(stats[:, 1]), np.nan, stats[:, 1])
            high = np.where(np.isinf(stats[:, 2]), top, stats[:, 2])
            color = SEARCHER_COLORS.get(searcher)
            label = SEARCHER_LABELS.get(searcher, searcher)
            ax.plot(x, np.maximum(median, REGRET_FLOOR), color=color, label=label)
            ax.fill_between(
                x,
                np.maximum(low, REGRET_FLOOR),
                np.maximum(high, REGRET_FLOOR),
                where=~np.isnan(low),
                color=color,
                alpha=0.2,
                linewidth=0,
            )
        ax.set_yscale("log")
        ax.set_ylim(top=top)
        ax.set_title(problem)
        ax.set_xlabel("evaluation")
        ax.set_ylabel("best feasible regret")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize="small")
    for ax in list(axes.flat)[len(problems) :]:
        ax.set_visible(False)
    fig.suptitle("Median best-feasible regret with interquartile band")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    logger.info("wrote %s", path)
