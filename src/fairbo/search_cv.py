"""A scikit-learn style search estimator over fairbo's tuner.

:class:`FairSearchCV` follows ``GridSearchCV``'s shape (``fit``,
``best_params_``, ``best_estimator_``, ``cv_results_``, ``predict``), with
the sensitive features passed to ``fit`` and fairness constraints on the
cross-validated metrics.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError

from fairbo.constraints import Constraint, normalize_constraints
from fairbo.exceptions import FairboWarning, InvalidArgumentError
from fairbo.models import ModelSpec
from fairbo.objective import FairnessObjective
from fairbo.result import TuneResult
from fairbo.tuner import tune

logger = logging.getLogger(__name__)

_UCB_SUFFIX = "_ucb"


class FairSearchCV(BaseEstimator):
    """Tune an estimator's hyperparameters for a score under fairness
    constraints, by constrained Bayesian optimization.

    Parameters
    ----------
    estimator : scikit-learn classifier
        Cloned for every configuration; the configuration is applied with
        ``set_params``. Categorical columns are one-hot encoded and missing
        values imputed before it, as in :class:`fairbo.FairnessObjective`.
    search_space : dict
        Parameter name to :class:`fairbo.Float`, :class:`fairbo.Int`,
        :class:`fairbo.Categorical` or a constant.
    scoring : str, default "accuracy"
        Metric to maximise, a name of :func:`fairbo.metrics.get`.
    constraints : dict or list of Constraint, optional
        For example ``{"dsp": 0.05}``: feasible when the cross-validated
        statistical parity difference is at most 0.05. With
        ``upper_confidence`` set, ``{"dsp_ucb": 0.05}`` constrains the
        bootstrap upper bound instead.
    searcher : {"cbo", "bo", "random"}, default "cbo"
    n_trials : int, default 50
    cv : int, default 5
        Stratified folds (strata: label x group).
    n_workers : int, default 1
    seed : int, default 0
    include_sensitive : bool, default False
        Whether the estimator gets the sensitive attribute as an input.
    scale_numeric : bool, default False
        Whether numeric columns are standardised before the estimator, as
        linear models and neural networks need.
    upper_confidence : float, optional
        Confidence of the ``<metric>_ucb`` bounds, for example 0.95.
    pos_label : hashable, default 1
    storage, study_name : optional
        Passed to :func:`fairbo.tune` to keep and resume the study.

    Attributes
    ----------
    result_ : TuneResult
    best_params_ : dict or None
        Configuration of the best feasible trial.
    best_score_ : float or None
        Its cross-validated ``scoring`` value.
    best_metrics_ : dict or None
        Every metric of that trial.
    best_estimator_ : sklearn.pipeline.Pipeline or None
        Preprocessing plus the estimator with ``best_params_``, fitted on all
        rows; None when no trial is feasible.
    cv_results_ : dict of numpy arrays
        One entry per column of ``result_.to_dataframe()``.

    Examples
    --------
    >>> import fairbo
    >>> from sklearn.linear_model import LogisticRegression
    >>> bunch = fairbo.datasets.load_german_credit()
    >>> search = fairbo.FairSearchCV(
    ...     LogisticRegression(max_iter=500),
    ...     {"C": fairbo.Float(1e-3, 1e3, log=True)},
    ...     constraints={"dsp": 0.05}, n_trials=10, cv=3, scale_numeric=True)
    >>> search.fit(bunch.data, bunch.target,
    ...            sensitive_features=bunch.sensitive_features)  # doctest: +SKIP
    >>> search.best_params_  # doctest: +SKIP
    {'C': 0.01...}
    """

    def __init__(
        self,
        estimator: Any,
        search_space: Mapping[str, Any],
        *,
        scoring: str = "accuracy",
        constraints: Mapping[str, float] | Sequence[Constraint] | None = None,
        searcher: str = "cbo",
        n_trials: int = 50,
        cv: int = 5,
        n_workers: int = 1,
        seed: int = 0,
        include_sensitive: bool = False,
        scale_numeric: bool = False,
        upper_confidence: float | None = None,
        pos_label: Hashable = 1,
        storage: str | None = None,
        study_name: str | None = None,
    ) -> None:
        self.estimator = estimator
        self.search_space = search_space
        self.scoring = scoring
        self.constraints = constraints
        self.searcher = searcher
        self.n_trials = n_trials
        self.cv = cv
        self.n_workers = n_workers
        self.seed = seed
        self.include_sensitive = include_sensitive
        self.scale_numeric = scale_numeric
        self.upper_confidence = upper_confidence
        self.pos_label = pos_label
        self.storage = storage
        self.study_name = study_name

    def fit(self, X: Any, y: Any, *, sensitive_features: Any) -> FairSearchCV:
        """Run the search, then refit the best feasible configuration.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sensitive_features : array-like, Series, DataFrame or str
            Group of each row, or the name of a column of ``X``.

        Returns
        -------
        self
        """
        self._check_space_names()
        constraint_list = normalize_constraints(self.constraints)
        objective = FairnessObjective(
            self._model_spec(),
            X,
            y,
            sensitive_features,
            metrics=self._metric_names(constraint_list),
            cv=self.cv,
            seed=self.seed,
            include_sensitive=self.include_sensitive,
            upper_confidence=self.upper_confidence,
            pos_label=self.pos_label,
        )
        self.result_: TuneResult = tune(
            objective,
            self.search_space,
            metric=self.scoring,
            mode="max",
            constraints=constraint_list,
            searcher=self.searcher,
            n_trials=self.n_trials,
            n_workers=self.n_workers,
            seed=self.seed,
            storage=self.storage,
            study_name=self.study_name,
        )
        self.cv_results_ = {
            column: values.to_numpy()
            for column, values in self.result_.to_dataframe().items()
        }
        self._store_best(objective)
        return self

    def _check_space_names(self) -> None:
        valid = self.estimator.get_params(deep=True)
        unknown = sorted(set(self.search_space) - set(valid))
        if unknown:
            raise InvalidArgumentError(
                f"FairSearchCV: search_space names {unknown} are not parameters "
                f"of {type(self.estimator).__name__}; valid names are "
                f"{sorted(valid)}."
            )

    def _model_spec(self) -> ModelSpec:
        has_seed = "random_state" in self.estimator.get_params(deep=False)
        return ModelSpec(
            name=type(self.estimator).__name__,
            make_estimator=functools.partial(clone, self.estimator),
            search_space=dict(self.search_space),
            needs_scaling=self.scale_numeric,
            description=f"user estimator {self.estimator!r}",
            seed_param="random_state" if has_seed else None,
        )

    def _metric_names(self, constraints: list[Constraint]) -> list[str]:
        names = [self.scoring]
        for constraint in constraints:
            name = constraint.metric
            if name.endswith(_UCB_SUFFIX):
                name = name[: -len(_UCB_SUFFIX)]
            if name not in names:
                names.append(name)
        return names

    def _store_best(self, objective: FairnessObjective) -> None:
        best = self.result_.best_trial
        if best is None:
            warnings.warn(
                f"none of the {len(self.result_.trials)} trials met the "
                "constraints, so best_estimator_ is None; relax the constraints "
                "or raise n_trials.",
                FairboWarning,
                stacklevel=3,
            )
            self.best_params_ = self.best_score_ = self.best_metrics_ = None
            self.best_estimator_ = None
            return
        self.best_params_ = dict(best.config)
        self.best_score_ = best.metrics[self.scoring]
        self.best_metrics_ = dict(best.metrics)
        self.best_estimator_ = objective.fit(best.config)
        self.feature_names_in_ = np.asarray(objective.X.columns, dtype=object)

    def _fitted_estimator(self) -> Any:
        estimator = getattr(self, "best_estimator_", None)
        if estimator is None:
            raise NotFittedError(
                "FairSearchCV has no fitted estimator: call fit first, and if "
                "fit found no feasible trial, relax the constraints or raise "
                "n_trials."
            )
        return estimator

    def predict(self, X: Any) -> np.ndarray:
        """Predict with the refitted best feasible estimator."""
        return self._fitted_estimator().predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities from the refitted best feasible estimator."""
        return self._fitted_estimator().predict_proba(X)

    def score(self, X: Any, y: Any) -> float:
        """Accuracy of the refitted best feasible estimator on ``(X, y)``."""
        return float(self._fitted_estimator().score(X, y))

    @property
    def classes_(self) -> np.ndarray:
        """Class labels of the refitted estimator."""
        return self._fitted_estimator().classes_
