"""Benchmark tasks: a search space, an objective and its constraints.

Two families share one interface:

* fairness tasks fit a real model through :class:`fairbo.FairnessObjective`
  (validation metrics by stratified cross-validation, plus a held-out test
  part for the configuration each run chooses);
* synthetic tasks wrap the problems of ``benchmarks/problems.py``, whose
  constrained optimum is known.

Several tasks share one objective (German Credit under DSP <= 0.01 and
<= 0.05, for example), so the evaluation cache is keyed by the objective,
not by the task.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

#: Rows drawn (uniformly, seed 0) from the 32,561 Adult training rows.
ADULT_ROWS = 5000
#: Trees of the Adult random forest (fairbo's default space uses 100).
ADULT_FOREST_TREES = 50
#: Folds of the validation cross-validation: German Credit as in the
#: canonical example, Adult fewer because its folds are already large.
GERMAN_CV = 5
ADULT_CV = 3
#: Fraction of rows held out as the test part of every fairness task.
TEST_SIZE = 0.2


@dataclass(frozen=True)
class Task:
    """One benchmark problem as every optimizer adapter sees it.

    Attributes
    ----------
    name : str
        Identifier used on the command line and in result files.
    objective_name : str
        Cache namespace: tasks with the same objective share evaluations.
    space : dict
        fairbo search space definition (domains and constants).
    metric, mode : str
        Optimised metric and ``"max"`` or ``"min"``.
    constraints : dict of str to float
        Metric -> upper bound; a trial is feasible when every finite value
        is <= its bound.
    kind : str
        ``"fairness"`` or ``"synthetic"``.
    known_optimum : float or None
        The true constrained optimum, when it is known.
    fairness_metric : str or None
        Constraint metric reported on the test part.
    """

    name: str
    objective_name: str
    space: dict[str, Any]
    metric: str
    mode: str
    constraints: dict[str, float]
    kind: str
    known_optimum: float | None = None
    fairness_metric: str | None = None

    def is_feasible(self, metrics: Mapping[str, float] | None) -> bool:
        """Return whether every constraint value is finite and within bound."""
        if metrics is None:
            return False
        for name, upper in self.constraints.items():
            value = metrics.get(name)
            if value is None or not math.isfinite(value) or value > upper:
                return False
        return True

    def better(self, a: float, b: float) -> bool:
        """Return whether objective value ``a`` is strictly better than ``b``."""
        return a > b if self.mode == "max" else a < b


# -- fairness objectives ------------------------------------------------------


@cache
def fairness_objective(objective_name: str) -> Any:
    """Build (once per process) the FairnessObjective behind a task."""
    from fairbo.datasets import load_adult, load_german_credit
    from fairbo.objective import FairnessObjective

    with warnings.catch_warnings():
        # Small-group warnings are expected: German Credit has 37 foreign
        # workers, about 6 per validation fold.
        warnings.simplefilter("ignore")
        if objective_name == "german_rf":
            bunch = load_german_credit()
            return FairnessObjective(
                "random_forest",
                bunch.data,
                bunch.target,
                bunch.sensitive_features,
                metrics=("accuracy", "dsp"),
                cv=GERMAN_CV,
                test_size=TEST_SIZE,
                seed=0,
            )
        bunch = load_adult(sensitive="sex", part="train")
        rows = np.random.default_rng(0).choice(
            len(bunch.target), ADULT_ROWS, replace=False
        )
        rows.sort()
        model, metrics = {
            "adult_rf": ("random_forest", ("accuracy", "dsp", "deo")),
            "adult_xgb": ("xgboost", ("accuracy", "dsp")),
        }[objective_name]
        return FairnessObjective(
            model,
            bunch.data.iloc[rows],
            bunch.target.iloc[rows],
            bunch.sensitive_features.iloc[rows],
            metrics=metrics,
            cv=ADULT_CV,
            test_size=TEST_SIZE,
            seed=0,
        )


def _fit_sizes(objective: Any) -> list[int]:
    """Training-set sizes of every fit the objective makes (folds, then test)."""
    sizes = [len(train) for train, _ in objective.splits]
    sizes.append(len(objective.development_rows))
    return sizes


def cache_config(objective_name: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """Return the form of ``config`` used as the evaluation-cache key.

    A random forest turns a fractional ``min_samples_split`` into
    ``max(2, ceil(fraction * n_samples))`` (scikit-learn's
    ``BaseDecisionTree._fit``), so two fractions that give the same integer
    for every fit give identical models. The key stores those integers, which
    lets nearby proposals of different optimizers share one fit.
    """
    key = dict(config)
    fraction = key.get("min_samples_split")
    if objective_name in ("german_rf", "adult_rf") and isinstance(fraction, float):
        sizes = _fit_sizes(fairness_objective(objective_name))
        key["min_samples_split"] = [max(2, int(math.ceil(fraction * n))) for n in sizes]
    return key


def _forest_space(trees: int | None = None) -> dict[str, Any]:
    from fairbo import models

    space = models.get("random_forest").search_space
    if trees is not None:
        space["n_estimators"] = trees
    return space


def _fairness_tasks() -> list[Task]:
    from fairbo import models

    german = _forest_space()
    adult_forest = _forest_space(ADULT_FOREST_TREES)
    xgb = models.get("xgboost").search_space
    common = {"metric": "accuracy", "mode": "max", "kind": "fairness"}
    return [
        Task("german_dsp0.01", "german_rf", german, constraints={"dsp": 0.01},
             fairness_metric="dsp", **common),
        Task("german_dsp0.05", "german_rf", german, constraints={"dsp": 0.05},
             fairness_metric="dsp", **common),
        Task("adult_rf_dsp0.05", "adult_rf", adult_forest,
             constraints={"dsp": 0.05}, fairness_metric="dsp", **common),
        Task("adult_rf_deo0.05", "adult_rf", adult_forest,
             constraints={"deo": 0.05}, fairness_metric="deo", **common),
        Task("adult_xgb_dsp0.05", "adult_xgb", xgb, constraints={"dsp": 0.05},
             fairness_metric="dsp", **common),
    ]  # fmt: skip


# -- synthetic problems ---------------------------------------------------------


def _synthetic_tasks() -> list[Task]:
    from benchmarks import problems

    tasks = []
    for name in problems.problem_names():
        problem = problems.get_problem(name)
        tasks.append(
            Task(
                name=name,
                objective_name=f"synthetic_{name}",
                space=dict(problem.space),
                metric=problem.metric,
                mode=problem.mode,
                constraints=dict(problem.constraints),
                kind="synthetic",
                known_optimum=float(problem.optimum_value),
            )
        )
    return tasks


@lru_cache(maxsize=1)
def all_tasks() -> dict[str, Task]:
    """Return every task by name: fairness tasks first, then synthetic ones."""
    return {task.name: task for task in _fairness_tasks() + _synthetic_tasks()}


def get_task(name: str) -> Task:
    """Look up a task by name; raise KeyError listing the valid names."""
    tasks = all_tasks()
    if name not in tasks:
        raise KeyError(f"unknown task {name!r}; valid names are {sorted(tasks)}")
    return tasks[name]


def evaluator(task: Task) -> Callable[[Mapping[str, Any]], dict[str, float]]:
    """Return the validation objective ``config -> metrics`` of a task."""
    if task.kind == "synthetic":
        from benchmarks import problems

        return problems.get_problem(task.name).evaluate
    return fairness_objective(task.objective_name)


def test_evaluator(
    task: Task,
) -> Callable[[Mapping[str, Any]], dict[str, float]] | None:
    """Return ``config -> test metrics`` of a fairness task, None otherwise."""
    if task.kind == "synthetic":
        return None
    return fairness_objective(task.objective_name).evaluate_test
