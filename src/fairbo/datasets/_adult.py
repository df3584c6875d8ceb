"""Loader of the UCI Adult (census income) data set."""

from __future__ import annotations

import functools
import io
import logging

import pandas as pd
from sklearn.utils import Bunch

from fairbo.datasets import _files
from fairbo.exceptions import InvalidArgumentError

logger = logging.getLogger(__name__)

COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education_num",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
    "native_country",
]
NUMERIC_COLUMNS = {
    "age",
    "fnlwgt",
    "education_num",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
}
TARGET = "income"
SENSITIVE_NAMES = ["sex", "race"]
PARTS = {
    "train": ["adult.data.gz"],
    "test": ["adult.test.gz"],
    "all": ["adult.data.gz", "adult.test.gz"],
}

_DESCR_TEMPLATE = """\
Adult (Census Income)
=====================

Records of the 1994 US Current Population Survey, with the task of
predicting whether a person's income exceeds 50,000 USD a year. The
training part has 32,561 rows and the test part 16,281 rows.

Source: {citation}
Licence: {licence}
fairbo ships gzip-compressed, unchanged copies of adult.data and adult.test.

Part returned: {part} ({n_rows} rows).

Target
------
income: 1 = more than 50K, 0 = at most 50K. The trailing dot of the labels
in adult.test is removed.

Columns of ``data``
-------------------
age, fnlwgt (census sampling weight), education_num, capital_gain,
capital_loss and hours_per_week are numeric. workclass, education,
marital_status, occupation, relationship, race, sex and native_country are
categorical. A "?" in the raw files (workclass, occupation, native_country)
becomes a missing value (NaN).

Sensitive attributes
--------------------
``sensitive_features`` is the sex column ("Female"/"Male") by default, or
the race column. Both stay in ``data``. FairnessObjective drops the
sensitive column from the model inputs unless include_sensitive=True.

Group sizes in this part
------------------------
{groups}
"""


@functools.lru_cache(maxsize=2)
def _read_file(filename: str) -> pd.DataFrame:
    text = _files.read_text(filename)
    frame = pd.read_csv(
        io.StringIO(text),
        header=None,
        names=[*COLUMNS, TARGET],
        sep=",",
        skipinitialspace=True,
        na_values=["?"],
        # adult.test starts with a comment line ("|1x3 Cross validator").
        skiprows=1 if filename == "adult.test.gz" else 0,
    )
    frame[TARGET] = frame[TARGET].str.rstrip(".")
    return frame


def _read_part(part: str) -> pd.DataFrame:
    frames = [_read_file(name) for name in PARTS[part]]
    frame = pd.concat(frames, ignore_index=True)
    for column in COLUMNS:
        if column in NUMERIC_COLUMNS:
            frame[column] = frame[column].astype("int64")
        else:
            frame[column] = frame[column].astype("category")
    return frame


def load_adult(*, sensitive: str = "sex", part: str = "train") -> Bunch:
    """Load the UCI Adult data set.

    Parameters
    ----------
    sensitive : {"sex", "race"}, default "sex"
        Column returned as ``sensitive_features``.
    part : {"train", "test", "all"}, default "train"
        The training file (32,561 rows), the test file (16,281 rows), or
        both concatenated with a new index (48,842 rows).

    Returns
    -------
    sklearn.utils.Bunch
        ``data`` (DataFrame of 14 columns, categorical columns with the
        pandas ``category`` dtype, NaN for "?"), ``target`` (Series
        ``income``, 1 = >50K), ``sensitive_features``, ``feature_names``,
        ``target_names``, ``frame`` and ``DESCR``.

    Raises
    ------
    InvalidArgumentError
        If ``sensitive`` or ``part`` is not one of the names above.
    DataIntegrityError
        If a shipped data file is damaged.

    Examples
    --------
    >>> from fairbo.datasets import load_adult
    >>> load_adult(part="test").data.shape
    (16281, 14)
    """
    if sensitive not in SENSITIVE_NAMES:
        raise _files.unknown_sensitive_error("load_adult", sensitive, SENSITIVE_NAMES)
    if part not in PARTS:
        raise InvalidArgumentError(
            f"load_adult: part must be one of {list(PARTS)}, got {part!r}; pass "
            "one of those names."
        )
    frame = _read_part(part)
    target = frame[TARGET].map({">50K": 1, "<=50K": 0}).astype("int64")
    data = frame[COLUMNS].copy()
    sensitive_columns = {
        name: data[name].astype(str).rename(name) for name in SENSITIVE_NAMES
    }
    descr = _DESCR_TEMPLATE.format(
        citation=_files.CITATIONS["adult"],
        licence=_files.LICENCE,
        part=part,
        n_rows=len(data),
        groups=_files.describe_groups(sensitive_columns),
    )
    return _files.make_bunch(
        data=data,
        target=target,
        sensitive=sensitive_columns[sensitive],
        target_names=["<=50K", ">50K"],
        descr=descr,
    )
