"""Registry of the built-in metrics: lookup by long or short name and the
direction in which each metric improves."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from fairbo.exceptions import InvalidArgumentError, InvalidTypeError
from fairbo.metrics import _functions, _group

logger = logging.getLogger(__name__)

MetricFunction = Callable[..., float]


@dataclass(frozen=True)
class MetricInfo:
    """Description of a registered metric.

    Attributes
    ----------
    name : str
        Canonical (long) name, e.g. ``"statistical_parity_difference"``.
    short_name : str or None
        Abbreviation, e.g. ``"dsp"``.
    function : callable
        The metric, ``function(y_true, y_pred, *, sensitive_features,
        sample_weight=None, pos_label=1) -> float``.
    greater_is_better : bool
        True for accuracy-like metrics and the disparate impact ratio, False
        for the gaps. A fairness constraint on a metric with
        ``greater_is_better=False`` is an upper bound, otherwise a lower bound.
    is_fairness : bool
        Whether the metric compares groups (and so needs two or more).
    kernel : callable
        Vectorised form on group confusion counts, used by the bootstrap.
    aliases : tuple of str
        Further accepted names.
    """

    name: str
    short_name: str | None
    function: MetricFunction
    greater_is_better: bool
    is_fairness: bool
    kernel: _group.Kernel = field(repr=False)
    aliases: tuple[str, ...] = ()

    @property
    def mode(self) -> str:
        """``"max"`` when higher values are better, else ``"min"``."""
        return "max" if self.greater_is_better else "min"


_METRICS = (
    MetricInfo(
        "statistical_parity_difference",
        "dsp",
        _functions.statistical_parity_difference,
        greater_is_better=False,
        is_fairness=True,
        aliases=("demographic_parity_difference",),
        kernel=_group.dsp_kernel,
    ),
    MetricInfo(
        "equal_opportunity_difference",
        "deo",
        _functions.equal_opportunity_difference,
        greater_is_better=False,
        is_fairness=True,
        aliases=("true_positive_rate_difference",),
        kernel=_group.deo_kernel,
    ),
    MetricInfo(
        "false_positive_rate_difference",
        "dfp",
        _functions.false_positive_rate_difference,
        greater_is_better=False,
        is_fairness=True,
        kernel=_group.dfp_kernel,
    ),
    MetricInfo(
        "equalized_odds_difference",
        "eod",
        _functions.equalized_odds_difference,
        greater_is_better=False,
        is_fairness=True,
        kernel=_group.eod_kernel,
    ),
    MetricInfo(
        "disparate_impact_ratio",
        "di",
        _functions.disparate_impact_ratio,
        greater_is_better=True,
        is_fairness=True,
        aliases=("demographic_parity_ratio",),
        kernel=_group.di_kernel,
    ),
    MetricInfo(
        "accuracy",
        None,
        _functions.accuracy,
        greater_is_better=True,
        is_fairness=False,
        kernel=_group.accuracy_kernel,
    ),
    MetricInfo(
        "balanced_accuracy",
        None,
        _functions.balanced_accuracy,
        greater_is_better=True,
        is_fairness=False,
        kernel=_group.balanced_accuracy_kernel,
    ),
)


def _build_index() -> dict[str, MetricInfo]:
    index: dict[str, MetricInfo] = {}
    for info in _METRICS:
        keys = (info.name, info.short_name, *info.aliases)
        index.update({key: info for key in keys if key is not None})
    return index


_BY_NAME = _build_index()
_BY_FUNCTION = {info.function: info for info in _METRICS}


def names() -> list[str]:
    """Return every accepted metric name: long names, short names and aliases.

    Examples
    --------
    >>> "dsp" in names() and "statistical_parity_difference" in names()
    True
    """
    return list(_BY_NAME)


def get_info(name_or_function: str | MetricFunction) -> MetricInfo:
    """Return the :class:`MetricInfo` of a registered metric.

    Parameters
    ----------
    name_or_function : str or callable
        A name from :func:`names` (case-insensitive) or a built-in metric
        function.

    Returns
    -------
    MetricInfo

    Raises
    ------
    InvalidArgumentError
        If the name or function is not registered. A user callable has no
        registered direction, so the caller must state it.
    InvalidTypeError
        If the argument is neither a string nor callable.
    """
    if callable(name_or_function):
        info = _BY_FUNCTION.get(name_or_function)
        if info is None:
            raise InvalidArgumentError(
                f"metrics.get_info: {name_or_function!r} is not a registered "
                "metric, so its direction is unknown; pass a registered name "
                f"({', '.join(names())}) or state the direction yourself."
            )
        return info
    if not isinstance(name_or_function, str):
        raise InvalidTypeError(
            "metrics.get_info: name must be a str or a callable, got "
            f"{type(name_or_function).__name__}; pass one of {', '.join(names())}."
        )
    key = name_or_function.strip().lower()
    if key not in _BY_NAME:
        raise InvalidArgumentError(
            f"metrics: unknown metric name {name_or_function!r}; valid names are "
            f"{', '.join(names())}, or pass a callable metric(y_true, y_pred, *, "
            "sensitive_features, sample_weight=None, pos_label=1)."
        )
    return _BY_NAME[key]


def get(name_or_function: str | MetricFunction) -> MetricFunction:
    """Return the metric function for a name, or a callable unchanged.

    Parameters
    ----------
    name_or_function : str or callable
        A name from :func:`names` (case-insensitive), e.g. ``"dsp"`` or
        ``"statistical_parity_difference"``, or any callable with the
        signature ``metric(y_true, y_pred, *, sensitive_features,
        sample_weight=None, pos_label=1) -> float``, returned as is.

    Returns
    -------
    callable

    Raises
    ------
    InvalidArgumentError
        If the name is unknown; the message lists the valid names.
    InvalidTypeError
        If the argument is neither a string nor callable.

    Examples
    --------
    >>> dsp = get("dsp")
    >>> dsp([1, 0, 1, 0], [1, 1, 0, 0], sensitive_features=["a", "a", "b", "b"])
    1.0
    """
    if callable(name_or_function):
        return name_or_function
    return get_info(name_or_function).function
