"""The outcome of a tuning study: its trials and the best feasible one."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from fairbo.study import StudyDefinition
from fairbo.trial import Trial, TrialStatus, metric_value

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def is_better(value: float, reference: float, mode: str) -> bool:
    """Return whether ``value`` beats ``reference`` under ``mode`` ("max" or
    "min")."""
    return value > reference if mode == "max" else value < reference


def best_feasible_trial(
    trials: Sequence[Trial], metric: str, mode: str
) -> Trial | None:
    """Return the completed feasible trial with the best ``metric``, the
    earliest on a tie, or ``None`` when no trial is feasible."""
    best: Trial | None = None
    for trial in trials:
        if trial.status is not TrialStatus.COMPLETED or not trial.feasible:
            continue
        value = metric_value(trial.metrics, metric)
        if math.isnan(value):
            continue
        if best is None or is_better(value, best.metrics[metric], mode):
            best = trial
    return best


class TuneResult:
    """Every trial of a study, in order, and the best feasible one.

    Attributes
    ----------
    definition : StudyDefinition
        Space, metric, mode and constraints of the study.
    trials : list of Trial
        Every trial, by number, including failed ones.
    """

    def __init__(self, definition: StudyDefinition, trials: Sequence[Trial]) -> None:
        self.definition = definition
        self.trials = sorted(trials, key=lambda trial: trial.number)

    @property
    def study_name(self) -> str:
        """Name of the study."""
        return self.definition.name

    @property
    def best_trial(self) -> Trial | None:
        """The best feasible completed trial, ``None`` when none is feasible."""
        return best_feasible_trial(
            self.trials, self.definition.metric, self.definition.mode
        )

    @property
    def n_feasible(self) -> int:
        """Number of completed feasible trials."""
        return sum(
            1
            for trial in self.trials
            if trial.status is TrialStatus.COMPLETED and trial.feasible
        )

    def to_dataframe(self) -> pd.DataFrame:
        """Return the trials as a DataFrame, one row per trial.

        Columns: ``number``, ``status``, ``feasible``, ``param_<name>`` for
        each configuration entry, one column per metric the objective
        returned, ``started_at``, ``finished_at``, ``duration_s`` and
        ``error``.
        """
        param_names = _ordered_keys(trial.config for trial in self.trials)
        metric_names = _ordered_keys(trial.metrics for trial in self.trials)
        rows = []
        for trial in self.trials:
            row: dict[str, Any] = {
                "number": trial.number,
                "status": trial.status.value,
                "feasible": trial.feasible,
            }
            for name in param_names:
                row[f"param_{name}"] = trial.config.get(name)
            for name in metric_names:
                row[name] = metric_value(trial.metrics, name)
            row["started_at"] = trial.started_at
            row["finished_at"] = trial.finished_at
            row["duration_s"] = trial.duration
            row["error"] = trial.error
            rows.append(row)
        columns = [
            "number",
            "status",
            "feasible",
            *(f"param_{name}" for name in param_names),
            *metric_names,
            "started_at",
            "finished_at",
            "duration_s",
            "error",
        ]
        return pd.DataFrame(rows, columns=columns)

    def plot_tradeoff(
        self, constraint_metric: str | None = None, ax: Axes | None = None
    ) -> Axes:
        """Scatter the objective against a constraint metric, one point per
        trial, darker for later trials; see :func:`fairbo.plot.plot_tradeoff`."""
        from fairbo.plot import plot_tradeoff

        return plot_tradeoff(self, constraint_metric=constraint_metric, ax=ax)

    def plot_history(self, ax: Axes | None = None) -> Axes:
        """Best feasible value so far against trial number; see
        :func:`fairbo.plot.plot_history`."""
        from fairbo.plot import plot_history

        return plot_history(self, ax=ax)

    def __repr__(self) -> str:
        best = self.best_trial
        best_text = "none" if best is None else f"trial {best.number}"
        return (
            f"TuneResult(study={self.study_name!r}, trials={len(self.trials)}, "
            f"feasible={self.n_feasible}, best={best_text})"
        )


def _ordered_keys(mappings: Any) -> list[str]:
    keys: dict[str, None] = {}
    for mapping in mappings:
        for key in mapping:
            keys.setdefault(key, None)
    return list(keys)
