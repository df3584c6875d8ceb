"""Bayesian optimization searchers: plain (BayesOpt) and constrained.

Both start with a quasi-random Sobol design whose size
:func:`~fairbo.searchers.design.initial_design_size` gives. When every domain
has a default, the configuration of defaults goes first. Then the searchers
fit Gaussian processes to the observations and propose the maximiser of an
acquisition function (see :mod:`fairbo.searchers.optimizer`):

* :class:`BayesOpt`: one GP on the objective, log expected improvement over
  the best observation. Constraints are ignored.
* :class:`ConstrainedBayesOpt`: the objective GP plus one GP per constraint
  metric, log EI over the best *feasible* observation plus the log
  probability that every constraint holds (expected improvement weighted by
  the probability of feasibility). Until a feasible observation exists, only
  the probability of feasibility is maximised.

Failed evaluations and missing values are imputed so that the models steer
away from them (see :func:`impute_objective` and
:func:`impute_violations`), and the acquisition maximiser never returns an
observed or pending configuration while the space has others. Pending
configurations (parallel workers) enter the constraint GPs as fantasised
observations at their posterior mean (the "kriging believer"), and the
objective GP at the worst observed value (the "constant liar", see
:func:`_condition_on_lie`), so parallel suggestions spread out.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fairbo.acquisition import constrained_log_ei_with_gradient, std_from_variance
from fairbo.constraints import Constraint
from fairbo.exceptions import InvalidArgumentError
from fairbo.gp import GaussianProcess
from fairbo.searchers.base import Mode, Searcher
from fairbo.searchers.design import SobolDesign, initial_design_size
from fairbo.searchers.optimizer import (
    AcquisitionMaximizer,
    MaximizerSettings,
    single_threaded_blas,
)
from fairbo.space import SearchSpace

logger = logging.getLogger(__name__)

__all__ = ["BayesOpt", "ConstrainedBayesOpt", "impute_objective", "impute_violations"]

_N_ANCHORS = 3


def impute_objective(values: np.ndarray) -> np.ndarray:
    """Replace non-finite objective values (to maximise) by the worst finite one.

    A failed configuration then looks as bad as the worst success, so the GP
    lowers its neighbourhood instead of ignoring it.
    """
    values = np.asarray(values, dtype=float).copy()
    finite = np.isfinite(values)
    if finite.any():
        values[~finite] = values[finite].min()
    return values


def impute_violations(values: np.ndarray, constraint: Constraint) -> np.ndarray:
    """Replace non-finite constraint values by a clearly violating value.

    The value is the worst observed one, but at least ``max(spread, |bound|,
    1e-3)`` beyond the bound, with ``spread`` the range of the finite values.
    A value just past the bound would leave the probability of feasibility
    there near 1/2. It is placed above ``upper`` when the constraint has one,
    otherwise below ``lower``.
    """
    values = np.asarray(values, dtype=float).copy()
    missing = ~np.isfinite(values)
    if not missing.any():
        return values
    finite = values[~missing]
    spread = float(np.ptp(finite)) if finite.size > 1 else 0.0
    if constraint.upper is not None:
        margin = max(spread, abs(constraint.upper), 1e-3)
        fill = max([constraint.upper + margin, *finite])
    else:
        lower = float(constraint.lower)  # type: ignore[arg-type]
        margin = max(spread, abs(lower), 1e-3)
        fill = min([lower - margin, *finite])
    values[missing] = fill
    return values


@dataclass
class SuggestTiming:
    """Wall-clock seconds of the last model-based suggestion."""

    fit: float = 0.0
    acquisition: float = 0.0


@dataclass
class _Models:
    """Fitted (and fantasised) GPs with what the acquisition needs."""

    objective: GaussianProcess | None
    constraints: list[GaussianProcess]
    best_feasible: float | None


class BayesOpt(Searcher):
    """Bayesian optimization with one GP and log expected improvement.

    Constraints are accepted (so the tuner can report feasibility) but the
    model ignores them: this is the plain BO that constrained BO is compared
    with.

    Parameters
    ----------
    search_space, metric, mode, constraints, seed
        See :class:`~fairbo.searchers.Searcher`.
    n_initial : int, optional
        Observations before the model is used; defaults to
        :func:`~fairbo.searchers.design.initial_design_size` of the number of
        parameters. Warm-start observations count.
    maximizer : MaximizerSettings, optional
        Budget of the acquisition maximiser.
    gp_restarts : int, default 2
        Random restarts of each GP hyperparameter fit.

    Attributes
    ----------
    last_timing : SuggestTiming
        Time spent fitting the GPs and maximising the acquisition in the last
        model-based suggestion.

    Examples
    --------
    >>> from fairbo import Float
    >>> searcher = BayesOpt({"x": Float(0.0, 1.0)}, metric="loss", mode="min", seed=0)
    >>> for _ in range(5):
    ...     config = searcher.suggest()
    ...     searcher.observe(config, {"loss": (config["x"] - 0.3) ** 2})
    """

    models_constraints = False

    def __init__(
        self,
        search_space: Mapping[str, Any] | SearchSpace,
        metric: str,
        mode: str | Mode = "max",
        constraints: Mapping[str, float] | Sequence[Constraint] | None = None,
        seed: int | np.random.Generator | None = None,
        *,
        n_initial: int | None = None,
        maximizer: MaximizerSettings | None = None,
        gp_restarts: int = 2,
    ):
        super().__init__(search_space, metric, mode, constraints, seed)
        if n_initial is None:
            n_initial = initial_design_size(len(self.space.names))
        if (
            isinstance(n_initial, bool)
            or not isinstance(n_initial, int)
            or n_initial < 1
        ):
            raise InvalidArgumentError(
                f"{type(self).__name__}: n_initial must be an int >= 1, got "
                f"{n_initial!r}; pass None for the default."
            )
        self.n_initial = n_initial
        self.gp_restarts = gp_restarts
        self.last_timing = SuggestTiming()
        self._design = SobolDesign(self.space, self.rng)
        self._maximizer = AcquisitionMaximizer(self.space, maximizer)
        self._gps: dict[str, GaussianProcess] = {}
        self._X_rows: list[np.ndarray] = []

    def observe(
        self, config: Mapping[str, Any], metrics: Mapping[str, Any] | None
    ) -> None:
        super().observe(config, metrics)
        self._X_rows.append(self.space.encode([self.observations[-1].config])[0])

    # ------------------------------------------------------------- proposal
    def _propose(self) -> dict[str, Any]:
        if self.space.dim == 0 or len(self.observations) < self.n_initial:
            return self._design_point()
        with single_threaded_blas():
            return self._model_point()

    def _model_point(self) -> dict[str, Any]:
        models = self._fit_models()
        if models is None:
            return self._design_point()
        started = time.perf_counter()
        config = self._maximizer.maximize(
            lambda X: self._acquisition(models, X, with_gradient=False)[0],
            lambda X: self._acquisition(models, X, with_gradient=True),
            rng=self.rng,
            excluded=self._used_keys(),
            anchors=self._anchors(),
        )
        self.last_timing.acquisition = time.perf_counter() - started
        logger.debug(
            "%s: GP fit %.3f s, acquisition %.3f s",
            type(self).__name__,
            self.last_timing.fit,
            self.last_timing.acquisition,
        )
        return config if config is not None else self._random_unused()

    def _design_point(self) -> dict[str, Any]:
        used = self._used_keys()
        default = self.space.default_config()
        if default is not None and self.space.config_key(default) not in used:
            return default
        config = self._design.next_unused(lambda c: self.space.config_key(c) in used)
        return config if config is not None else self._random_unused()

    # --------------------------------------------------------------- models
    def _objective_values(self) -> np.ndarray:
        return np.array([self.objective_value(o.metrics) for o in self.observations])

    def _best_feasible(self, y: np.ndarray) -> float | None:
        """Incumbent: best objective among feasible observations."""
        if self.models_constraints:
            feasible = [self.is_feasible(o.metrics) for o in self.observations]
        else:
            feasible = list(np.isfinite(y))
        if not any(feasible):
            return None
        return float(np.max(y[np.array(feasible)]))

    def _fit_models(self) -> _Models | None:
        started = time.perf_counter()
        X = np.array(self._X_rows)
        y = self._objective_values()
        if not (self.models_constraints or np.isfinite(y).any()):
            return None
        if self.models_constraints and all(o.failed for o in self.observations):
            return None
        best = self._best_feasible(y)
        objective = None
        if best is not None:
            objective = self._fit("objective", X, impute_objective(y))
        constraints = []
        if self.models_constraints:
            for i, constraint in enumerate(self.constraints):
                values = self._constraint_values(constraint)
                constraints.append(self._fit(f"constraint{i}", X, values))
        if self._pending:
            X_pending = self.space.encode(self._pending)
            if objective is not None:
                objective = _condition_on_lie(
                    objective, X, impute_objective(y), X_pending
                )
            constraints = [gp.fantasize(X_pending) for gp in constraints]
        self.last_timing.fit = time.perf_counter() - started
        return _Models(objective, constraints, best)

    def _constraint_values(self, constraint: Constraint) -> np.ndarray:
        raw = [
            math.nan if o.metrics is None else o.metrics[constraint.metric]
            for o in self.observations
        ]
        return impute_violations(np.array(raw, dtype=float), constraint)

    def _fit(self, name: str, X: np.ndarray, y: np.ndarray) -> GaussianProcess:
        gp = self._gps.get(name)
        if gp is None:
            seed = int(self.rng.integers(2**32))
            gp = GaussianProcess(n_restarts=self.gp_restarts, seed=seed)
            self._gps[name] = gp
        return gp.fit(X, y)

    # ---------------------------------------------------------- acquisition
    def _acquisition(
        self, models: _Models, X: np.ndarray, *, with_gradient: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the acquisition at X and (if asked) its gradient in X."""
        m, d = X.shape
        obj_mean, obj_std, obj_dmean, obj_dstd = _predict(
            models.objective, X, with_gradient
        )

        k = len(models.constraints)
        con_means, con_stds = np.zeros((m, k)), np.ones((m, k))
        con_dmeans, con_dstds = np.zeros((m, k, d)), np.zeros((m, k, d))
        for j, gp in enumerate(models.constraints):
            mean, std, dmean, dstd = _predict(gp, X, with_gradient)
            con_means[:, j], con_stds[:, j] = mean, std
            con_dmeans[:, j], con_dstds[:, j] = dmean, dstd

        lowers = np.array([_bound(c.lower) for c in self.constraints[:k]])
        uppers = np.array([_bound(c.upper) for c in self.constraints[:k]])
        result = constrained_log_ei_with_gradient(
            obj_mean,
            obj_std,
            models.best_feasible,
            con_means,
            con_stds,
            lowers.reshape(k),
            uppers.reshape(k),
        )
        if not with_gradient:
            return result.value, np.zeros((m, d))

        # Chain rule through every GP's mean and standard deviation.
        gradient = (
            result.d_obj_mean[:, None] * obj_dmean
            + result.d_obj_std[:, None] * obj_dstd
        )
        gradient += np.einsum("mk,mkd->md", result.d_con_means, con_dmeans)
        gradient += np.einsum("mk,mkd->md", result.d_con_stds, con_dstds)
        return result.value, gradient

    def _anchors(self) -> np.ndarray:
        """Encoded best observations, whose neighbourhoods the maximiser
        searches: best feasible first, else least violating."""
        y = self._objective_values()
        rank = np.where(np.isfinite(y), y, -np.inf)
        if self.models_constraints and self.constraints:
            feasible = np.array(
                [self.is_feasible(o.metrics) for o in self.observations]
            )
            if feasible.any():
                rank = np.where(feasible, rank, -np.inf)
            else:
                rank = -np.array(
                    [self._total_violation(o.metrics) for o in self.observations]
                )
        order = np.argsort(-rank, kind="stable")[:_N_ANCHORS]
        order = order[np.isfinite(rank[order])]
        return np.array(self._X_rows)[order]

    def _total_violation(self, metrics: Mapping[str, float] | None) -> float:
        if metrics is None:
            return math.inf
        total = 0.0
        for constraint in self.constraints:
            value = metrics[constraint.metric]
            total += constraint.violation(value) if math.isfinite(value) else math.inf
        return total


