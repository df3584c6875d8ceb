"""The fairness objective: a configuration in, validation metrics out.

:class:`FairnessObjective` fits a model for one hyperparameter
configuration inside a preprocessing pipeline and scores it on validation
data that is stratified by label and sensitive group. The tuner calls it once
per trial, possibly in another process, so it pickles with its data.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from fairbo import _splits, metrics
from fairbo import models as model_registry
from fairbo._alignment import align
from fairbo.exceptions import InvalidArgumentError, InvalidTypeError

logger = logging.getLogger(__name__)

__all__ = ["Evaluation", "FairnessObjective"]

_OWNER = "FairnessObjective"
# Keys every result has besides the requested metrics.
RESERVED_KEYS = ("positive_rate", "constant_predictor", "min_group_size")
# Name of the model input that carries the group when include_sensitive=True
# and the group is not already a column of X.
SENSITIVE_INPUT_COLUMN = "sensitive_group"

MetricSpec = str | Callable[..., float]


@dataclass
class Evaluation:
    """Result of one configuration on the validation splits.

    Attributes
    ----------
    metrics : dict of str to float
        What ``FairnessObjective.__call__`` returns: each requested metric as
        the mean over folds, ``"<metric>_ucb"`` (``"_lcb"`` for the disparate
        impact ratio) when a confidence bound was requested,
        ``positive_rate`` (mean over folds),
        ``constant_predictor`` (1.0 when a fold's model predicted one class
        for every row) and ``min_group_size`` (smallest group in any
        validation fold).
    fold_metrics : list of dict of str to float
        The same metrics for each fold, without the bounds.
    fold_group_sizes : list of dict of str to int
        Rows of each group in each validation fold.
    validation_rows : numpy.ndarray
        Positions (in the aligned data) of the validated rows, fold after fold.
    predictions : numpy.ndarray
        Predicted label (1 = positive class) of each of ``validation_rows``.
    """

    metrics: dict[str, float]
    fold_metrics: list[dict[str, float]]
    fold_group_sizes: list[dict[str, int]]
    validation_rows: np.ndarray = field(repr=False)
    predictions: np.ndarray = field(repr=False)


class FairnessObjective:
    """Fit a model for a configuration and report accuracy and fairness.

    Parameters
    ----------
    model : str or fairbo.models.ModelSpec
        A name from :func:`fairbo.models.names` or a spec.
    X : DataFrame or 2-D array-like
        Features. Columns with a non-numeric or boolean dtype are one-hot
        encoded (unknown categories ignored, missing values become their own
        category "missing"). Numeric columns get median imputation, and
        standard scaling when the model needs it.
    y : Series or 1-D array-like
        Binary labels; ``pos_label`` marks the favourable outcome.
    sensitive_features : Series, DataFrame, 1-D array-like or str
        Group of each row, or the name of a column of ``X``. Pandas inputs
        are aligned with ``X`` by index (an error names labels that do not
        match), other inputs by position after a length check. A DataFrame
        of several columns defines intersectional groups.
    metrics : sequence or mapping, default ("accuracy", "dsp")
        Metrics to report: names for :func:`fairbo.metrics.get` or callables
        ``metric(y_true, y_pred, *, sensitive_features, pos_label)``. Names
        are the result keys as given, and a callable's key is its
        ``__name__``. A mapping sets the keys explicitly.
    cv : int, default 5
        Number of stratified cross-validation folds, at least 2.
    validation_size : float, optional
        Fraction of the development rows for a single stratified holdout
        split. When set, it replaces cross-validation and ``cv`` is unused.
    test_size : float, optional
        Fraction of all rows held out as a test part, stratified by label and
        group. Only :meth:`evaluate_test` uses it; ``__call__`` never sees it.
    seed : int, default 0
        Seed of the splits and of the estimator, so a configuration always
        gives the same result.
    include_sensitive : bool, default False
        Whether the model gets the sensitive attribute as an input. By
        default it does not: a sensitive column of ``X`` (the column named by
        ``sensitive_features``, or a column equal to it) is dropped from the
        model inputs, because using a protected attribute in a decision is
        disparate treatment, which many lending and hiring rules forbid.
        Dropping the column does not remove proxies of it from the other
        columns. With True, the group is an input (added as the column
        ``"sensitive_group"`` when it is not a column of ``X``).
    upper_confidence : float, optional
        When set (for example 0.95), each fairness metric also gets
        ``"<metric>_ucb"``: the one-sided bootstrap upper bound at this
        confidence on the pooled validation predictions (``"<metric>_lcb"``,
        the lower bound, for the disparate impact ratio, where higher is
        fairer). The reported metric
        is the mean over folds but the bound comes from the pooled
        predictions, so with cross-validation the bound can fall slightly
        below the reported mean.
    n_bootstrap : int, default 1000
        Bootstrap resamples for ``upper_confidence``.
    pos_label : hashable, default 1
        Label of the positive (favourable) class in ``y``.
    small_group_threshold : int, default 30
        A :class:`~fairbo.exceptions.SmallGroupWarning` is issued once, when
        the objective is built, if a group has fewer rows than this in a
        validation fold or in the test part. At n rows the standard error of
        a group's rate is up to 0.5 / sqrt(n), about 0.09 at 30.

    Attributes
    ----------
    model : fairbo.models.ModelSpec
    metric_keys : list of str
        Keys of the requested metrics in the results.
    fingerprint : str
        Hash of the data, the model name and the settings. The tuner stores
        it with a study and refuses to resume the study with another one.
    group_sizes : dict
        Rows per group in ``"all"`` data, the ``"train_validation"`` part,
        the ``"test"`` part (empty without ``test_size``) and the
        ``"smallest_validation_fold"`` (each group's minimum over folds).

    Raises
    ------
    InvalidArgumentError
        If inputs do not align, a metric name is unknown, a size is out of
        range, or a group is absent from some validation fold.

    Notes
    -----
    A model that predicts one class for every row has a statistical parity
    difference of 0, so it meets any parity constraint by giving up. Such
    results have ``constant_predictor = 1.0`` and ``positive_rate`` 0 or 1;
    the objective logs them at INFO level instead of warning, because a
    tuning loop may produce many.

    Examples
    --------
    >>> from fairbo.datasets import load_german_credit
    >>> bunch = load_german_credit()
    >>> objective = FairnessObjective(
    ...     "logistic_regression", bunch.data, bunch.target,
    ...     bunch.sensitive_features, cv=3)  # doctest: +SKIP
    >>> objective({"C": 1.0, "class_weight": None})  # doctest: +SKIP
    {'accuracy': 0.75..., 'dsp': 0.1..., 'positive_rate': ..., ...}
    """

    def __init__(
        self,
        model: str | model_registry.ModelSpec,
        X: Any,
        y: Any,
        sensitive_features: Any,
        *,
        metrics: Sequence[MetricSpec] | Mapping[str, MetricSpec] = ("accuracy", "dsp"),
        cv: int = 5,
        validation_size: float | None = None,
        test_size: float | None = None,
        seed: int = 0,
        include_sensitive: bool = False,
        upper_confidence: float | None = None,
        n_bootstrap: int = 1000,
        pos_label: Hashable = 1,
        small_group_threshold: int = _splits.SMALL_GROUP_THRESHOLD,
    ) -> None:
        self.model = model_registry.get(model)
        # Building one estimator now raises a missing optional dependency
        # (xgboost) here, before a study records failed trials.
        self.model.make_estimator()
        self._metrics = _resolve_metric_keys(metrics)
        self.metric_keys = list(self._metrics)
        _check_sizes(cv, validation_size, test_size, upper_confidence, n_bootstrap)
        self.cv = cv
        self.validation_size = validation_size
        self.test_size = test_size
        self.seed = seed
        self.include_sensitive = include_sensitive
        self.upper_confidence = upper_confidence
        self.n_bootstrap = n_bootstrap
        self.small_group_threshold = small_group_threshold

        data = align(X, y, sensitive_features, pos_label=pos_label)
        self.index = data.index
        self.y = data.y
        self.groups = data.groups
        self.X = _model_inputs(
            data.X, data.groups, data.sensitive_columns, include_sensitive
        )
        self._categorical = _categorical_columns(self.X)
        self._build_splits()
        self.fingerprint = self._fingerprint()

    # -- splits ---------------------------------------------------------------

    def _build_splits(self) -> None:
        labels = sorted(set(self.groups.tolist()))
        if len(labels) < 2:
            raise InvalidArgumentError(
                f"{_OWNER}: sensitive_features must define at least 2 groups to "
                f"compare, got only {labels}; pass the column that splits the "
                "rows into groups."
            )
        all_rows = np.arange(len(self.y))
        if self.test_size is None:
            self.development_rows, self.test_rows = all_rows, all_rows[:0]
        else:
            self.development_rows, self.test_rows = _splits.split_test(
                self.y, self.groups, self.test_size, self.seed
            )
        self.splits = _splits.validation_splits(
            self.development_rows,
            self.y,
            self.groups,
            cv=self.cv,
            validation_size=self.validation_size,
            seed=self.seed,
        )
        fold_sizes = [
            _splits.count_groups(self.groups[valid], labels) for _, valid in self.splits
        ]
        _splits.check_every_group_present(fold_sizes, "validation fold")
        _splits.warn_small_groups(
            fold_sizes, "validation fold", self.small_group_threshold
        )
        test_sizes = _splits.count_groups(self.groups[self.test_rows], labels)
        if self.test_size is not None:
            _splits.check_every_group_present([test_sizes], "test part")
            _splits.warn_small_groups(
                [test_sizes], "test part", self.small_group_threshold
            )
        self._fold_group_sizes = fold_sizes
        self.group_sizes = {
            "all": _splits.count_groups(self.groups, labels),
            "train_validation": _splits.count_groups(
                self.groups[self.development_rows], labels
            ),
            "test": test_sizes if self.test_size is not None else {},
            "smallest_validation_fold": {
                label: min(sizes[label] for sizes in fold_sizes) for label in labels
            },
        }

    def _fingerprint(self) -> str:
        """Hash the data and every setting that changes the results, so that
        a stored study is not resumed on other data."""
        digest = hashlib.sha256()
        digest.update(pd.util.hash_pandas_object(self.X, index=False).to_numpy())
        digest.update(np.ascontiguousarray(self.y).tobytes())
        digest.update("\x1f".join(map(str, self.groups.tolist())).encode())
        settings = [
            self.model.name,
            self.metric_keys,
            self.cv,
            self.validation_size,
            self.test_size,
            self.seed,
            self.include_sensitive,
            self.upper_confidence,
            self.n_bootstrap,
        ]
        digest.update(repr(settings).encode())
        return digest.hexdigest()[:16]

    # -- public interface -----------------------------------------------------

    @property
    def search_space(self) -> dict[str, Any]:
        """The model's default search space (a fresh dict)."""
        return dict(self.model.search_space)

    @property
    def metric_names(self) -> list[str]:
        """Every key of the results, so that the tuner can check a metric or
        constraint name before any trial runs."""
        names = list(self.metric_keys)
        if self.upper_confidence is not None:
            names += [
                key + _bound_suffix(metric)
                for key, metric in self._metrics.items()
                if _is_fairness_metric(metric)
            ]
        return names + ["positive_rate", "constant_predictor", "min_group_size"]

    def fit(self, config: Mapping[str, Any]) -> Pipeline:
        """Fit preprocessing and model on every row outside the test part.

        Parameters
        ----------
        config : mapping
            Hyperparameters for the model's ``build``.

        Returns
        -------
        sklearn.pipeline.Pipeline
            The fitted pipeline; it takes the columns of ``X`` that the
            model sees (the sensitive column is dropped unless
            ``include_sensitive``).
        """
        pipeline = self._pipeline(config)
        rows = self.development_rows
        pipeline.fit(self.X.iloc[rows], self.y[rows])
        return pipeline

    def __call__(self, config: Mapping[str, Any]) -> dict[str, float]:
        """Return the validation metrics of one configuration.

        Parameters
        ----------
        config : mapping
            Hyperparameters for the model's ``build``.

        Returns
        -------
        dict of str to float
            See :attr:`Evaluation.metrics`.
        """
        return self.evaluate(config).metrics

    def evaluate(self, config: Mapping[str, Any]) -> Evaluation:
        """Evaluate one configuration and keep the per-fold details.

        Parameters
        ----------
        config : mapping
            Hyperparameters for the model's ``build``.

        Returns
        -------
        Evaluation
        """
        fold_metrics, predictions = [], []
        for number, (train, valid) in enumerate(self.splits):
            predicted = self._fit_predict(config, train, valid)
            fold_metrics.append(self._score(valid, predicted))
            predictions.append(predicted)
            _log_constant(config, predicted, f"validation fold {number}")
        rows = np.concatenate([valid for _, valid in self.splits])
        pooled = np.concatenate(predictions)
        summary = _mean_metrics(fold_metrics)
        summary.update(self._confidence_bounds(rows, pooled))
        return Evaluation(
            metrics=summary,
            fold_metrics=fold_metrics,
            fold_group_sizes=[dict(sizes) for sizes in self._fold_group_sizes],
            validation_rows=rows,
            predictions=pooled,
        )

    def evaluate_test(self, config: Mapping[str, Any]) -> dict[str, float]:
        """Fit on all train/validation rows and score the held-out test part.

        Parameters
        ----------
        config : mapping
            Hyperparameters for the model's ``build``.

        Returns
        -------
        dict of str to float
            The keys of ``__call__``, computed on the test part.

        Raises
        ------
        InvalidArgumentError
            If the objective was built without ``test_size``.
        """
        if self.test_size is None:
            raise InvalidArgumentError(
                f"{_OWNER}.evaluate_test needs a held-out test part, but test_size "
                "is None; build the objective with test_size=0.2 (for example)."
            )
        predicted = self._fit_predict(config, self.development_rows, self.test_rows)
        _log_constant(config, predicted, "test part")
        result = self._score(self.test_rows, predicted)
        result.update(self._confidence_bounds(self.test_rows, predicted))
        return result

    # -- fitting and scoring --------------------------------------------------

    def _fit_predict(
        self, config: Mapping[str, Any], train: np.ndarray, valid: np.ndarray
    ) -> np.ndarray:
        pipeline = self._pipeline(config)
        pipeline.fit(self.X.iloc[train], self.y[train])
        return np.asarray(pipeline.predict(self.X.iloc[valid])).astype(np.int64)

    def _pipeline(self, config: Mapping[str, Any]) -> Pipeline:
        return Pipeline(
            [
                ("preprocess", self._preprocessor()),
                ("model", self.model.build(config, seed=self.seed)),
            ]
        )

    def _preprocessor(self) -> ColumnTransformer:
        numeric = [c for c in self.X.columns if c not in self._categorical]
        numeric_steps: list[tuple[str, BaseEstimator]] = [
            ("impute", SimpleImputer(strategy="median"))
        ]
        if self.model.needs_scaling:
            numeric_steps.append(("scale", StandardScaler()))
        categorical_steps: list[tuple[str, BaseEstimator]] = [
            ("impute", SimpleImputer(strategy="constant", fill_value="missing")),
            ("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]
        return ColumnTransformer(
            [
                ("categorical", Pipeline(categorical_steps), self._categorical),
                ("numeric", Pipeline(numeric_steps), numeric),
            ]
        )

    def _score(self, rows: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
        y_true, groups = self.y[rows], self.groups[rows]
        result = {
            key: float(
                metrics.get(metric)(y_true, predicted, sensitive_features=groups)
            )
            for key, metric in self._metrics.items()
        }
        sizes = _splits.count_groups(groups, sorted(set(self.groups.tolist())))
        result["positive_rate"] = float(predicted.mean())
        result["constant_predictor"] = float(len(np.unique(predicted)) == 1)
        result["min_group_size"] = float(min(sizes.values()))
        return result

    def _confidence_bounds(
        self, rows: np.ndarray, predicted: np.ndarray
    ) -> dict[str, float]:
        if self.upper_confidence is None:
            return {}
        bounds = {}
        for key, metric in self._metrics.items():
            if not _is_fairness_metric(metric):
                continue
            suffix = _bound_suffix(metric)
            bound = (
                metrics.lower_confidence_bound
                if suffix == "_lcb"
                else metrics.upper_confidence_bound
            )
            bounds[key + suffix] = float(
                bound(
                    metric,
                    self.y[rows],
                    predicted,
                    sensitive_features=self.groups[rows],
                    n_resamples=self.n_bootstrap,
                    confidence=self.upper_confidence,
                    seed=self.seed,
                )
            )
        return bounds


# -- helpers ------------------------------------------------------------------


def _resolve_metric_keys(
    requested: Sequence[MetricSpec] | Mapping[str, MetricSpec] | MetricSpec,
) -> dict[str, MetricSpec]:
    if isinstance(requested, str) or callable(requested):
        requested = [requested]
    if isinstance(requested, Mapping):
        pairs = list(requested.items())
    elif isinstance(requested, Sequence):
        pairs = [(_metric_key(metric), metric) for metric in requested]
    else:
        raise InvalidTypeError(
            f"{_OWNER}: metrics must be a sequence or a dict of metric names or "
            f"callables, got {type(requested).__name__}; pass e.g. "
            "('accuracy', 'dsp')."
        )
    if not pairs:
        raise InvalidArgumentError(
            f"{_OWNER}: metrics must name at least one metric, got none; pass "
            "e.g. ('accuracy', 'dsp')."
        )
    resolved: dict[str, MetricSpec] = {}
    for key, metric in pairs:
        metrics.get(metric)  # raises on an unknown name, listing the valid ones
        if key in resolved or key in RESERVED_KEYS:
            raise InvalidArgumentError(
                f"{_OWNER}: metric keys must be unique and differ from "
                f"{list(RESERVED_KEYS)}, got {key!r} twice or reserved; pass a dict "
                "to choose distinct keys."
            )
        resolved[key] = metric
    return resolved


def _metric_key(metric: MetricSpec) -> str:
    if isinstance(metric, str):
        return metric
    return str(getattr(metric, "__name__", repr(metric)))


def _bound_suffix(metric: MetricSpec) -> str:
    """Return the key suffix of a metric's confidence bound.

    A fairness metric where higher is fairer (the disparate impact ratio)
    gets ``"_lcb"``, so that a constraint bounds its worst plausible value.
    The gaps and user callables get ``"_ucb"``.
    """
    try:
        greater_is_better = metrics.get_info(metric).greater_is_better
    except InvalidArgumentError:
        return "_ucb"
    return "_lcb" if greater_is_better else "_ucb"


def _is_fairness_metric(metric: MetricSpec) -> bool:
    """Return False only for registered metrics that compare no groups."""
    try:
        return metrics.get_info(metric).is_fairness
    except InvalidArgumentError:
        # A user callable has no registry entry; treat it as a fairness metric.
        return True


def _check_sizes(
    cv: int,
    validation_size: float | None,
    test_size: float | None,
    upper_confidence: float | None,
    n_bootstrap: int,
) -> None:
    if isinstance(cv, bool) or not isinstance(cv, (int, np.integer)) or cv < 2:
        raise InvalidArgumentError(
            f"{_OWNER}: cv must be an integer >= 2, got {cv!r}; pass cv=5, or "
            "validation_size=0.2 for a single holdout split."
        )
    fractions = {
        "validation_size": validation_size,
        "test_size": test_size,
        "upper_confidence": upper_confidence,
    }
    for name, value in fractions.items():
        if value is not None and not (isinstance(value, float) and 0.0 < value < 1.0):
            raise InvalidArgumentError(
                f"{_OWNER}: {name} must be a float in (0, 1) or None, got "
                f"{value!r}; pass a fraction such as 0.2."
            )
    if (
        isinstance(n_bootstrap, bool)
        or not isinstance(n_bootstrap, int)
        or n_bootstrap < 1
    ):
        raise InvalidArgumentError(
            f"{_OWNER}: n_bootstrap must be a positive integer, got "
            f"{n_bootstrap!r}; pass e.g. 1000."
        )


def _model_inputs(
    X: pd.DataFrame,
    groups: np.ndarray,
    sensitive_columns: list[str],
    include_sensitive: bool,
) -> pd.DataFrame:
    if not include_sensitive:
        if sensitive_columns:
            logger.info(
                "Dropping sensitive columns %s from the model inputs", sensitive_columns
            )
        return X.drop(columns=sensitive_columns)
    if sensitive_columns:
        return X
    if SENSITIVE_INPUT_COLUMN in X.columns:
        raise InvalidArgumentError(
            f"{_OWNER}: include_sensitive=True adds the column "
            f"{SENSITIVE_INPUT_COLUMN!r}, but X already has a column of that name; "
            "rename it, or pass sensitive_features as the name of a column of X."
        )
    return X.assign(**{SENSITIVE_INPUT_COLUMN: pd.Categorical(groups)})


def _categorical_columns(X: pd.DataFrame) -> list[str]:
    return [
        column
        for column in X.columns
        if pd.api.types.is_bool_dtype(X[column])
        or not pd.api.types.is_numeric_dtype(X[column])
    ]


def _mean_metrics(fold_metrics: list[dict[str, float]]) -> dict[str, float]:
    summary = {}
    for key in fold_metrics[0]:
        values = [fold[key] for fold in fold_metrics]
        if key == "constant_predictor":
            summary[key] = float(max(values))
        elif key == "min_group_size":
            summary[key] = float(min(values))
        else:
            summary[key] = float(np.mean(values))
    return summary


def _log_constant(config: Mapping[str, Any], predicted: np.ndarray, part: str) -> None:
    classes = np.unique(predicted)
    if len(classes) == 1:
        logger.info(
            "Configuration %s predicts class %d for every row of the %s, so its "
            "parity metrics are trivially 0",
            dict(config),
            int(classes[0]),
            part,
        )
