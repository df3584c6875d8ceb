"""Turn run records into summary tables and best-feasible plots.

For every task and optimizer the report gives, over seeds: the median and
interquartile range (25th-75th percentile) of the best feasible objective
after 10, 20 and 50 trials (a seed with no feasible point yet counts as the
worst possible value), the regret at the end against the best achievable
value, the fraction of seeds with a feasible point, the median trial of the
first feasible point, the median optimizer overhead per trial (suggest plus
observe, objective excluded), and the test-part accuracy and fairness of
the configuration each seed chooses.
"""

from __future__ import annotations

import json
import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from benchmarks.peers.cache import EvaluationCache
from benchmarks.peers.tasks import Task, get_task

logger = logging.getLogger(__name__)

CHECKPOINTS = (10, 20, 50)
#: Smallest regret drawn on the log axis of the synthetic tasks' plots.
_REGRET_FLOOR = 1e-6
#: Display order of the optimizers in tables and legends.
ORDER = (
    "fairbo-cbo",
    "fairbo-bo",
    "fairbo-random",
    "optuna-gp-constrained",
    "optuna-tpe-constrained",
    "optuna-gp",
    "synetune-cbo",
)


def load_records(out_dir: str | Path) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Return records grouped as ``{task: {optimizer: [record, ...]}}``."""
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for path in sorted(Path(out_dir).glob("*/*/seed*.json")):
        record = json.loads(path.read_text())
        grouped[record["task"]][record["optimizer"]].append(record)
    return grouped


def best_feasible_curve(task: Task, record: dict[str, Any]) -> np.ndarray:
    """Best feasible objective after each trial; NaN before the first one."""
    curve = np.full(len(record["trials"]), np.nan)
    best = math.nan
    for index, trial in enumerate(record["trials"]):
        value = trial["metrics"].get(task.metric)
        if trial["feasible"] and value is not None and math.isfinite(value):
            if math.isnan(best) or task.better(value, best):
                best = value
        curve[index] = best
    return curve


def quantiles(values: Sequence[float], maximize: bool) -> tuple[float, float, float]:
    """25th, 50th and 75th percentiles, a NaN (no feasible point) being worst.

    Linear interpolation between order statistics; an interpolation that
    touches a NaN gives NaN, shown as "none" in the tables.
    """
    worst = -math.inf if maximize else math.inf
    ordered = sorted(worst if math.isnan(v) else v for v in values)
    result = []
    for q in (0.25, 0.5, 0.75):
        position = q * (len(ordered) - 1)
        low, high = ordered[math.floor(position)], ordered[math.ceil(position)]
        if math.isinf(low) or math.isinf(high):
            result.append(math.nan)
        else:
            result.append(low + (high - low) * (position - math.floor(position)))
    return result[0], result[1], result[2]


def best_achievable(
    task: Task, cache_path: str | None, records: Any
) -> tuple[float, str]:
    """Known optimum, or the best feasible value among all evaluations seen."""
    if task.known_optimum is not None:
        return task.known_optimum, "known optimum"
    values = [
        m[task.metric]
        for m in EvaluationCache(cache_path).all_results(task.objective_name)
        if task.is_feasible(m)
    ]
    for runs in records.values():
        for record in runs:
            values += [
                t["metrics"][task.metric] for t in record["trials"] if t["feasible"]
            ]
    if not values:
        return math.nan, "no feasible evaluation"
    best = max(values) if task.mode == "max" else min(values)
    return best, f"estimate: best of {len(values)} feasible evaluations"


def summarize(task: Task, runs: list[dict[str, Any]], optimum: float) -> dict[str, Any]:
    """Compute one table row (see the module docstring) for one optimizer."""
    curves = [best_feasible_curve(task, record) for record in runs]
    n_trials = min(len(curve) for curve in curves)
    row: dict[str, Any] = {"seeds": len(runs), "trials": n_trials}
    for checkpoint in CHECKPOINTS:
        if checkpoint <= n_trials:
            values = [c[checkpoint - 1] for c in curves]
            row[f"at{checkpoint}"] = quantiles(values, task.mode == "max")
    # Regret is >= 0 and smaller is better in both modes; NaN stays NaN.
    sign = 1.0 if task.mode == "max" else -1.0
    regrets = [sign * (optimum - c[n_trials - 1]) for c in curves]
    row["regret"] = quantiles(regrets, maximize=False)
    feasible_first = [
        next((i + 1 for i, t in enumerate(r["trials"]) if t["feasible"]), None)
        for r in runs
    ]
    found = [f for f in feasible_first if f is not None]
    row["feasible_fraction"] = len(found) / len(runs)
    row["first_feasible"] = float(np.median(found)) if found else math.nan
    overheads = [t["suggest_s"] + t["observe_s"] for r in runs for t in r["trials"]]
    row["overhead_ms"] = 1000.0 * float(np.median(overheads))
    row["overhead_p90_ms"] = 1000.0 * float(np.percentile(overheads, 90))
    tests = [r["test"]["metrics"] for r in runs if r.get("test")]
    if tests and task.fairness_metric is not None:
        row["test_metric"] = float(np.median([t[task.metric] for t in tests]))
        row["test_fairness"] = float(
            np.median([t[task.fairness_metric] for t in tests])
        )
        row["test_violations"] = sum(
            t[task.fairness_metric] > task.constraints[task.fairness_metric]
            for t in tests
        )
        row["test_runs"] = len(tests)
        # A constant predictor meets any parity bound by giving up; count how
        # often the chosen configuration is one on a validation fold.
        row["chosen_constant"] = sum(
            r["trials"][r["test"]["trial"]]["metrics"].get("constant_predictor", 0.0)
            == 1.0
            for r in runs
            if r.get("test")
        )
    return row


def _format_value(value: float, digits: int = 4) -> str:
    return "none" if math.isnan(value) else f"{value:.{digits}f}"


def _format_quantiles(q: tuple[float, float, float] | None) -> str:
    if q is None:
        return ""
    median, low, high = q[1], q[0], q[2]
    if math.isnan(median):
        return "none"
    return f"{median:.4f} [{_format_value(low)}, {_format_value(high)}]"


def _ordered(optimizers: Any) -> list[str]:
    known = [name for name in ORDER if name in optimizers]
    return known + sorted(set(optimizers) - set(known))


def task_table(task: Task, rows: dict[str, dict[str, Any]]) -> list[str]:
    """Markdown table of one task, one row per optimizer."""
    head = (
        "| optimizer | seeds | best@10 | best@20 | best@50 | regret@end "
        "| feasible | 1st feasible | overhead ms (p90) | test acc | test fairness |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for name in _ordered(rows):
        row = rows[name]
        test = ""
        fairness = ""
        if "test_metric" in row:
            test = f"{row['test_metric']:.4f}"
            fairness = (
                f"{row['test_fairness']:.4f} ({row['test_violations']}/"
                f"{row['test_runs']} over bound, {row['chosen_constant']} constant)"
            )
        lines.append(
            f"| {name} | {row['seeds']} | {_format_quantiles(row.get('at10'))} "
            f"| {_format_quantiles(row.get('at20'))} "
            f"| {_format_quantiles(row.get('at50'))} "
            f"| {_format_quantiles(row['regret'])} "
            f"| {row['feasible_fraction']:.0%} "
            f"| {_format_value(row['first_feasible'], 1)} "
            f"| {row['overhead_ms']:.1f} ({row['overhead_p90_ms']:.0f}) "
            f"| {test} | {fairness} |"
        )
    return lines


def plot_task(
    task: Task, runs: dict[str, list[dict[str, Any]]], optimum: float, path: Path
) -> None:
    """Plot median best-feasible value (band: IQR) against trials."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    for name in _ordered(runs):
        curves = [best_feasible_curve(task, record) for record in runs[name]]
        n = min(len(c) for c in curves)
        stats = np.array(
            [quantiles([c[i] for c in curves], task.mode == "max") for i in range(n)]
        )
        if task.known_optimum is not None:
            # Regret on a log axis; the floor keeps an exact hit plottable.
            sign = 1.0 if task.mode == "max" else -1.0
            stats = np.maximum(sign * (optimum - stats), _REGRET_FLOOR)
            stats = np.sort(stats, axis=1)
        trials = np.arange(1, n + 1)
        style = "-" if name.startswith("fairbo") else "--"
        (line,) = axes.plot(trials, stats[:, 1], style, label=name)
        axes.fill_between(
            trials, stats[:, 0], stats[:, 2], color=line.get_color(), alpha=0.12
        )
    axes.set_xlabel("trial")
    if task.known_optimum is not None:
        axes.set_yscale("log")
        axes.set_ylabel(f"regret of best feasible {task.metric} (log)")
    else:
        if math.isfinite(optimum):
            axes.axhline(optimum, color="black", linewidth=0.8, linestyle=":")
        axes.set_ylabel(f"best feasible {task.metric} ({task.mode})")
    bounds = ", ".join(f"{k} <= {v:g}" for k, v in task.constraints.items())
    axes.set_title(f"{task.name}: median and IQR over seeds ({bounds})")
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_report(
    out_dir: str, cache_path: str | None, figures_dir: str, markdown_path: str
) -> dict[str, dict[str, dict[str, Any]]]:
    """Write the tables (Markdown) and one plot per task; return the rows."""
    grouped = load_records(out_dir)
    lines: list[str] = []
    summary: dict[str, dict[str, dict[str, Any]]] = {}
    for task_name in sorted(grouped):
        task = get_task(task_name)
        runs = grouped[task_name]
        optimum, source = best_achievable(task, cache_path, runs)
        rows = {
            name: summarize(task, records, optimum) for name, records in runs.items()
        }
        summary[task_name] = rows
        bounds = ", ".join(f"{k} <= {v:g}" for k, v in task.constraints.items())
        lines += [
            f"### {task_name}",
            "",
            f"{task.mode} {task.metric} subject to {bounds}; best achievable "
            f"{_format_value(optimum)} ({source}).",
            "",
            *task_table(task, rows),
            "",
        ]
        plot_task(task, runs, optimum, Path(figures_dir) / f"peers_{task_name}.png")
    Path(markdown_path).parent.mkdir(parents=True, exist_ok=True)
    Path(markdown_path).write_text("\n".join(lines))
    summary_path = Path(markdown_path).with_suffix(".json")
    summary_path.write_text(json.dumps(summary, indent=1, default=list))
    logger.info("wrote %s and %d plots", markdown_path, len(grouped))
    return summary
