"""Constraints on metrics: a metric must stay below and/or above a bound.

A constraint is satisfied when ``lower <= value <= upper`` (each bound
optional, at least one given). A NaN or infinite value never satisfies a
constraint: an undefined fairness metric is not evidence of fairness.
"""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from fairbo.exceptions import InvalidArgumentError, InvalidTypeError

logger = logging.getLogger(__name__)

__all__ = ["Constraint", "normalize_constraints"]


def _check_bound(metric: str, label: str, bound: Any) -> float | None:
    if bound is None:
        return None
    if not isinstance(bound, numbers.Real) or isinstance(bound, bool):
        raise InvalidTypeError(
            f"Constraint {metric!r}: {label} must be a real number or None, got "
            f"{type(bound).__name__} {bound!r}; pass a float."
        )
    if not math.isfinite(bound):
        raise InvalidArgumentError(
            f"Constraint {metric!r}: {label} must be finite, got {bound!r}; "
            "pass None to leave this side unbounded."
        )
    return float(bound)


class Constraint:
    """A bound on a metric that a feasible configuration must meet.

    Parameters
    ----------
    metric : str
        Name of the metric in the dict the objective returns.
    upper : float, optional
        Largest allowed value (feasible when ``value <= upper``).
    lower : float, optional
        Smallest allowed value (feasible when ``value >= lower``).

    Raises
    ------
    InvalidArgumentError
        Neither bound is given, a bound is not finite, or ``lower > upper``.
    InvalidTypeError
        ``metric`` is not a non-empty str or a bound is not a number.

    Examples
    --------
    >>> c = Constraint("dsp", upper=0.05)
    >>> c.is_satisfied(0.01), c.is_satisfied(float("nan"))
    (True, False)
    """

    def __init__(
        self, metric: str, *, upper: float | None = None, lower: float | None = None
    ):
        if not isinstance(metric, str) or not metric:
            raise InvalidTypeError(
                f"Constraint: metric must be a non-empty str, got "
                f"{type(metric).__name__} {metric!r}; pass the metric's name."
            )
        self.metric = metric
        self.upper = _check_bound(metric, "upper", upper)
        self.lower = _check_bound(metric, "lower", lower)
        if self.upper is None and self.lower is None:
            raise InvalidArgumentError(
                f"Constraint {metric!r}: needs upper= or lower=, got neither; "
                f"for example Constraint({metric!r}, upper=0.05)."
            )
        if (
            self.upper is not None
            and self.lower is not None
            and self.lower > self.upper
        ):
            raise InvalidArgumentError(
                f"Constraint {metric!r}: lower must be <= upper, got "
                f"lower={self.lower}, upper={self.upper}; swap the bounds."
            )

    def is_satisfied(self, value: float | None) -> bool:
        """Return whether ``value`` meets the bounds (NaN, inf and None do not)."""
        if value is None:
            return False
        try:
            number = float(value)
        except (TypeError, ValueError):
            return False
        if not math.isfinite(number):
            return False
        if self.upper is not None and number > self.upper:
            return False
        return not (self.lower is not None and number < self.lower)

    def violation(self, value: float) -> float:
        """Return how far a finite ``value`` is outside the bounds (0 inside)."""
        above = value - self.upper if self.upper is not None else 0.0
        below = self.lower - value if self.lower is not None else 0.0
        return max(above, below, 0.0)

    def to_json(self) -> dict[str, Any]:
        """Return the constraint as a JSON-compatible dict."""
        return {"metric": self.metric, "upper": self.upper, "lower": self.lower}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Constraint:
        """Rebuild a constraint from :meth:`to_json` output."""
        return cls(data["metric"], upper=data.get("upper"), lower=data.get("lower"))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Constraint):
            return NotImplemented
        return self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash((self.metric, self.upper, self.lower))

    def __repr__(self) -> str:
        bounds = []
        if self.upper is not None:
            bounds.append(f"upper={self.upper!r}")
        if self.lower is not None:
            bounds.append(f"lower={self.lower!r}")
        return f"Constraint({self.metric!r}, {', '.join(bounds)})"

    def __str__(self) -> str:
        if self.lower is None:
            return f"{self.metric} <= {self.upper:g}"
        if self.upper is None:
            return f"{self.metric} >= {self.lower:g}"
        return f"{self.lower:g} <= {self.metric} <= {self.upper:g}"


def normalize_constraints(
    constraints: Mapping[str, float] | Sequence[Constraint] | None,
) -> list[Constraint]:
    """Return constraints given in any accepted form as a list.

    Parameters
    ----------
    constraints : mapping of str to float, sequence of Constraint, or None
        A mapping ``metric -> upper bound`` (the common fairness case, such as
        ``{"dsp": 0.01}``), a list of :class:`Constraint` (which also allow
        lower bounds), or None for no constraint.

    Returns
    -------
    list of Constraint

    Raises
    ------
    InvalidTypeError
        ``constraints`` has another type or a list item is not a Constraint.
    InvalidArgumentError
        A bound is invalid or a metric is constrained twice.

    Examples
    --------
    >>> normalize_constraints({"dsp": 0.01})
    [Constraint('dsp', upper=0.01)]
    """
    if constraints is None:
        return []
    if isinstance(constraints, Constraint):
        result = [constraints]
    elif isinstance(constraints, Mapping):
        result = [
            Constraint(metric, upper=bound) for metric, bound in constraints.items()
        ]
    elif isinstance(constraints, Sequence) and not isinstance(constraints, str):
        result = list(constraints)
        for item in result:
            if not isinstance(item, Constraint):
                raise InvalidTypeError(
                    "constraints: list items must be fairbo.Constraint, got "
                    f"{type(item).__name__} {item!r}; write "
                    "Constraint('metric', upper=...)."
                )
    else:
        raise InvalidTypeError(
            "constraints must be a dict of metric -> upper bound, a list of "
            f"fairbo.Constraint or None, got {type(constraints).__name__} "
            f"{constraints!r}; for example {{'dsp': 0.01}}."
        )
    seen: set[str] = set()
    for constraint in result:
        if constraint.metric in seen:
            raise InvalidArgumentError(
                f"constraints: metric {constraint.metric!r} is constrained twice; "
                "merge them into one Constraint with lower= and upper=."
            )
        seen.add(constraint.metric)
    return result
