"""Loader of the Statlog German Credit data set with decoded attributes."""

from __future__ import annotations

import functools
import io
import logging

import pandas as pd
from sklearn.utils import Bunch

from fairbo.datasets import _files

logger = logging.getLogger(__name__)

# Column names in file order (attributes 1 to 20, then the class label).
COLUMNS = [
    "checking_account",
    "duration_months",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings",
    "employment_since",
    "installment_rate",
    "personal_status_sex",
    "other_debtors",
    "residence_since",
    "property",
    "age",
    "other_installment_plans",
    "housing",
    "existing_credits",
    "job",
    "people_liable",
    "telephone",
    "foreign_worker",
]
TARGET = "credit_risk"

# Meanings of the symbolic codes, from the attribute description
# (german.doc) of the UCI Statlog German Credit data set. Code A47
# ("vacation - does not exist?") never occurs in the data and is left out.
CODES: dict[str, dict[str, str]] = {
    "checking_account": {
        "A11": "< 0 DM",
        "A12": "0 <= ... < 200 DM",
        "A13": ">= 200 DM or salary assignments for at least 1 year",
        "A14": "no checking account",
    },
    "credit_history": {
        "A30": "no credits taken or all credits paid back duly",
        "A31": "all credits at this bank paid back duly",
        "A32": "existing credits paid back duly till now",
        "A33": "delay in paying off in the past",
        "A34": "critical account or other credits existing (not at this bank)",
    },
    "purpose": {
        "A40": "car (new)",
        "A41": "car (used)",
        "A42": "furniture/equipment",
        "A43": "radio/television",
        "A44": "domestic appliances",
        "A45": "repairs",
        "A46": "education",
        "A48": "retraining",
        "A49": "business",
        "A410": "others",
    },
    "savings": {
        "A61": "< 100 DM",
        "A62": "100 <= ... < 500 DM",
        "A63": "500 <= ... < 1000 DM",
        "A64": ">= 1000 DM",
        "A65": "unknown or no savings account",
    },
    "employment_since": {
        "A71": "unemployed",
        "A72": "< 1 year",
        "A73": "1 <= ... < 4 years",
        "A74": "4 <= ... < 7 years",
        "A75": ">= 7 years",
    },
    "personal_status_sex": {
        "A91": "male: divorced/separated",
        "A92": "female: divorced/separated/married",
        "A93": "male: single",
        "A94": "male: married/widowed",
        "A95": "female: single",
    },
    "other_debtors": {
        "A101": "none",
        "A102": "co-applicant",
        "A103": "guarantor",
    },
    "property": {
        "A121": "real estate",
        "A122": "building society savings agreement or life insurance",
        "A123": "car or other",
        "A124": "unknown or no property",
    },
    "other_installment_plans": {
        "A141": "bank",
        "A142": "stores",
        "A143": "none",
    },
    "housing": {
        "A151": "rent",
        "A152": "own",
        "A153": "for free",
    },
    "job": {
        "A171": "unemployed or unskilled - non-resident",
        "A172": "unskilled - resident",
        "A173": "skilled employee or official",
        "A174": "management, self-employed, highly qualified employee or officer",
    },
    "telephone": {
        "A191": "none",
        "A192": "yes, registered under the customer's name",
    },
    "foreign_worker": {
        "A201": "yes",
        "A202": "no",
    },
}

# Sex as written in the personal status codes A91 to A95.
SEX_BY_CODE = {
    "A91": "male",
    "A92": "female",
    "A93": "male",
    "A94": "male",
    "A95": "female",
}
AGE_THRESHOLD = 25
SENSITIVE_NAMES = ["foreign_worker", "sex", "age"]

