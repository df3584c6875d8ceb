"""Parsing of ``--metric`` and ``--constraint`` values."""

from __future__ import annotations

import math
import re

from fairbo import metrics
from fairbo.cli._errors import CliError
from fairbo.constraints import Constraint

# "<metric><=<number>" or "<metric>>=<number>", spaces allowed around the
# operator; the number is anything float() accepts.
_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=)\s*(\S+)\s*$")


def check_metric(name: str, option: str) -> str:
    """Return ``name`` if it is a name of :func:`fairbo.metrics.names`.

    Raises
    ------
    CliError
        Naming ``option`` and the known metric names.
    """
    if name not in metrics.names():
        raise CliError(
            f"{option}: unknown metric {name!r}; known metrics: "
            f"{', '.join(metrics.names())}."
        )
    return name


def metric_mode(name: str) -> str:
    """Return "max" or "min": the direction in which ``name`` improves."""
    return metrics.get_info(name).mode


def parse_constraints(texts: list[str]) -> list[Constraint]:
    """Parse ``--constraint`` values into constraints, one per metric.

    A lower and an upper bound on the same metric (``di>=0.8`` and
    ``di<=1.25``) become one two-sided constraint.

    Parameters
    ----------
    texts : list of str
        Values such as ``"dsp<=0.05"`` or ``"di>=0.8"``.

    Returns
    -------
    list of Constraint
        In the order the metrics first appear.

    Raises
    ------
    CliError
        For a value that does not parse, an unknown metric, a bound that is
        not a finite number, or two bounds of the same side on one metric.
    """
    bounds: dict[str, dict[str, float]] = {}
    for text in texts:
        metric, side, value = _parse_one(text)
        sides = bounds.setdefault(metric, {})
        if side in sides:
            raise CliError(
                f"--constraint: {metric!r} has two {side} bounds "
                f"({sides[side]:g} and {value:g}); keep one of them."
            )
        sides[side] = value
    constraints = []
    for metric, sides in bounds.items():
        try:
            constraints.append(Constraint(metric, **sides))
        except ValueError as err:
            raise CliError(f"--constraint: {err}") from err
    return constraints


def _parse_one(text: str) -> tuple[str, str, float]:
    match = _CONSTRAINT.match(text)
    if match is None:
        raise CliError(
            f"--constraint: cannot parse {text!r}; write METRIC<=NUMBER or "
            "METRIC>=NUMBER, for example dsp<=0.05."
        )
    metric, operator, number = match.groups()
    check_metric(metric, "--constraint")
    try:
        value = float(number)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise CliError(
            f"--constraint: the bound of {text!r} must be a finite number, got "
            f"{number!r}; for example {metric}{operator}0.05."
        )
    return metric, "upper" if operator == "<=" else "lower", value
