"""Splits stratified by label and group, and checks of the group sizes.

Stratifying by the pair (label, group) keeps the share of each group and of
each class the same in every part, so a small group is not left out of a
validation fold by chance. A (label, group) cell with too few rows to be
spread over the parts is merged into a "rest" cell of its label.
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit

from fairbo.exceptions import InvalidArgumentError, SmallGroupWarning

logger = logging.getLogger(__name__)

#: Rows a group needs in a validation part before its metrics are trusted.
#: 30 is the usual minimum for the normal approximation of a proportion. At
#: n rows the standard error of a group's rate is at most 0.5 / sqrt(n),
#: about 0.09 at n = 30 and 0.19 at n = 7, where a gap metric is mostly noise.
SMALL_GROUP_THRESHOLD = 30

Split = tuple[np.ndarray, np.ndarray]


def make_strata(y: np.ndarray, groups: np.ndarray, min_rows: int) -> np.ndarray:
    """Label each row with its (label, group) cell for stratification.

    A cell with fewer than ``min_rows`` rows joins the largest cell of its
    label, because scikit-learn's stratified splitters need ``min_rows``
    rows per cell (one per fold) to spread it over every part.
    """
    cells = np.array(
        [f"{label}|{group}" for label, group in zip(y, groups, strict=True)]
    )
    counts = Counter(cells.tolist())
    small = np.array([counts[cell] < min_rows for cell in cells], dtype=bool)
    if small.any():
        logger.info(
            "Stratifying %d rows of small (label, group) cells by label only",
            int(small.sum()),
        )
        for label in np.unique(y[small]):
            of_label = y == label
            largest = Counter(cells[of_label].tolist()).most_common(1)[0][0]
            cells[small & of_label] = largest
    return cells


def split_test(y: np.ndarray, groups: np.ndarray, test_size: float, seed: int) -> Split:
    """Split positions into a development part and a held-out test part."""
    strata = make_strata(y, groups, min_rows=2)
    splitter = StratifiedShuffleSplit(
        n_splits=1, test_size=test_size, random_state=seed
    )
    try:
        development, test = next(splitter.split(np.zeros(len(y)), strata))
    except ValueError as err:
        raise InvalidArgumentError(
            f"FairnessObjective: cannot hold out test_size={test_size} of "
            f"{len(y)} rows stratified by label and group ({err}); choose a "
            "test_size that leaves rows of every class on both sides."
        ) from err
    return np.sort(development), np.sort(test)


def validation_splits(
    rows: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    *,
    cv: int,
    validation_size: float | None,
    seed: int,
) -> list[Split]:
    """Split the positions ``rows`` into (train, validation) pairs.

    Returns ``cv`` stratified folds, or one stratified holdout split when
    ``validation_size`` is set. Positions refer to the full arrays.
    """
    y_rows, groups_rows = y[rows], groups[rows]
    if validation_size is None:
        _check_fold_count(y_rows, cv)
        strata = make_strata(y_rows, groups_rows, min_rows=cv)
        splitter = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    else:
        strata = make_strata(y_rows, groups_rows, min_rows=2)
        splitter = StratifiedShuffleSplit(
            n_splits=1, test_size=validation_size, random_state=seed
        )
    try:
        splits = list(splitter.split(np.zeros(len(rows)), strata))
    except ValueError as err:
        raise InvalidArgumentError(
            f"FairnessObjective: cannot split {len(rows)} rows with cv={cv}, "
            f"validation_size={validation_size} ({err}); use fewer folds or a "
            "larger validation_size."
        ) from err
    return [(rows[np.sort(train)], rows[np.sort(valid)]) for train, valid in splits]


def _check_fold_count(y: np.ndarray, cv: int) -> None:
    """Raise unless every class has at least ``cv`` rows, which stratified
    k-fold needs to put each class in every fold."""
    label, count = min(Counter(y.tolist()).items(), key=lambda item: item[1])
    if cv > count:
        raise InvalidArgumentError(
            f"FairnessObjective: cv={cv} folds need at least {cv} rows of each "
            f"class, but class {label!r} has only {count} rows to split; use "
            f"cv <= {count}."
        )


def count_groups(groups: np.ndarray, labels: Sequence[str]) -> dict[str, int]:
    """Count the rows of each of ``labels`` in ``groups`` (zero included)."""
    counts = Counter(groups.tolist())
    return {label: int(counts.get(label, 0)) for label in labels}


def check_every_group_present(parts: list[dict[str, int]], part_name: str) -> None:
    """Raise when a validation or test part lacks a group entirely."""
    for number, sizes in enumerate(parts):
        absent = [group for group, size in sizes.items() if size == 0]
        if absent:
            raise InvalidArgumentError(
                f"FairnessObjective: every group must appear in every {part_name}, "
                f"got no rows of groups {absent} in {part_name} {number}; use "
                "fewer folds (cv), a larger validation_size or test_size, or "
                "merge small groups."
            )


def warn_small_groups(
    parts: list[dict[str, int]], part_name: str, threshold: int
) -> None:
    """Issue one SmallGroupWarning for the smallest group below ``threshold``."""
    smallest = min(
        ((size, group) for sizes in parts for group, size in sizes.items()),
        default=None,
    )
    if smallest is None or smallest[0] >= threshold:
        return
    size, group = smallest
    warnings.warn(
        f"FairnessObjective: group {group!r} has only {size} rows in the smallest "
        f"{part_name} (threshold {threshold}), so its rates have a standard "
        f"error up to {0.5 / np.sqrt(size):.2f} and the fairness metrics are "
        "noisy; consider upper_confidence=0.95, fewer folds, or merging groups.",
        SmallGroupWarning,
        stacklevel=4,
    )
