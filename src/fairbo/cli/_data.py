"""Data sets for ``fairbo run``: an embedded one or a user's CSV file."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from fairbo.cli._errors import CliError
from fairbo.datasets import load_adult, load_german_credit

logger = logging.getLogger(__name__)

EMBEDDED_DATASETS: dict[str, Callable[..., Any]] = {
    "german_credit": load_german_credit,
    "adult": load_adult,
}

# Target values read as the positive class when --positive-label is omitted.
_IMPLICIT_POSITIVE = {"1", "1.0", "true"}


@dataclass
class Dataset:
    """Features, binary labels (1 = positive) and sensitive groups."""

    name: str
    X: pd.DataFrame
    y: pd.Series
    sensitive: pd.Series | str


def load_embedded(name: str, sensitive: str | None) -> Dataset:
    """Load a data set shipped with fairbo.

    Parameters
    ----------
    name : str
        A key of :data:`EMBEDDED_DATASETS`.
    sensitive : str, optional
        Sensitive attribute; the loader's default when omitted.

    Raises
    ------
    CliError
        If ``name`` is not an embedded data set.
    """
    if name not in EMBEDDED_DATASETS:
        raise CliError(
            f"--dataset must be one of {sorted(EMBEDDED_DATASETS)}, got "
            f"{name!r}; or pass --data FILE.csv for your own data."
        )
    loader = EMBEDDED_DATASETS[name]
    bunch = loader() if sensitive is None else loader(sensitive=sensitive)
    return Dataset(name, bunch.data, bunch.target, bunch.sensitive_features)


def load_csv(
    path: Path, target: str | None, sensitive: str | None, positive_label: str | None
) -> Dataset:
    """Read a user's CSV file with a header row.

    Parameters
    ----------
    path : Path
        The CSV file.
    target : str
        Column of the labels.
    sensitive : str
        Column of the sensitive groups; it is not a model input.
    positive_label : str, optional
        Target value of the favourable outcome, compared as text; every other
        value is negative. Required unless the target has the values 0/1 or
        False/True.

    Raises
    ------
    CliError
        For a missing or unreadable file, a missing column, or a target that
        is not binary without ``positive_label``.
    """
    if target is None or sensitive is None:
        raise CliError(
            "--data needs --target COLUMN and --sensitive COLUMN; add both "
            "options naming columns of the CSV file."
        )
    frame = _read_csv(path)
    for option, column in (("--target", target), ("--sensitive", sensitive)):
        if column not in frame.columns:
            available = ", ".join(map(str, frame.columns))
            raise CliError(
                f"{option}: column {column!r} not found in {path}; available "
                f"columns: {available}."
            )
    if target == sensitive:
        raise CliError(
            f"--target and --sensitive name the same column {target!r}; the "
            "sensitive attribute must be another column."
        )
    labels = _binary_labels(frame[target], target, positive_label)
    features = frame.drop(columns=[target])
    return Dataset(path.stem, features, labels, sensitive)


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise CliError(f"--data: file {str(path)!r} not found; pass a CSV file.")
    try:
        frame = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        reason = " ".join(str(err).split())
        raise CliError(
            f"--data: cannot read {str(path)!r} as CSV ({reason}); pass a "
            "comma-separated UTF-8 file with a header row."
        ) from err
    except pd.errors.EmptyDataError as err:
        raise CliError(
            f"--data: {str(path)!r} is empty; pass a CSV file with a header row "
            "and data rows."
        ) from err
    if frame.empty:
        raise CliError(f"--data: {str(path)!r} has a header but no data rows.")
    return frame


def _binary_labels(
    column: pd.Series, name: str, positive_label: str | None
) -> pd.Series:
    missing = int(column.isna().sum())
    if missing:
        raise CliError(
            f"--target: column {name!r} has {missing} missing values; remove "
            "those rows or pick another column."
        )
    text = column.astype(str)
    values = sorted(text.unique())
    if positive_label is None:
        positive = [v for v in values if v.lower() in _IMPLICIT_POSITIVE]
        if len(values) != 2 or len(positive) != 1:
            raise CliError(
                f"--target: column {name!r} has the values {values[:10]}; pass "
                "--positive-label VALUE to name the favourable outcome (every "
                "other value is negative)."
            )
        positive_label = positive[0]
    elif positive_label not in values:
        raise CliError(
            f"--positive-label: {positive_label!r} is not a value of column "
            f"{name!r}, whose values are {values[:10]}; pass one of them."
        )
    if len(values) > 2:
        logger.warning(
            "target %r has %d values; %r is positive and the others negative",
            name,
            len(values),
            positive_label,
        )
    return (text == positive_label).astype("int64").rename(name)
