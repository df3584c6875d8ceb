"""Alignment of features, labels and sensitive groups before any split.

The fairness metrics compare the predictions of each group, so every row of
``X`` must keep its own label and group through every split and shuffle.
Pandas inputs are matched by index label, anything else by position with a
length check. After alignment, all three are positional arrays of the same
length, and splits index them with the same positions.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fairbo.exceptions import InvalidArgumentError, InvalidTypeError

logger = logging.getLogger(__name__)

_OWNER = "FairnessObjective"
# Index labels named in an alignment error, at most.
_LABELS_SHOWN = 5


@dataclass
class AlignedData:
    """Features, binary labels and group labels with one row per position.

    Attributes
    ----------
    X : pandas.DataFrame
        Features with a RangeIndex and str column names.
    y : numpy.ndarray
        Labels coded 1 for the positive class and 0 otherwise.
    groups : numpy.ndarray
        Group label of each row, as str.
    index : pandas.Index
        The caller's row labels (X's index when X was a DataFrame).
    sensitive_columns : list of str
        Columns of ``X`` that contain the sensitive attribute.
    """

    X: pd.DataFrame
    y: np.ndarray
    groups: np.ndarray
    index: pd.Index
    sensitive_columns: list[str]


def align(
    X: Any, y: Any, sensitive_features: Any, *, pos_label: Hashable = 1
) -> AlignedData:
    """Align ``y`` and ``sensitive_features`` with the rows of ``X``.

    Parameters
    ----------
    X : DataFrame or 2-D array-like
        Features.
    y : Series or 1-D array-like
        Binary labels.
    sensitive_features : Series, DataFrame, 1-D array-like or str
        Group of each row. A str names a column of ``X``. A DataFrame of
        several columns defines intersectional groups such as
        ``"sex=female, age=age<=25"``.
    pos_label : hashable, default 1
        Label of the positive class in ``y``.

    Returns
    -------
    AlignedData

    Raises
    ------
    InvalidArgumentError
        If indices differ, lengths differ, labels are not binary or lack
        ``pos_label``, or a label or group is missing.
    InvalidTypeError
        If ``X`` is not two-dimensional.
    """
    frame = _as_frame(X)
    by_label = isinstance(X, pd.DataFrame)
    if by_label and not frame.index.is_unique:
        duplicated = frame.index[frame.index.duplicated()].unique()
        raise InvalidArgumentError(
            f"{_OWNER}: the index of X must be unique to align y and "
            f"sensitive_features by label, got duplicated labels "
            f"{_first_labels(duplicated)}; call X.reset_index(drop=True) together "
            "with y and sensitive_features."
        )
    if isinstance(sensitive_features, str):
        groups, sensitive_columns = _groups_from_column(frame, sensitive_features)
    else:
        table = _align_one("sensitive_features", sensitive_features, frame, by_label)
        groups = _group_labels(table)
        sensitive_columns = _matching_columns(frame, table)
    labels = _align_one("y", y, frame, by_label).iloc[:, 0]
    return AlignedData(
        X=frame.reset_index(drop=True),
        y=_binary_labels(labels, pos_label),
        groups=groups,
        index=frame.index,
        sensitive_columns=sensitive_columns,
    )


def _as_frame(X: Any) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X.rename(columns=str)
    array = np.asarray(X)
    if array.ndim != 2:
        raise InvalidTypeError(
            f"{_OWNER}: X must be two-dimensional (rows x features), got an array "
            f"of shape {array.shape}; reshape a single feature with "
            "X.reshape(-1, 1)."
        )
    columns = [f"x{i}" for i in range(array.shape[1])]
    return pd.DataFrame(array, columns=columns)


def _align_one(
    name: str, values: Any, frame: pd.DataFrame, by_label: bool
) -> pd.DataFrame:
    """Return ``values`` as a DataFrame in the row order of ``frame``."""
    if isinstance(values, (pd.Series, pd.DataFrame)):
        table = values.to_frame() if isinstance(values, pd.Series) else values
        if by_label:
            _check_same_labels(name, table.index, frame.index)
            return table.loc[frame.index]
    else:
        array = np.asarray(values, dtype=object)
        if array.ndim == 1:
            array = array[:, None]
        table = pd.DataFrame(
            array, columns=[f"{name}{i}" for i in range(array.shape[1])]
        )
    if len(table) != len(frame):
        raise InvalidArgumentError(
            f"{_OWNER}: {name} must have one entry per row of X ({len(frame)} "
            f"rows), got {len(table)}; pass {name} for exactly the rows of X."
        )
    return table.set_axis(frame.index, axis=0)


def _check_same_labels(name: str, labels: pd.Index, expected: pd.Index) -> None:
    if not labels.is_unique:
        duplicated = labels[labels.duplicated()].unique()
        raise InvalidArgumentError(
            f"{_OWNER}: the index of {name} must be unique, got duplicated labels "
            f"{_first_labels(duplicated)}; reset the indices of X, y and "
            "sensitive_features together."
        )
    if labels.equals(expected):
        return
    missing = expected.difference(labels, sort=False)
    extra = labels.difference(expected, sort=False)
    if len(missing) or len(extra):
        raise InvalidArgumentError(
            f"{_OWNER}: the index of {name} must contain the same labels as the "
            f"index of X, got {len(missing)} labels of X missing from {name} "
            f"(e.g. {_first_labels(missing)}) and {len(extra)} labels of {name} "
            f"absent from X (e.g. {_first_labels(extra)}); select the same rows "
            f"in both, or pass {name}.to_numpy() to pair rows by position."
        )


def _first_labels(labels: Sequence[Any] | pd.Index) -> str:
    shown = [repr(label) for label in list(labels)[:_LABELS_SHOWN]]
    suffix = ", ..." if len(labels) > _LABELS_SHOWN else ""
    return "[" + ", ".join(shown) + suffix + "]"


def _groups_from_column(
    frame: pd.DataFrame, column: str
) -> tuple[np.ndarray, list[str]]:
    if column not in frame.columns:
        raise InvalidArgumentError(
            f"{_OWNER}: sensitive_features given as a str must name a column of "
            f"X, got {column!r}; columns are {_first_labels(frame.columns)} "
            f"(X has {frame.shape[1]} columns)."
        )
    return _group_labels(frame[[column]]), [column]


def _group_labels(table: pd.DataFrame) -> np.ndarray:
    if table.isna().to_numpy().any():
        position = int(np.flatnonzero(table.isna().to_numpy().any(axis=1))[0])
        raise InvalidArgumentError(
            f"{_OWNER}: sensitive_features must have a group for every row, got a "
            f"missing value at row {table.index[position]!r}; fill or drop the "
            "rows without a group."
        )
    if table.shape[1] == 1:
        return table.iloc[:, 0].astype(str).to_numpy(dtype=object)
    parts = [f"{column}=" + table[column].astype(str) for column in table.columns]
    combined = parts[0].str.cat(parts[1:], sep=", ")
    return combined.to_numpy(dtype=object)


def _matching_columns(frame: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    """Return the columns of ``frame`` that repeat a sensitive column."""
    matching = []
    for column in table.columns:
        name = str(column)
        if name not in frame.columns:
            continue
        if frame[name].astype(str).equals(table[column].astype(str)):
            matching.append(name)
    return matching


def _binary_labels(labels: pd.Series, pos_label: Hashable) -> np.ndarray:
    if labels.isna().any():
        position = int(np.flatnonzero(labels.isna().to_numpy())[0])
        raise InvalidArgumentError(
            f"{_OWNER}: y must have a label for every row, got a missing value at "
            f"row {labels.index[position]!r}; drop the unlabelled rows."
        )
    classes = pd.unique(labels.to_numpy())
    if len(classes) != 2 or pos_label not in set(classes.tolist()):
        class_list = sorted(classes.tolist(), key=repr)
        raise InvalidArgumentError(
            f"{_OWNER}: y must contain exactly two classes including "
            f"pos_label={pos_label!r}, got classes {class_list}; "
            "pass binary labels and set pos_label to the favourable outcome."
        )
    return (labels.to_numpy() == pos_label).astype(np.int64)
