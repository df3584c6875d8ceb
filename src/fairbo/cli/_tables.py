"""Rich tables of studies, trials, group sizes and the demo comparison."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.table import Table

from fairbo.result import TuneResult
from fairbo.storage import StudySummary
from fairbo.trial import Trial, TrialStatus, metric_value

# Metric key of FairnessObjective: 1.0 when the model predicts one class.
CONSTANT_PREDICTOR = "constant_predictor"
# Characters of an error message shown in a table cell.
ERROR_CELL_WIDTH = 60


def format_value(value: Any) -> str:
    """Format a metric or parameter value for a table cell.

    A whole float keeps one decimal ("1.0") because an int and a float can
    mean different things to an estimator (``min_samples_split``).
    """
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if value.is_integer():
            return f"{value:.1f}"
        return f"{value:.4f}" if abs(value) >= 1e-3 else f"{value:.3g}"
    return str(value)


def one_line(text: str, width: int | None = None) -> str:
    """Collapse ``text`` (an error message, say) onto one line, without a
    final period so that it can be followed by more text, and cut it to
    ``width`` characters with an ellipsis."""
    line = " ".join(text.split()).rstrip(".")
    if width is not None and len(line) > width:
        line = line[: width - 1].rstrip() + "…"
    return line


def format_constraints(result_or_summary: TuneResult | StudySummary) -> str:
    """Join a study's constraints as ``dsp <= 0.01, ...``, or "none"."""
    constraints = result_or_summary.definition.constraints
    return ", ".join(str(c) for c in constraints) or "none"


def studies_table(
    summaries: Sequence[StudySummary], results: Sequence[TuneResult]
) -> Table:
    """Build a table with one row per stored study and its best feasible value."""
    table = Table(title="Studies")
    for column in ("study", "metric", "constraints", "searcher", "trials"):
        table.add_column(column)
    for column in ("completed", "failed", "feasible"):
        table.add_column(column, justify="right")
    table.add_column("best feasible")
    for summary, result in zip(summaries, results, strict=True):
        definition = summary.definition
        table.add_row(
            summary.name,
            f"{definition.metric} ({definition.mode})",
            format_constraints(summary),
            definition.searcher,
            str(summary.n_trials),
            str(summary.n_completed),
            str(summary.n_failed),
            str(result.n_feasible),
            describe_best(result),
        )
    return table


def describe_best(result: TuneResult) -> str:
    """``0.7512 (trial 14)``, or "none" without a feasible trial."""
    best = result.best_trial
    if best is None:
        return "none"
    value = best.metrics[result.definition.metric]
    return f"{format_value(value)} (trial {best.number})"


def trials_table(result: TuneResult) -> Table:
    """Build a table of trials: status, feasibility, parameters, metrics,
    seconds, and the error of failed trials.

    Only the tuned parameters are shown (constants are the same in every
    row), with the study's metric and constraint metrics. The error column
    is present when a trial failed and shows the first
    :data:`ERROR_CELL_WIDTH` characters of the message on one line.
    """
    definition = result.definition
    params = list(definition.space.names)
    shown_metrics = [definition.metric] + [
        c.metric for c in definition.constraints if c.metric != definition.metric
    ]
    table = Table(title=f"Trials of study {definition.name!r}")
    table.add_column("#", justify="right")
    table.add_column("status")
    table.add_column("feasible")
    for name in params:
        table.add_column(name)
    for name in shown_metrics:
        table.add_column(name, justify="right")
    table.add_column("seconds", justify="right")
    show_errors = any(t.status is TrialStatus.FAILED for t in result.trials)
    if show_errors:
        table.add_column("error", no_wrap=True)
    best = result.best_trial
    best_number = None if best is None else best.number
    for trial in result.trials:
        row = [str(trial.number), trial.status.value, _feasible_text(trial)]
        row += [format_value(trial.config.get(name)) for name in params]
        row += [_metric_cell(trial, name) for name in shown_metrics]
        row.append("" if trial.duration is None else f"{trial.duration:.1f}")
        if show_errors:
            row.append(one_line(trial.error or "", ERROR_CELL_WIDTH))
        table.add_row(*row, style="bold green" if trial.number == best_number else None)
    return table


def trial_detail_table(
    trial: Trial, title: str, test_metrics: Mapping[str, float] | None = None
) -> Table:
    """Build a table of one trial's configuration, metrics and test metrics.

    The ``constant_predictor`` flag is shown as "yes"/"no" on a row named
    "constant predictor", as in the demo's comparison table.
    """
    table = Table(title=title)
    table.add_column("name")
    table.add_column("validation" if test_metrics is not None else "value")
    if test_metrics is not None:
        table.add_column("test")
    for name, value in trial.config.items():
        cells = [name, format_value(value)]
        if test_metrics is not None:
            cells.append("")
        table.add_row(*cells)
    for name, value in trial.metrics.items():
        table.add_row(*_metric_row(name, value, test_metrics))
    return table


