"""Trials: one evaluation of the objective at one configuration."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class TrialStatus(str, Enum):
    """Life cycle of a trial: ``running``, then ``completed`` or ``failed``."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass
class Trial:
    """One evaluation of the objective.

    Attributes
    ----------
    number : int
        Position of the trial in its study, from 0.
    config : dict
        The configuration evaluated, constants included.
    status : TrialStatus
        ``running`` until the objective returns, then ``completed`` or
        ``failed`` (an exception, a timeout, or a missing or non-finite
        objective value).
    metrics : dict of str to float
        What the objective returned, empty for a failed trial.
    feasible : bool or None
        Whether every constraint holds; ``None`` unless completed.
    error, traceback : str or None
        The error message and traceback of a failed trial.
    started_at, finished_at : datetime or None
        Wall-clock times, in UTC.
    worker : str or None
        ``host:pid`` of the process that ran the objective.
    """

    number: int
    config: dict[str, Any]
    status: TrialStatus = TrialStatus.RUNNING
    metrics: dict[str, float] = field(default_factory=dict)
    feasible: bool | None = None
    error: str | None = None
    traceback: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    worker: str | None = None

    @property
    def duration(self) -> float | None:
        """Seconds between start and finish, ``None`` while running."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def is_finished(self) -> bool:
        """Whether the trial has completed or failed."""
        return self.status is not TrialStatus.RUNNING


def metric_value(metrics: Mapping[str, Any], name: str) -> float:
    """Return ``metrics[name]`` as a float, NaN when missing or not numeric."""
    value = metrics.get(name)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number
