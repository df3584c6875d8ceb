"""Base class of the ask/tell searchers: bookkeeping shared by all of them.

A searcher proposes configurations with :meth:`Searcher.suggest` and learns
from :meth:`Searcher.observe`. The base class validates configurations and
metrics, keeps the observations and the pending (suggested but not yet
observed) configurations, and detects when a finite space is used up.
Subclasses only implement :meth:`Searcher._propose`.
"""

from __future__ import annotations

import logging
import math
import numbers
import os
import sys
import warnings
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from fairbo.constraints import Constraint, normalize_constraints
from fairbo.exceptions import (
    InvalidArgumentError,
    InvalidTypeError,
    MissingMetricWarning,
    SearchSpaceExhausted,
)
from fairbo.space import SearchSpace, as_search_space

logger = logging.getLogger(__name__)

__all__ = ["Mode", "Observation", "Searcher"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

# Rejection sampling gives up after this many draws that were all already
# used; a finite space is then enumerated instead.
_MAX_REJECTIONS = 100


class Mode(str, Enum):
    """Direction of optimisation of the objective metric."""

    MAX = "max"
    MIN = "min"

    @classmethod
    def parse(cls, value: str | Mode) -> Mode:
        """Return the mode named by ``value`` ("max" or "min").

        Raises
        ------
        InvalidArgumentError
            ``value`` names no mode.
        """
        if isinstance(value, Mode):
            return value
        try:
            return cls(str(value).lower())
        except ValueError:
            valid = [m.value for m in cls]
            raise InvalidArgumentError(
                f"mode must be one of {valid}, got {value!r}; pass mode='max' to "
                "maximise the metric or mode='min' to minimise it."
            ) from None

    @property
    def sign(self) -> float:
        """Factor turning the metric into a value to maximise."""
        return 1.0 if self is Mode.MAX else -1.0


@dataclass(frozen=True)
class Observation:
    """One evaluated configuration.

    Attributes
    ----------
    config : dict
        The validated configuration (constants included).
    metrics : dict of str to float, or None
        The objective and constraint metrics (a missing constraint metric is
        NaN), ``None`` for a failed evaluation or a non-finite objective.
    """

    config: dict[str, Any]
    metrics: dict[str, float] | None

    @property
    def failed(self) -> bool:
        """Whether the evaluation failed."""
        return self.metrics is None


def _stacklevel_outside_package() -> int:
    """Return the ``warnings.warn`` stack level of the first caller outside
    fairbo.searchers, so a warning points at the user's observe() call."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


def _as_metric_value(name: str, value: Any) -> float:
    if value is None:
        return math.nan
    if not isinstance(value, (numbers.Real, np.generic)) or isinstance(value, str):
        raise InvalidTypeError(
            f"metrics[{name!r}] must be a real number, got {type(value).__name__} "
            f"{value!r}; return floats from the objective."
        )
    return float(value)


class Searcher(ABC):
    """Propose configurations to evaluate and learn from their metrics.

    Parameters
    ----------
    search_space : dict or SearchSpace
        The hyperparameters (see :class:`~fairbo.space.SearchSpace`).
    metric : str
        Name of the objective metric in the observed metrics.
    mode : {"max", "min"}, default "max"
        Whether to maximise or minimise ``metric``.
    constraints : dict of str to float, list of Constraint, or None
        Metric bounds a feasible configuration meets (see
        :func:`~fairbo.constraints.normalize_constraints`).
    seed : int, numpy.random.Generator or None
        Seed of every random draw: the same seed and the same calls give the
        same suggestions.

    Attributes
    ----------
    space : SearchSpace
    metric : str
    mode : Mode
    constraints : list of Constraint
    observations : list of Observation
        Every observation, in order.
    """

    def __init__(
        self,
        search_space: Mapping[str, Any] | SearchSpace,
        metric: str,
        mode: str | Mode = "max",
        constraints: Mapping[str, float] | Sequence[Constraint] | None = None,
        seed: int | np.random.Generator | None = None,
    ):
        if not isinstance(metric, str) or not metric:
            raise InvalidTypeError(
                f"{type(self).__name__}: metric must be a non-empty str, got "
                f"{type(metric).__name__} {metric!r}; pass the objective metric's "
                "name, such as 'accuracy'."
            )
        self.space = as_search_space(search_space)
        self.metric = metric
        self.mode = Mode.parse(mode)
        self.constraints = normalize_constraints(constraints)
        self.rng = np.random.default_rng(seed)
        self.observations: list[Observation] = []
        self._observed_keys: set[tuple[Any, ...]] = set()
        self._pending: list[dict[str, Any]] = []
        self._warned_missing: set[str] = set()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(metric={self.metric!r}, mode={self.mode.value!r}, "
            f"constraints={self.constraints!r}, observations={len(self.observations)}, "
            f"pending={len(self._pending)})"
        )

    # ------------------------------------------------------------- interface
    @property
    def pending(self) -> list[dict[str, Any]]:
        """Configurations suggested (or marked pending) and not yet observed."""
        return [dict(c) for c in self._pending]

    def suggest(self) -> dict[str, Any]:
        """Return the next configuration to evaluate and mark it pending.

        Returns
        -------
        dict
            A configuration of the space, constants included.

        Raises
        ------
        SearchSpaceExhausted
            Every configuration of a finite space was observed or is pending.
        """
        self._raise_if_exhausted()
        config = self.space.validate_config(self._propose())
        self._pending.append(config)
        logger.debug("%s suggests %s", type(self).__name__, config)
        return dict(config)

    def observe(
        self, config: Mapping[str, Any], metrics: Mapping[str, Any] | None
    ) -> None:
        """Record the result of evaluating ``config``.

        Parameters
        ----------
        config : dict
            The evaluated configuration; it need not come from :meth:`suggest`
            (a warm start from earlier evaluations).
        metrics : dict of str to float, or None
            The metrics of the evaluation, ``None`` for a failed evaluation.
            A NaN, infinite or ``None`` objective value is recorded exactly
            like ``None``: a failed evaluation, as :func:`fairbo.tune` marks
            such a trial. A constraint metric that is NaN, infinite, ``None``
            or missing is stored as NaN and counts as violated, so the
            configuration is infeasible. The first time a constraint metric
            is missing from ``metrics``, a :class:`MissingMetricWarning` is
            issued, because an absent key usually is a bug in the objective.
            Keys other than the objective and constraint metrics are ignored.

        Raises
        ------
        InvalidConfigError
            ``config`` does not fit the search space.
        InvalidArgumentError
            ``metrics`` lacks the objective metric.
        InvalidTypeError
            ``metrics`` is not a mapping or contains a non-numeric value.

        Warns
        -----
        MissingMetricWarning
            A constraint metric is missing from ``metrics`` (once per metric
            and searcher).
        """
        checked = self.space.validate_config(config)
        values = self._check_metrics(metrics)
        if values is not None and not math.isfinite(values[self.metric]):
            logger.debug(
                "%s: objective %r is %s for %s; recording a failed evaluation",
                type(self).__name__,
                self.metric,
                values[self.metric],
                checked,
            )
            values = None
        self._remove_pending(checked)
        self.observations.append(Observation(checked, values))
        self._observed_keys.add(self.space.config_key(checked))

    def mark_pending(self, config: Mapping[str, Any]) -> None:
        """Mark ``config`` as being evaluated (a re-queued trial of a resumed
        study), so it is not suggested again."""
        self._pending.append(self.space.validate_config(config))

    def discard_pending(self, config: Mapping[str, Any]) -> None:
        """Forget a pending ``config`` (a cancelled trial); no-op when it is not
        pending."""
        if not self._remove_pending(self.space.validate_config(config)):
            logger.debug("discard_pending: %s was not pending", config)

    @abstractmethod
    def _propose(self) -> dict[str, Any]:
        """Return a configuration that is neither observed nor pending, unless
        the space allows no other."""

    # --------------------------------------------------------------- helpers
    def _check_metrics(
        self, metrics: Mapping[str, Any] | None
    ) -> dict[str, float] | None:
        if metrics is None:
            return None
        if not isinstance(metrics, Mapping):
            raise InvalidTypeError(
                f"metrics must be a dict of metric name -> float or None, got "
                f"{type(metrics).__name__} {metrics!r}."
            )
        if self.metric not in metrics:
            raise InvalidArgumentError(
                f"metrics must contain the objective metric {self.metric!r}, got "
                f"keys {sorted(map(str, metrics))}; return it from the objective "
                "or observe None for a failed evaluation."
            )
        values = {self.metric: _as_metric_value(self.metric, metrics[self.metric])}
        for constraint in self.constraints:
            name = constraint.metric
            if name not in metrics:
                self._warn_missing(name, metrics)
            values[name] = _as_metric_value(name, metrics.get(name))
        return values

    def _warn_missing(self, name: str, metrics: Mapping[str, Any]) -> None:
        logger.debug(
            "%s: constraint metric %r is missing; it counts as violated",
            type(self).__name__,
            name,
        )
        if name in self._warned_missing:
            return
        self._warned_missing.add(name)
        warnings.warn(
            f"{type(self).__name__}: constraint metric {name!r} is missing from "
            f"metrics (got keys {sorted(map(str, metrics))}), so the "
            "configuration counts as infeasible. Return it from the objective, "
            "as NaN when it is undefined. Later misses are logged at DEBUG.",
            MissingMetricWarning,
            stacklevel=_stacklevel_outside_package(),
        )

    def _remove_pending(self, config: Mapping[str, Any]) -> bool:
        key = self.space.config_key(config)
        for i, pending in enumerate(self._pending):
            if self.space.config_key(pending) == key:
                del self._pending[i]
                return True
        return False

    def _used_keys(self) -> set[tuple[Any, ...]]:
        """Keys of every observed or pending configuration."""
        keys = set(self._observed_keys)
        keys.update(self.space.config_key(c) for c in self._pending)
        return keys

    def _raise_if_exhausted(self) -> None:
        cardinality = self.space.cardinality
        if cardinality is None:
            return
        used = len(self._used_keys())
        if used >= cardinality:
            raise SearchSpaceExhausted(
                f"{type(self).__name__}: all {cardinality} configurations of the "
                f"finite search space are observed or pending ({used} used); "
                "stop the study or widen the space."
            )

    def _random_unused(self) -> dict[str, Any]:
        """Draw a random configuration that is neither observed nor pending.

        Falls back to enumerating a finite space when random draws keep
        hitting used configurations.
        """
        used = self._used_keys()
        for _ in range(_MAX_REJECTIONS):
            config = self.space.sample(self.rng, 1)[0]
            if self.space.config_key(config) not in used:
                return config
        if self.space.is_finite:
            unused = [
                c for c in self.space.grid() if self.space.config_key(c) not in used
            ]
            if unused:
                return unused[int(self.rng.integers(len(unused)))]
            self._raise_if_exhausted()
        # NOTE: only reachable when a continuous space keeps giving exact
        # duplicates, which the sampler makes vanishingly unlikely.
        logger.warning("no unused configuration found; repeating a used one")
        return self.space.sample(self.rng, 1)[0]

    def objective_value(self, metrics: Mapping[str, float] | None) -> float:
        """Return the objective as a value to maximise (NaN when failed)."""
        if metrics is None:
            return math.nan
        return self.mode.sign * metrics[self.metric]

    def is_feasible(self, metrics: Mapping[str, float] | None) -> bool:
        """Return whether an evaluation succeeded and meets every constraint."""
        if metrics is None or not math.isfinite(metrics[self.metric]):
            return False
        return all(c.is_satisfied(metrics.get(c.metric)) for c in self.constraints)