def _metric_row(
    name: str, value: float, test_metrics: Mapping[str, float] | None
) -> list[str]:
    label, show = name, format_value
    if name == CONSTANT_PREDICTOR:
        label, show = "constant predictor", _yes_no
    cells = [label, show(value)]
    if test_metrics is not None:
        cells.append(show(test_metrics.get(name, math.nan)))
    return cells


def _yes_no(flag: float) -> str:
    """Show a 1.0/0.0 metric flag as "yes"/"no"; "-" when it is missing."""
    if math.isnan(flag):
        return "-"
    return "yes" if flag == 1.0 else "no"


def group_sizes_table(group_sizes: Mapping[str, Mapping[Any, int]]) -> Table:
    """Build a table of rows per sensitive group in the whole data and each part."""
    columns = [
        ("all", "whole data"),
        ("train_validation", "tuning part"),
        ("test", "test part"),
        ("smallest_validation_fold", "smallest validation fold"),
    ]
    present = [(key, label) for key, label in columns if group_sizes.get(key)]
    table = Table(title="Group sizes (rows)")
    table.add_column("group")
    for _, label in present:
        table.add_column(label, justify="right")
    for group in group_sizes["all"]:
        table.add_row(
            str(group), *(str(group_sizes[key].get(group, 0)) for key, _ in present)
        )
    return table


@dataclass
class ChosenModel:
    """Result of one searcher in the demo, with the test metrics of its chosen
    trial (``None`` without a feasible trial)."""

    label: str
    result: TuneResult
    test_metrics: dict[str, float] | None


def comparison_table(
    chosen: Sequence[ChosenModel], metric: str, constraint_metric: str
) -> Table:
    """Build a side-by-side summary of each searcher's best feasible trial."""
    table = Table(title="Chosen model (best feasible trial) of each searcher")
    table.add_column("")
    for entry in chosen:
        table.add_column(entry.label, justify="right")
    rows = [
        (f"validation {metric}", lambda e: _best_metric(e, metric)),
        (
            f"validation {constraint_metric}",
            lambda e: _best_metric(e, constraint_metric),
        ),
        (f"test {metric}", lambda e: _test_metric(e, metric)),
        (f"test {constraint_metric}", lambda e: _test_metric(e, constraint_metric)),
        ("validation positive rate", lambda e: _best_metric(e, "positive_rate")),
        ("test positive rate", lambda e: _test_metric(e, "positive_rate")),
        ("found at trial", _found_at),
        ("feasible trials", _feasible_count),
        ("constant predictor", _constant_text),
    ]
    for label, cell in rows:
        table.add_row(label, *(cell(entry) for entry in chosen))
    return table


def _best_metric(entry: ChosenModel, name: str) -> str:
    best = entry.result.best_trial
    if best is None:
        return "no feasible trial"
    return format_value(metric_value(best.metrics, name))


def _test_metric(entry: ChosenModel, name: str) -> str:
    if entry.test_metrics is None:
        return "-"
    return format_value(metric_value(entry.test_metrics, name))


def _found_at(entry: ChosenModel) -> str:
    best = entry.result.best_trial
    return "-" if best is None else str(best.number)


def _feasible_count(entry: ChosenModel) -> str:
    finished = sum(1 for t in entry.result.trials if t.is_finished)
    return f"{entry.result.n_feasible} of {finished}"


def _constant_text(entry: ChosenModel) -> str:
    """Report whether the chosen model predicts a single class, on
    validation (in any fold) and on the test part."""
    best = entry.result.best_trial
    if best is None:
        return "-"
    parts = [("validation", best.metrics)]
    if entry.test_metrics is not None:
        parts.append(("test", entry.test_metrics))
    flagged = [
        name
        for name, values in parts
        if metric_value(values, CONSTANT_PREDICTOR) == 1.0
    ]
    return "no" if not flagged else "yes (" + ", ".join(flagged) + ")"


def _feasible_text(trial: Trial) -> str:
    if trial.status is not TrialStatus.COMPLETED:
        return ""
    return "yes" if trial.feasible else "no"


def _metric_cell(trial: Trial, name: str) -> str:
    if trial.status is not TrialStatus.COMPLETED:
        return ""
    return format_value(metric_value(trial.metrics, name))