class ConstrainedBayesOpt(BayesOpt):
    """Constrained Bayesian optimization: one GP per metric, constrained log EI.

    The acquisition is log EI over the best feasible observation plus, for
    each constraint, the log probability that its metric meets the bounds
    under that metric's GP. Before any feasible observation exists it is the
    log probability of feasibility alone. A NaN or missing constraint value
    counts as a violation (see :func:`impute_violations`).

    Parameters
    ----------
    search_space, metric, mode, constraints, seed, n_initial, maximizer, gp_restarts
        See :class:`BayesOpt`.

    Examples
    --------
    >>> from fairbo import Float
    >>> searcher = ConstrainedBayesOpt(
    ...     {"x": Float(0.0, 1.0)}, metric="acc", constraints={"dsp": 0.1}, seed=0
    ... )
    >>> for _ in range(5):
    ...     config = searcher.suggest()
    ...     searcher.observe(config, {"acc": config["x"], "dsp": config["x"] - 0.5})
    """

    models_constraints = True


def _condition_on_lie(
    gp: GaussianProcess, X: np.ndarray, y: np.ndarray, X_pending: np.ndarray
) -> GaussianProcess:
    """Return a copy of the objective GP conditioned on the pending inputs at
    the worst observed value (the "constant liar" heuristic).

    Conditioning at the posterior mean instead (the kriging believer) only
    shrinks the variance there to the fitted noise level. Near a confident
    incumbent EI then stayed highest next to the pending point, and in a test
    a second worker got a configuration 1e-7 away from the first. The lie
    lowers the mean around pending points, so the next suggestion goes
    elsewhere.
    """
    liar = copy.deepcopy(gp)
    lie = np.full(len(X_pending), float(np.min(y)))
    return liar.fit(np.vstack([X, X_pending]), np.concatenate([y, lie]), optimize=False)


def _bound(value: float | None) -> float:
    return math.nan if value is None else value


def _predict(
    gp: GaussianProcess | None, X: np.ndarray, with_gradient: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return mean, std and their X-gradients (zeros without a model)."""
    m, d = X.shape
    if gp is None:
        return np.zeros(m), np.ones(m), np.zeros((m, d)), np.zeros((m, d))
    if not with_gradient:
        mean, variance = gp.predict(X)
        std, _ = std_from_variance(variance)
        return mean, std, np.zeros((m, d)), np.zeros((m, d))
    mean, variance, dmean, dvariance = gp.predict_with_gradient(X)
    std, dstd = std_from_variance(variance, dvariance)
    return mean, std, dmean, dstd
