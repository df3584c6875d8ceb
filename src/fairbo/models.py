"""Ready classifiers with default search spaces for fairness-aware tuning.

Each model is a :class:`ModelSpec`: a name, a factory that turns a
configuration into an unfitted scikit-learn-compatible estimator, the default
search space, and whether the inputs must be scaled. Every estimator runs
single-threaded (``n_jobs=1`` where the estimator has it) because the tuner
parallelises over trials, and parallel trees inside parallel trials would
oversubscribe the cores.

>>> from fairbo import models
>>> models.names()
['logistic_regression', 'mlp', 'random_forest', 'xgboost']
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sklearn.base import BaseEstimator
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from fairbo.exceptions import InvalidArgumentError, InvalidConfigError
from fairbo.space import Categorical, Float, Int

logger = logging.getLogger(__name__)

__all__ = ["ModelSpec", "get", "names"]

#: Number of trees of the random forest, a constant of its default space.
RANDOM_FOREST_TREES = 100


@dataclass(frozen=True)
class ModelSpec:
    """A named estimator family with its default search space.

    Parameters
    ----------
    name : str
        Registry name, such as ``"random_forest"``.
    make_estimator : callable
        Returns an unfitted estimator with the fixed parameters set. It must
        be a module-level function so that the spec pickles into workers.
    search_space : dict
        Default search space: parameter name -> fairbo domain or constant.
    needs_scaling : bool
        Whether numeric inputs should be standardised before fitting.
    description : str
        One-line summary.
    to_estimator_params : callable, optional
        Maps a configuration to estimator parameters when the space uses
        names the estimator lacks (the MLP's width and depth, for example).
    seed_param : str or None, default "random_state"
        Estimator parameter that receives the seed, or None if it has none.
    """

    name: str
    make_estimator: Callable[[], BaseEstimator]
    search_space: dict[str, Any]
    needs_scaling: bool
    description: str
    to_estimator_params: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    seed_param: str | None = "random_state"

    def build(
        self, config: Mapping[str, Any], *, seed: int | None = None
    ) -> BaseEstimator:
        """Build an unfitted estimator for one configuration.

        Parameters
        ----------
        config : mapping
            Hyperparameter values, keyed by the names of the search space or
            by any parameter of the estimator.
        seed : int, optional
            Seed of the estimator's random number generator.

        Returns
        -------
        estimator
            A new, unfitted estimator.

        Raises
        ------
        InvalidConfigError
            If a key is neither in the search space nor a parameter of the
            estimator.
        ImportError
            If the estimator's optional dependency is not installed.
        """
        params = dict(config)
        if self.to_estimator_params is not None:
            params = self.to_estimator_params(params)
        estimator = self.make_estimator()
        valid = estimator.get_params(deep=False)
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise InvalidConfigError(
                f"Model {self.name!r}: configuration keys must be parameters of "
                f"{type(estimator).__name__}, got unknown {unknown}; valid keys "
                f"are {sorted(valid)}."
            )
        if seed is not None and self.seed_param is not None:
            params[self.seed_param] = seed
        return estimator.set_params(**params)


def _random_forest() -> BaseEstimator:
    return RandomForestClassifier(n_jobs=1)


def _xgboost() -> BaseEstimator:
    try:
        from xgboost import XGBClassifier
    except ImportError as error:
        raise ImportError(
            "Model 'xgboost' needs the xgboost package, which is not installed; "
            "install it with `pip install 'fairbo[xgboost]'`, or `pip install -e "
            "'.[xgboost]'` in a source checkout (the CPU-only "
            "xgboost-cpu wheel)."
        ) from error
    return XGBClassifier(n_jobs=1, tree_method="hist", verbosity=0)


def _mlp() -> BaseEstimator:
    return MLPClassifier()


def _mlp_params(config: dict[str, Any]) -> dict[str, Any]:
    # The space tunes width and depth separately. MLPClassifier takes one
    # tuple of layer widths, so every hidden layer gets the same width.
    params = dict(config)
    width = params.pop("hidden_layer_width", None)
    depth = params.pop("n_hidden_layers", None)
    if width is not None or depth is not None:
        width = 100 if width is None else int(width)
        depth = 1 if depth is None else int(depth)
        params["hidden_layer_sizes"] = (width,) * depth
    return params


def _logistic_regression() -> BaseEstimator:
    return LogisticRegression(max_iter=1000)


def _make_specs() -> dict[str, Callable[[], ModelSpec]]:
    # Factories, so that every get() returns a spec with a fresh space dict
    # that the caller may edit.
    return {
        "random_forest": lambda: ModelSpec(
            name="random_forest",
            make_estimator=_random_forest,
            search_space={
                "min_samples_split": Float(0.01, 1.0, log=True),
                "max_depth": Int(1, 50),
                "criterion": Categorical(["gini", "entropy"]),
                "n_estimators": RANDOM_FOREST_TREES,
            },
            needs_scaling=False,
            description=(
                "scikit-learn RandomForestClassifier; min_samples_split is a "
                "fraction of the training rows"
            ),
        ),
        "xgboost": lambda: ModelSpec(
            name="xgboost",
            make_estimator=_xgboost,
            search_space={
                "learning_rate": Float(1e-3, 1.0, log=True),
                "max_depth": Int(1, 10),
                "min_child_weight": Float(1e-2, 1e2, log=True),
                "subsample": Float(0.5, 1.0),
                "colsample_bytree": Float(0.5, 1.0),
                "reg_alpha": Float(1e-8, 10.0, log=True),
                "reg_lambda": Float(1e-8, 10.0, log=True),
                "n_estimators": Int(10, 500, log=True),
            },
            needs_scaling=False,
            description=(
                "XGBoost XGBClassifier with the hist tree method (optional "
                "dependency: pip install fairbo[xgboost])"
            ),
        ),
        "mlp": lambda: ModelSpec(
            name="mlp",
            make_estimator=_mlp,
            search_space={
                "n_hidden_layers": Int(1, 3),
                "hidden_layer_width": Int(8, 256, log=True),
                "alpha": Float(1e-6, 1e-1, log=True),
                "learning_rate_init": Float(1e-4, 1e-1, log=True),
                "max_iter": 300,
            },
            needs_scaling=True,
            description=(
                "scikit-learn MLPClassifier (Adam) with equal-width hidden layers"
            ),
            to_estimator_params=_mlp_params,
        ),
        "logistic_regression": lambda: ModelSpec(
            name="logistic_regression",
            make_estimator=_logistic_regression,
            search_space={
                "C": Float(1e-4, 1e4, log=True),
                "class_weight": Categorical([None, "balanced"]),
            },
            needs_scaling=True,
            description="scikit-learn LogisticRegression (lbfgs, L2 penalty)",
        ),
    }


_SPECS = _make_specs()


def names() -> list[str]:
    """Return the registered model names in alphabetical order."""
    return sorted(_SPECS)


def get(name: str | ModelSpec) -> ModelSpec:
    """Look up a model by name.

    Parameters
    ----------
    name : str or ModelSpec
        A registered name (see :func:`names`); a ``ModelSpec`` is returned
        unchanged, so callers can accept both.

    Returns
    -------
    ModelSpec
        A spec whose ``search_space`` is a fresh dict.

    Raises
    ------
    InvalidArgumentError
        If the name is not registered.

    Examples
    --------
    >>> spec = get("random_forest")
    >>> spec.search_space["n_estimators"]
    100
    """
    if isinstance(name, ModelSpec):
        return name
    if name not in _SPECS:
        raise InvalidArgumentError(
            f"Model name must be one of {names()}, got {name!r}; pass one of "
            "those names or a fairbo.models.ModelSpec."
        )
    return _SPECS[name]()
