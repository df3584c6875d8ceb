"""Exceptions and warnings raised by fairbo.

Every error derives from :class:`FairboError` and also from the built-in
exception a caller would catch without knowing fairbo (``ValueError`` for bad
input, ``RuntimeError`` for a failed run), so both ``except FairboError`` and
``except ValueError`` work. Messages name the offending value and the fix.
"""

from __future__ import annotations


class FairboError(Exception):
    """Base class of every error raised by fairbo."""


class InvalidArgumentError(FairboError, ValueError):
    """An argument has an invalid value (a bad bound, an unknown name, ...)."""


class InvalidTypeError(FairboError, TypeError):
    """An argument has a type fairbo cannot use."""


class SearchSpaceError(InvalidArgumentError):
    """A search space or one of its domains is invalid."""


class InvalidConfigError(InvalidArgumentError):
    """A configuration does not fit its search space (missing, extra or
    out-of-range values)."""


class MetricInputError(InvalidArgumentError):
    """Inputs of a fairness or accuracy metric are inconsistent."""


class SearchSpaceExhausted(FairboError, RuntimeError):
    """Every configuration of a finite search space has been evaluated or is
    pending, so the searcher has nothing new to suggest."""


class ModelFitError(FairboError, RuntimeError):
    """A surrogate model could not be fitted, even after the fallbacks."""


class StudyMismatchError(InvalidArgumentError):
    """A stored study of the same name has another definition (space, metric,
    mode or constraints)."""


class StorageError(FairboError, RuntimeError):
    """The results database cannot be read or written."""


class TooManyFailuresError(FairboError, RuntimeError):
    """Too many consecutive trials failed, so the study was stopped."""


class FairboWarning(UserWarning):
    """Base class of every warning issued by fairbo."""


class SmallGroupWarning(FairboWarning):
    """A sensitive group has so few rows that its metrics are unreliable."""


class UndefinedMetricWarning(FairboWarning):
    """A metric is undefined for a group (no positives, for example) and was
    reported as NaN."""


class ConstantPredictorWarning(FairboWarning):
    """A model predicts the same class for every row, so parity metrics are
    trivially zero."""


class ModelFitWarning(FairboWarning):
    """A surrogate fit fell back to a simpler or earlier model."""


class DataIntegrityError(FairboError, RuntimeError):
    """A data file shipped with fairbo is missing or does not match its
    recorded checksum, so the installation is damaged."""


class MissingMetricWarning(FairboWarning):
    """An observation lacks a constrained metric, so the constraint counts as
    violated for that configuration."""
