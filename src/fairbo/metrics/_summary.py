"""Per-group table of counts and rates."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from fairbo.metrics import _group
from fairbo.metrics._validation import validate_inputs

logger = logging.getLogger(__name__)


def group_summary(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    sample_weight: Any = None,
    pos_label: Hashable = 1,
) -> pd.DataFrame:
    """Tabulate the rows, weight and rates of each group.

    Parameters
    ----------
    y_true, y_pred, sensitive_features, sample_weight, pos_label
        As for :func:`fairbo.metrics.statistical_parity_difference`, except
        that a single group is allowed.

    Returns
    -------
    pandas.DataFrame
        One row per group (index ``group``, labels as in the metrics) with
        columns ``count`` (rows), ``weight`` (sum of weights), ``base_rate``
        (share of positive ``y_true``), ``selection_rate`` (share of positive
        ``y_pred``), ``true_positive_rate``, ``false_positive_rate`` and
        ``accuracy``. Rates are weighted; a rate whose denominator is zero
        (e.g. the TPR of a group without positive ``y_true``) is NaN, without
        a warning.

    Raises
    ------
    MetricInputError
        For the invalid inputs the metrics reject.

    Examples
    --------
    >>> table = group_summary([1, 0, 1, 1], [1, 0, 0, 1],
    ...                       sensitive_features=["a", "a", "b", "b"])
    >>> table["selection_rate"].tolist()
    [0.5, 0.5]
    """
    inputs = validate_inputs(
        "group_summary",
        y_true,
        y_pred,
        sensitive_features=sensitive_features,
        sample_weight=sample_weight,
        pos_label=pos_label,
        min_groups=1,
    )
    counts = _group.confusion_counts(inputs)
    index = pd.Index(list(inputs.group_labels), name="group", dtype=object)
    return pd.DataFrame(
        {
            "count": np.bincount(inputs.group_codes, minlength=inputs.n_groups),
            "weight": _group.group_weight(counts),
            "base_rate": _group.base_rate(counts),
            "selection_rate": _group.selection_rate(counts),
            "true_positive_rate": _group.true_positive_rate(counts),
            "false_positive_rate": _group.false_positive_rate(counts),
            "accuracy": _group.group_accuracy(counts),
        },
        index=index,
    )
