"""The public metric functions, all with fairlearn's calling convention
``metric(y_true, y_pred, *, sensitive_features, sample_weight=None,
pos_label=1) -> float``."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from fairbo.exceptions import UndefinedMetricWarning
from fairbo.metrics import _group
from fairbo.metrics._validation import MetricInputs, validate_inputs

logger = logging.getLogger(__name__)

_SHARED_DOC = """
Parameters
----------
y_true : array-like of shape (n,)
    True binary labels (int, bool or str).
y_pred : array-like of shape (n,)
    Predicted binary labels with the same two classes as ``y_true``.
    Probabilities are rejected: threshold them first.
sensitive_features : array-like of shape (n,) or (n, k)
    Group label of each row: a list, numpy array, pandas Series, or a
    DataFrame / 2-D array whose columns form intersectional groups labelled
    like ``"yes|female"``. Pandas inputs are aligned by position, but pandas
    inputs with different indices are rejected.
    {groups_note}
sample_weight : array-like of shape (n,), optional
    Non-negative row weights.
pos_label : int, bool or str, default 1
    The label of the positive class.

Returns
-------
float
    {returns}

Raises
------
MetricInputError
    If lengths or pandas indices differ, a label is not binary (for example
    probabilities), ``pos_label`` is in neither ``y_true`` nor ``y_pred``, a
    group label is missing, {group_error}or a weight is negative.
"""

_GAP_NOTE = "At least two groups are required."
_OPTIONAL_NOTE = (
    "Optional here: it is accepted so that every registered metric has the\n"
    "    same signature, and when given only its length and labels are checked."
)


def evaluate(
    name: str,
    kernel: _group.Kernel,
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    sample_weight: Any,
    pos_label: Hashable,
    min_groups: int = 2,
) -> float:
    """Validate the inputs, apply ``kernel`` to the group counts and warn when
    the result is NaN because a group lacks the rows the metric needs."""
    inputs = validate_inputs(
        name,
        y_true,
        y_pred,
        sensitive_features=sensitive_features,
        sample_weight=sample_weight,
        pos_label=pos_label,
        min_groups=min_groups,
    )
    return point_value(name, kernel, inputs, stacklevel=4)


def point_value(
    name: str, kernel: _group.Kernel, inputs: MetricInputs, *, stacklevel: int
) -> float:
    """Apply ``kernel`` to the group counts of ``inputs``; warn when the value
    is NaN, naming the groups that lack the rows the metric needs.

    ``stacklevel`` is passed to :func:`warnings.warn` as seen from this
    function, so it counts the frames between here and the user's call.
    """
    counts = _group.confusion_counts(inputs)
    value = float(kernel(counts))
    if np.isnan(value):
        reasons = _group.undefined_reasons(kernel, counts, inputs.group_labels)
        warnings.warn(
            f"{name} is undefined because {'; '.join(reasons)}; returning NaN.",
            UndefinedMetricWarning,
            stacklevel=stacklevel,
        )
    return value


def _make_metric(
    name: str, kernel: _group.Kernel, summary: str, returns: str, *, needs_groups: bool
) -> Callable[..., float]:
    """Build the public function of a metric around its kernel.

    Accuracy-like metrics accept ``sensitive_features=None``, while the
    fairness metrics make it a required keyword, as fairlearn does.
    """
    if needs_groups:

        def metric(
            y_true: Any,
            y_pred: Any,
            *,
            sensitive_features: Any,
            sample_weight: Any = None,
            pos_label: Hashable = 1,
        ) -> float:
            return evaluate(
                name,
                kernel,
                y_true,
                y_pred,
                sensitive_features=sensitive_features,
                sample_weight=sample_weight,
                pos_label=pos_label,
            )

    else:

        def metric(
            y_true: Any,
            y_pred: Any,
            *,
            sensitive_features: Any = None,
            sample_weight: Any = None,
            pos_label: Hashable = 1,
        ) -> float:
            return evaluate(
                name,
                kernel,
                y_true,
                y_pred,
                sensitive_features=sensitive_features,
                sample_weight=sample_weight,
                pos_label=pos_label,
                min_groups=0,
            )

    # Module-level names make the functions picklable by reference.
    metric.__name__ = metric.__qualname__ = name
    metric.__module__ = __name__
    metric.__doc__ = summary + _SHARED_DOC.format(
        returns=returns,
        groups_note=_GAP_NOTE if needs_groups else _OPTIONAL_NOTE,
        group_error="there are fewer than two groups, " if needs_groups else "",
    )
    return metric


statistical_parity_difference = _make_metric(
    "statistical_parity_difference",
    _group.dsp_kernel,
    """Compute the statistical (demographic) parity difference, DSP.

The selection rate of a group is its weighted fraction of rows with
``y_pred == pos_label``; ``y_true`` only fixes the label set.
""",
    "Max minus min selection rate over groups, in [0, 1]; 0 is parity.",
    needs_groups=True,
)
equal_opportunity_difference = _make_metric(
    "equal_opportunity_difference",
    _group.deo_kernel,
    "Compute the equal opportunity difference, DEO (true positive rate gap).\n",
    "Max minus min true positive rate over groups, in [0, 1]; NaN (with an "
    "UndefinedMetricWarning naming the group) when a group has no positive "
    "``y_true``.",
    needs_groups=True,
)
false_positive_rate_difference = _make_metric(
    "false_positive_rate_difference",
    _group.dfp_kernel,
    "Compute the false positive rate difference, DFP.\n",
    "Max minus min false positive rate over groups, in [0, 1]; NaN (with an "
    "UndefinedMetricWarning naming the group) when a group has no negative "
    "``y_true``.",
    needs_groups=True,
)
equalized_odds_difference = _make_metric(
    "equalized_odds_difference",
    _group.eod_kernel,
    "Compute the equalized odds difference, EOD.\n",
    "The larger of the true positive rate gap and the false positive rate "
    "gap, in [0, 1]; NaN when either is undefined.",
    needs_groups=True,
)
disparate_impact_ratio = _make_metric(
    "disparate_impact_ratio",
    _group.di_kernel,
    "Compute the disparate impact ratio, DI (fairlearn's demographic parity ratio).\n",
    "Min over max selection rate, in [0, 1]; 1 is parity. NaN (with an "
    "UndefinedMetricWarning) when no group has a positive prediction.",
    needs_groups=True,
)
accuracy = _make_metric(
    "accuracy",
    _group.accuracy_kernel,
    "Compute the accuracy over all rows.\n",
    "Weighted fraction of correct predictions.",
    needs_groups=False,
)
balanced_accuracy = _make_metric(
    "balanced_accuracy",
    _group.balanced_accuracy_kernel,
    "Compute the balanced accuracy over all rows.\n",
    "Mean recall of the classes present in ``y_true`` (as scikit-learn's "
    "``balanced_accuracy_score``).",
    needs_groups=False,
)
