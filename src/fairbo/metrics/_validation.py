"""Input checks shared by every metric: lengths, labels, groups and weights.

Every check raises :class:`~fairbo.exceptions.MetricInputError` with a message
that names the metric, the offending argument, what was received and the fix.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fairbo.exceptions import MetricInputError

logger = logging.getLogger(__name__)

#: Separator between the column values of an intersectional group label.
GROUP_SEPARATOR = "|"

# Number of distinct values shown in an error message before "...".
_MAX_SHOWN = 6


@dataclass(frozen=True)
class MetricInputs:
    """Validated metric inputs in the form the group counts need.

    Attributes
    ----------
    y_true, y_pred : numpy.ndarray
        The labels as given (1-D arrays), kept for user callables.
    true_positive, pred_positive : numpy.ndarray of bool
        Whether each row's true and predicted label equals ``pos_label``.
    group_codes : numpy.ndarray of intp
        Group index of each row, in ``0 .. len(group_labels) - 1``.
    group_labels : tuple
        Label of each group: the original value for one sensitive feature,
        or the column values joined by ``"|"`` for several.
    groups : numpy.ndarray
        The group label of each row (``group_labels[group_codes]``).
    sample_weight : numpy.ndarray of float or None
        Non-negative row weights, or None for unit weights.
    pos_label : Hashable
        The label that counts as positive, as found in the data.
    """

    y_true: np.ndarray
    y_pred: np.ndarray
    true_positive: np.ndarray
    pred_positive: np.ndarray
    group_codes: np.ndarray
    group_labels: tuple
    groups: np.ndarray
    sample_weight: np.ndarray | None
    pos_label: Hashable

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return len(self.y_true)

    @property
    def n_groups(self) -> int:
        """Number of distinct groups."""
        return len(self.group_labels)


def validate_inputs(
    caller: str,
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    sample_weight: Any = None,
    pos_label: Hashable = 1,
    min_groups: int = 2,
) -> MetricInputs:
    """Check and convert the arguments of a metric.

    Parameters
    ----------
    caller : str
        Metric name used as the owner in error messages.
    y_true, y_pred, sensitive_features, sample_weight, pos_label
        The metric's arguments. ``sensitive_features`` may be None only when
        ``min_groups`` is 0 (every row then forms one group).
    min_groups : int
        Minimum number of distinct groups.

    Returns
    -------
    MetricInputs

    Raises
    ------
    MetricInputError
        If the lengths or pandas indices differ, the labels are not binary or
        lack ``pos_label``, a group label is missing, there are fewer than
        ``min_groups`` groups, or a weight is negative or not finite.
    """
    named = {"y_true": y_true, "y_pred": y_pred}
    if sensitive_features is not None:
        named["sensitive_features"] = sensitive_features
    if sample_weight is not None:
        named["sample_weight"] = sample_weight
    _check_lengths(caller, named)
    _check_pandas_indices(caller, named)

    true_array = _to_label_array(caller, "y_true", y_true)
    pred_array = _to_label_array(caller, "y_pred", y_pred)
    matched_label = _check_binary_labels(caller, true_array, pred_array, pos_label)
    if sensitive_features is None:
        if min_groups > 1:
            raise MetricInputError(
                f"{caller}: sensitive_features is required, got None; pass one "
                "group label per row."
            )
        codes = np.zeros(len(true_array), dtype=np.intp)
        labels: tuple = ("all",)
    else:
        codes, labels = encode_groups(caller, sensitive_features)
    if len(labels) < min_groups:
        raise MetricInputError(
            f"{caller}: sensitive_features must contain at least {min_groups} "
            f"distinct groups, got {len(labels)} ({_show(labels)}); a gap "
            "between groups needs rows from two or more groups."
        )
    weights = _check_weights(caller, sample_weight)
    group_array = np.empty(len(labels), dtype=object)
    group_array[:] = labels
    return MetricInputs(
        y_true=true_array,
        y_pred=pred_array,
        true_positive=_equals(true_array, matched_label),
        pred_positive=_equals(pred_array, matched_label),
        group_codes=codes,
        group_labels=labels,
        groups=group_array[codes],
        sample_weight=weights,
        pos_label=matched_label,
    )


def _check_lengths(caller: str, named: dict[str, Any]) -> None:
    lengths = {name: _length(caller, name, value) for name, value in named.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"len({name})={n}" for name, n in lengths.items())
        names = ", ".join(lengths)
        raise MetricInputError(
            f"{caller}: {names} must have one entry per row, got "
            f"{shown}; pass values for the same rows."
        )
    if lengths["y_true"] == 0:
        raise MetricInputError(f"{caller}: y_true is empty; pass at least one row.")


def _length(caller: str, name: str, value: Any) -> int:
    try:
        return len(value)
    except TypeError:
        raise MetricInputError(
            f"{caller}: {name} must be a list, numpy array or pandas object, got "
            f"{type(value).__name__}; pass one value per row."
        ) from None


def _check_pandas_indices(caller: str, named: dict[str, Any]) -> None:
    # Positional alignment is what numpy inputs get, but two pandas objects
    # with different indices usually mean a split or shuffle lost the pairing
    # of rows and groups, so it is rejected rather than silently ignored.
    indexed = [
        (name, value.index)
        for name, value in named.items()
        if isinstance(value, (pd.Series, pd.DataFrame))
    ]
    for (first_name, first), (other_name, other) in zip(
        indexed, indexed[1:], strict=False
    ):
        if first.equals(other):
            continue
        position = int(np.flatnonzero(np.asarray(first != other))[0])
        raise MetricInputError(
            f"{caller}: {first_name} and {other_name} are pandas objects with "
            f"different indices (first difference at position {position}: "
            f"{_plain(first[position])!r} vs {_plain(other[position])!r}); align "
            "them, e.g. "
            f"{other_name}.loc[{first_name}.index], or call .reset_index(drop=True) "
            "on both if the rows already match by position."
        )


def _as_array(values: Any) -> np.ndarray:
    """Convert to numpy, keeping None and NaN of a list detectable.

    ``np.asarray(["a", float("nan")])`` silently turns NaN into the string
    ``"nan"``, so lists that become string arrays are converted as objects.
    """
    array = np.asarray(values)
    if isinstance(values, (list, tuple)) and array.dtype.kind in "US":
        as_objects = np.asarray(values, dtype=object)
        if pd.isna(as_objects).any():
            return as_objects
    return array


def _to_label_array(caller: str, name: str, values: Any) -> np.ndarray:
    array = _as_array(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise MetricInputError(
            f"{caller}: {name} must be 1-D, got shape {array.shape}; pass one "
            "label per row."
        )
    missing = pd.isna(array)
    if missing.any():
        raise MetricInputError(
            f"{caller}: {name} contains {int(missing.sum())} missing values (first "
            f"at position {int(np.argmax(missing))}); drop or impute those rows."
        )
    return array


def _check_binary_labels(
    caller: str, y_true: np.ndarray, y_pred: np.ndarray, pos_label: Hashable
) -> Hashable:
    """Check that the labels are binary and return ``pos_label`` as stored."""
    pred_labels = pd.unique(y_pred)
    if len(pred_labels) > 2:
        raise MetricInputError(_non_binary_message(caller, y_pred, pred_labels))
    true_labels = pd.unique(y_true)
    if len(true_labels) > 2:
        raise MetricInputError(
            f"{caller}: y_true must contain at most 2 distinct labels, got "
            f"{len(true_labels)} ({_show(true_labels)}); these metrics are "
            "defined for binary classification."
        )
    labels = _union(true_labels, pred_labels)
    if len(labels) > 2:
        raise MetricInputError(
            f"{caller}: y_true and y_pred together contain {len(labels)} distinct "
            f"labels ({_show(labels)}), but they must share the same two labels; "
            "encode both with the same classes."
        )
    for label in labels:
        if label == pos_label:
            return label
    raise MetricInputError(
        f"{caller}: pos_label={pos_label!r} is in neither y_true nor y_pred, "
        f"which contain {_show(labels)}; pass pos_label set to the positive "
        "class, e.g. one of those labels."
    )


def _non_binary_message(caller: str, y_pred: np.ndarray, labels: np.ndarray) -> str:
    message = (
        f"{caller}: y_pred must contain at most 2 distinct labels, got "
        f"{len(labels)} ({_show(labels)})"
    )
    is_numeric = y_pred.dtype.kind in "fiu"
    if is_numeric and y_pred.min() >= 0.0 and y_pred.max() <= 1.0:
        return (
            f"{message}. These look like probabilities; threshold them first, "
            "e.g. y_pred = (proba >= 0.5).astype(int)."
        )
    return f"{message}; pass predicted class labels."


def _union(first: np.ndarray, second: np.ndarray) -> list:
    labels = list(first)
    for label in second:
        if not any(label == known for known in labels):
            labels.append(label)
    return labels


def _equals(values: np.ndarray, label: Hashable) -> np.ndarray:
    if values.dtype == object:
        return np.fromiter((value == label for value in values), bool, len(values))
    return np.asarray(values == label, dtype=bool)


def encode_groups(caller: str, sensitive_features: Any) -> tuple[np.ndarray, tuple]:
    """Map each row to a group index and return ``(codes, labels)``.

    Several columns (a DataFrame or a 2-D array) form intersectional groups
    labelled by their values joined with ``"|"``, for example ``"yes|female"``.
    Labels are sorted when they are comparable, else kept in order of first
    appearance.

    Raises
    ------
    MetricInputError
        If a group label is missing (None or NaN).
    """
    columns = _feature_columns(caller, sensitive_features)
    for name, column in columns:
        missing = pd.isna(column)
        if missing.any():
            raise MetricInputError(
                f"{caller}: sensitive_features{name} contains {int(missing.sum())} "
                f"missing group labels (first at position {int(np.argmax(missing))});"
                " drop those rows or give them an explicit group such as 'unknown'."
            )
    if len(columns) == 1:
        values = columns[0][1]
    else:
        parts = [column.astype(str).astype(object) for _, column in columns]
        values = parts[0]
        for part in parts[1:]:
            values = values + GROUP_SEPARATOR + part
    try:
        codes, labels = pd.factorize(values, sort=True)
    except TypeError:
        # Mixed label types (e.g. 1 and "a") cannot be sorted.
        codes, labels = pd.factorize(values, sort=False)
    return codes.astype(np.intp), tuple(np.asarray(labels, dtype=object).tolist())


def _feature_columns(caller: str, features: Any) -> list[tuple[str, np.ndarray]]:
    if isinstance(features, pd.DataFrame):
        return [(f"[{name!r}]", features[name].to_numpy()) for name in features]
    array = _as_array(features)
    if array.ndim == 1:
        return [("", array)]
    if array.ndim == 2:
        return [(f"[:, {j}]", array[:, j]) for j in range(array.shape[1])]
    raise MetricInputError(
        f"{caller}: sensitive_features must be 1-D or 2-D (one column per "
        f"feature), got shape {array.shape}; pass one group label per row."
    )


def _check_weights(caller: str, sample_weight: Any) -> np.ndarray | None:
    if sample_weight is None:
        return None
    try:
        weights = np.asarray(sample_weight, dtype=float)
    except (TypeError, ValueError):
        raise MetricInputError(
            f"{caller}: sample_weight must be numeric, got "
            f"{type(sample_weight).__name__}; pass one non-negative float per row."
        ) from None
    if weights.ndim != 1:
        raise MetricInputError(
            f"{caller}: sample_weight must be 1-D, got shape {weights.shape}; pass "
            "one non-negative float per row."
        )
    if not np.isfinite(weights).all():
        position = int(np.argmax(~np.isfinite(weights)))
        raise MetricInputError(
            f"{caller}: sample_weight must be finite, got {weights[position]} at "
            f"position {position}; drop or fix that row."
        )
    if (weights < 0).any():
        position = int(np.argmax(weights < 0))
        raise MetricInputError(
            f"{caller}: sample_weight must be non-negative, got "
            f"{int((weights < 0).sum())} negative weights (first: {weights[position]} "
            f"at position {position}); pass weights >= 0."
        )
    if weights.sum() <= 0:
        raise MetricInputError(
            f"{caller}: sample_weight sums to 0, so every rate is undefined; "
            "give at least one row a positive weight."
        )
    return weights


def _show(labels: Any) -> str:
    shown = [repr(_plain(label)) for label in list(labels)[:_MAX_SHOWN]]
    suffix = ", ..." if len(labels) > _MAX_SHOWN else ""
    return "[" + ", ".join(shown) + suffix + "]"


def _plain(value: Any) -> Any:
    """Return numpy scalars as Python values so reprs read ``1``, not
    ``np.int64(1)``."""
    return value.item() if isinstance(value, np.generic) else value