_DESCR_TEMPLATE = """\
Statlog (German Credit Data)
============================

1000 loan applicants of a German bank, each described by 20 attributes and
classified as a good (700 rows) or bad (300 rows) credit risk.

Source: {citation}
Licence: {licence}
fairbo ships a gzip-compressed, unchanged copy of german.data and decodes
the symbolic codes (A11, A12, ...) into the meanings given by the UCI
attribute description.

Target
------
credit_risk: 1 = good credit risk, 0 = bad credit risk (2 in the raw file).

Columns of ``data``
-------------------
checking_account         status of the existing checking account
duration_months          duration of the credit in months (numeric)
credit_history           credit history
purpose                  purpose of the credit
credit_amount            credit amount in DM (numeric)
savings                  savings account or bonds
employment_since         present employment since
installment_rate         installment rate in percent of disposable income (1-4)
personal_status_sex      personal status and sex
other_debtors            other debtors or guarantors
residence_since          present residence since (1-4)
property                 most valuable property
age                      age in years (numeric)
other_installment_plans  other installment plans
housing                  housing
existing_credits         number of existing credits at this bank (numeric)
job                      job
people_liable            number of people liable to provide maintenance for
telephone                telephone
foreign_worker           foreign worker (yes/no)

Sensitive attributes
--------------------
``sensitive_features`` holds one of these attributes, selected by the
``sensitive`` argument:
- foreign_worker: the foreign_worker column, "yes" or "no".
- sex: "male" for codes A91, A93, A94 and "female" for A92, A95 of
  personal_status_sex.
- age: "age<={age}" or "age>{age}".

The column a sensitive attribute comes from stays in ``data`` (foreign_worker,
personal_status_sex, age), so ``data`` always has the same 20 columns.
FairnessObjective drops a sensitive column from the model inputs unless
include_sensitive=True, but it can only drop a column it is given: to hide
sex from a model, drop personal_status_sex yourself.

NOTE: the sex coding follows the UCI description of german.data. The code
table of the corrected South German Credit data (UCI, 2019) describes one
personal status code as "female: non-single or male: single", so the
derived sex may be wrong for some rows. Treat "sex" as an approximation.

Group sizes
-----------
{groups}
"""


@functools.lru_cache(maxsize=1)
def _read_raw() -> pd.DataFrame:
    text = _files.read_text("german.data.gz")
    return pd.read_csv(
        io.StringIO(text),
        sep=" ",
        header=None,
        names=[*COLUMNS, TARGET],
        dtype=str,
    )


def _decode(raw: pd.DataFrame) -> pd.DataFrame:
    data = pd.DataFrame(index=raw.index)
    for column in COLUMNS:
        if column in CODES:
            table = CODES[column]
            categories = pd.CategoricalDtype(list(table.values()))
            data[column] = raw[column].map(table).astype(categories)
        else:
            data[column] = raw[column].astype("int64")
    return data


def _sensitive_columns(raw: pd.DataFrame, data: pd.DataFrame) -> dict[str, pd.Series]:
    age_labels = (
        data["age"]
        .le(AGE_THRESHOLD)
        .map({True: f"age<={AGE_THRESHOLD}", False: f"age>{AGE_THRESHOLD}"})
    )
    return {
        "foreign_worker": data["foreign_worker"].astype(str).rename("foreign_worker"),
        "sex": raw["personal_status_sex"].map(SEX_BY_CODE).rename("sex"),
        "age": age_labels.rename("age"),
    }


def load_german_credit(*, sensitive: str = "foreign_worker") -> Bunch:
    """Load the Statlog German Credit data set with decoded attributes.

    Parameters
    ----------
    sensitive : {"foreign_worker", "sex", "age"}, default "foreign_worker"
        Attribute returned as ``sensitive_features``. "foreign_worker" has
        the groups "yes" (963 rows) and "no" (37 rows); "sex" is derived
        from the personal status code; "age" splits at 25 years.

    Returns
    -------
    sklearn.utils.Bunch
        ``data`` (DataFrame, 1000 rows and 20 columns; categorical columns
        have the pandas ``category`` dtype), ``target`` (Series
        ``credit_risk``, 1 = good, 0 = bad), ``sensitive_features`` (Series
        of group labels), ``feature_names``, ``target_names``, ``frame``
        (``data`` plus the target column) and ``DESCR``. The column a
        sensitive attribute is derived from stays in ``data``.

    Raises
    ------
    InvalidArgumentError
        If ``sensitive`` is not one of the names above.
    DataIntegrityError
        If the shipped data file is damaged.

    Examples
    --------
    >>> from fairbo.datasets import load_german_credit
    >>> bunch = load_german_credit()
    >>> bunch.sensitive_features.value_counts().to_dict()
    {'yes': 963, 'no': 37}
    """
    if sensitive not in SENSITIVE_NAMES:
        raise _files.unknown_sensitive_error(
            "load_german_credit", sensitive, SENSITIVE_NAMES
        )
    raw = _read_raw()
    data = _decode(raw)
    target = raw[TARGET].map({"1": 1, "2": 0}).astype("int64").rename(TARGET)
    sensitive_columns = _sensitive_columns(raw, data)
    descr = _DESCR_TEMPLATE.format(
        citation=_files.CITATIONS["german"],
        licence=_files.LICENCE,
        age=AGE_THRESHOLD,
        groups=_files.describe_groups(sensitive_columns),
    )
    return _files.make_bunch(
        data=data,
        target=target,
        sensitive=sensitive_columns[sensitive],
        target_names=["bad", "good"],
        descr=descr,
    )
