"""Reading of the compressed data files shipped inside the package."""

from __future__ import annotations

import gzip
import hashlib
import logging
from importlib import resources

import pandas as pd
from sklearn.utils import Bunch

from fairbo.exceptions import DataIntegrityError, InvalidArgumentError

logger = logging.getLogger(__name__)

# sha256 of the uncompressed UCI files. A mismatch means the installed
# package is damaged.
EXPECTED_SHA256 = {
    "german.data.gz": (
        "b21f3d81db8071257d5ff1deaeba1fd4303b62712e6fcc9715c7a86202cb5871"
    ),
    "adult.data.gz": (
        "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d"
    ),
    "adult.test.gz": (
        "a2a9044bc167a35b2361efbabec64e89d69ce82d9790d2980119aac5fd7e9c05"
    ),
}

CITATIONS = {
    "german": (
        "Hofmann, H. (1994). Statlog (German Credit Data). UCI Machine Learning "
        "Repository. https://doi.org/10.24432/C5NC77"
    ),
    "adult": (
        "Becker, B. and Kohavi, R. (1996). Adult. UCI Machine Learning "
        "Repository. https://doi.org/10.24432/C5XW20"
    ),
}

LICENCE = (
    "Creative Commons Attribution 4.0 International (CC BY 4.0), "
    "https://creativecommons.org/licenses/by/4.0/"
)


def read_text(filename: str) -> str:
    """Decompress a shipped data file, verify its checksum and decode it.

    Parameters
    ----------
    filename : str
        Name of a file in ``fairbo/datasets/data``, one of the keys of
        ``EXPECTED_SHA256``.

    Returns
    -------
    str
        The uncompressed content as text.

    Raises
    ------
    DataIntegrityError
        If the file is missing, is not valid gzip, or its content does not
        match the recorded sha256.
    """
    raw = _read_bytes(filename)
    digest = hashlib.sha256(raw).hexdigest()
    expected = EXPECTED_SHA256[filename]
    if digest != expected:
        raise DataIntegrityError(
            f"Shipped data file {filename!r}: sha256 of the uncompressed content "
            f"must be {expected}, got {digest}; the installation is damaged, "
            "reinstall fairbo (pip install --force-reinstall fairbo)."
        )
    return raw.decode("ascii")


def _read_bytes(filename: str) -> bytes:
    if filename not in EXPECTED_SHA256:
        raise InvalidArgumentError(
            f"Data file name must be one of {sorted(EXPECTED_SHA256)}, "
            f"got {filename!r}."
        )
    resource = resources.files("fairbo.datasets").joinpath("data", filename)
    try:
        with resource.open("rb") as handle:
            return gzip.decompress(handle.read())
    except (OSError, EOFError) as error:
        raise DataIntegrityError(
            f"Shipped data file {filename!r} cannot be read ({error}); the "
            "installation is damaged, reinstall fairbo "
            "(pip install --force-reinstall fairbo)."
        ) from error


def count_groups(sensitive: pd.Series) -> dict[str, int]:
    """Count the rows of each group, largest group first."""
    counts = sensitive.value_counts(dropna=False)
    return {str(label): int(count) for label, count in counts.items()}


def describe_groups(sensitive_columns: dict[str, pd.Series]) -> str:
    """Format the group sizes of every available sensitive attribute."""
    lines = []
    for name, column in sensitive_columns.items():
        parts = ", ".join(f"{g}: {n}" for g, n in count_groups(column).items())
        lines.append(f"- {name}: {parts}")
    return "\n".join(lines)


def unknown_sensitive_error(
    loader: str, value: object, valid: list[str]
) -> InvalidArgumentError:
    """Build the error for a sensitive attribute name that a loader lacks."""
    return InvalidArgumentError(
        f"{loader}: sensitive must be one of {valid}, got {value!r}; pass one "
        "of those names."
    )


def make_bunch(
    *,
    data: pd.DataFrame,
    target: pd.Series,
    sensitive: pd.Series,
    target_names: list[str],
    descr: str,
) -> Bunch:
    """Assemble the ``Bunch`` that every loader returns."""
    return Bunch(
        data=data,
        target=target,
        sensitive_features=sensitive,
        feature_names=list(data.columns),
        target_names=target_names,
        frame=data.assign(**{str(target.name): target}),
        DESCR=descr,
    )
