"""Group-wise confusion counts, the rates derived from them and the metric
kernels.

Every kernel maps an array of weighted confusion counts of shape
``(..., n_groups, 4)`` to metric values of shape ``(...)``. The leading axes
let the bootstrap evaluate thousands of resamples in one call, and a point
estimate is the same kernel applied to a single ``(n_groups, 4)`` array.
The last axis contains the cells in the order true negative, false positive,
false negative, true positive (cell index ``2 * y_true_positive +
y_pred_positive``). A rate whose denominator is zero is NaN.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from fairbo.metrics._validation import MetricInputs

logger = logging.getLogger(__name__)

N_CELLS = 4
TN, FP, FN, TP = range(N_CELLS)

Kernel = Callable[[np.ndarray], np.ndarray]


def cell_codes(inputs: MetricInputs) -> np.ndarray:
    """Return the cell of each row combined with its group, ``group * 4 + cell``."""
    cells = 2 * inputs.true_positive.astype(np.intp) + inputs.pred_positive
    return inputs.group_codes * N_CELLS + cells


def confusion_counts(inputs: MetricInputs) -> np.ndarray:
    """Return the weighted confusion counts of each group, shape ``(G, 4)``."""
    counts = np.bincount(
        cell_codes(inputs),
        weights=inputs.sample_weight,
        minlength=inputs.n_groups * N_CELLS,
    )
    return counts.astype(float).reshape(inputs.n_groups, N_CELLS)


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.full(np.shape(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def group_weight(counts: np.ndarray) -> np.ndarray:
    """Total weight of each group."""
    return counts.sum(axis=-1)


def base_rate(counts: np.ndarray) -> np.ndarray:
    """Weighted fraction of rows whose true label is positive."""
    return _divide(counts[..., FN] + counts[..., TP], group_weight(counts))


def selection_rate(counts: np.ndarray) -> np.ndarray:
    """Weighted fraction of rows predicted positive."""
    return _divide(counts[..., FP] + counts[..., TP], group_weight(counts))


def true_positive_rate(counts: np.ndarray) -> np.ndarray:
    """TP / (TP + FN); NaN for a group without positive true labels."""
    return _divide(counts[..., TP], counts[..., TP] + counts[..., FN])


def false_positive_rate(counts: np.ndarray) -> np.ndarray:
    """FP / (FP + TN); NaN for a group without negative true labels."""
    return _divide(counts[..., FP], counts[..., FP] + counts[..., TN])


def group_accuracy(counts: np.ndarray) -> np.ndarray:
    """Weighted fraction of rows predicted correctly."""
    return _divide(counts[..., TN] + counts[..., TP], group_weight(counts))


def _gap(rates: np.ndarray) -> np.ndarray:
    # np.max and np.min propagate NaN, so one undefined group makes the gap NaN.
    return np.max(rates, axis=-1) - np.min(rates, axis=-1)


def dsp_kernel(counts: np.ndarray) -> np.ndarray:
    """Compute the max minus min selection rate over groups."""
    return _gap(selection_rate(counts))


def deo_kernel(counts: np.ndarray) -> np.ndarray:
    """Compute the max minus min true positive rate over groups."""
    return _gap(true_positive_rate(counts))


def dfp_kernel(counts: np.ndarray) -> np.ndarray:
    """Compute the max minus min false positive rate over groups."""
    return _gap(false_positive_rate(counts))


def eod_kernel(counts: np.ndarray) -> np.ndarray:
    """Take the larger of the true positive rate gap and the false positive rate gap."""
    return np.maximum(deo_kernel(counts), dfp_kernel(counts))


def di_kernel(counts: np.ndarray) -> np.ndarray:
    """Compute the min over max selection rate, NaN when no group is selected."""
    rates = selection_rate(counts)
    return _divide(np.min(rates, axis=-1), np.max(rates, axis=-1))


def accuracy_kernel(counts: np.ndarray) -> np.ndarray:
    """Compute the weighted accuracy over all rows."""
    return group_accuracy(counts.sum(axis=-2))


def balanced_accuracy_kernel(counts: np.ndarray) -> np.ndarray:
    """Compute the mean recall of the classes present in ``y_true``.

    As in scikit-learn's ``balanced_accuracy_score``, a class without rows in
    ``y_true`` is left out of the mean.
    """
    totals = counts.sum(axis=-2)
    recalls = np.stack(
        [true_positive_rate(totals), 1.0 - false_positive_rate(totals)], axis=-1
    )
    defined = ~np.isnan(recalls)
    return _divide(np.where(defined, recalls, 0.0).sum(axis=-1), defined.sum(axis=-1))


def undefined_reasons(kernel: Kernel, counts: np.ndarray, labels: tuple) -> list[str]:
    """Explain why ``kernel`` is NaN on the ``(G, 4)`` point counts."""
    reasons = []
    selection = selection_rate(counts)
    checks: list[tuple[np.ndarray, str]] = [
        (selection, "has zero total weight"),
    ]
    if kernel in (deo_kernel, eod_kernel):
        checks.append(
            (true_positive_rate(counts), "has no rows with y_true == pos_label")
        )
    if kernel in (dfp_kernel, eod_kernel):
        checks.append(
            (false_positive_rate(counts), "has no rows with y_true != pos_label")
        )
    for rates, reason in checks:
        for label in np.asarray(labels, dtype=object)[np.isnan(rates)]:
            reasons.append(f"group {label!r} {reason}")
    if kernel is di_kernel and not reasons and np.nanmax(selection) == 0:
        reasons.append("no group has a positive prediction (every selection rate is 0)")
    return reasons
