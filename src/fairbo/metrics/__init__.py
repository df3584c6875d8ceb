"""Group fairness and accuracy metrics for binary classification.

Every metric follows fairlearn's convention ``metric(y_true, y_pred, *,
sensitive_features, sample_weight=None, pos_label=1) -> float``. The gap
metrics are the max minus the min of a per-group rate over two or more
groups. :func:`get` resolves long names (``"statistical_parity_difference"``)
and short names (``"dsp"``) and passes user callables through unchanged.
"""

from __future__ import annotations

from fairbo.metrics._bootstrap import (
    BootstrapResult,
    bootstrap_interval,
    lower_confidence_bound,
    upper_confidence_bound,
)
from fairbo.metrics._functions import (
    accuracy,
    balanced_accuracy,
    disparate_impact_ratio,
    equal_opportunity_difference,
    equalized_odds_difference,
    false_positive_rate_difference,
    statistical_parity_difference,
)
from fairbo.metrics._registry import MetricInfo, get, get_info, names
from fairbo.metrics._summary import group_summary

__all__ = [
    "BootstrapResult",
    "bootstrap_interval",
    "lower_confidence_bound",
    "upper_confidence_bound",
    "MetricInfo",
    "accuracy",
    "balanced_accuracy",
    "disparate_impact_ratio",
    "equal_opportunity_difference",
    "equalized_odds_difference",
    "false_positive_rate_difference",
    "get",
    "get_info",
    "group_summary",
    "names",
    "statistical_parity_difference",
]
