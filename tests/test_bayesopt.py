"""Tests of the model-based searchers, their design and the maximiser."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fairbo.constraints import Constraint
from fairbo.exceptions import InvalidArgumentError
from fairbo.searchers import BayesOpt, ConstrainedBayesOpt, RandomSearch
from fairbo.searchers.bayesopt import impute_objective, impute_violations
from fairbo.searchers.design import initial_design_size
from fairbo.searchers.optimizer import AcquisitionMaximizer, MaximizerSettings
from fairbo.space import Categorical, Float, Int, SearchSpace


# ---------------------------------------------------------------- imputation
def test_impute_objective_uses_worst_value():
    values = impute_objective(np.array([0.5, math.nan, 0.2, -math.inf, 0.9]))
    np.testing.assert_array_equal(values, [0.5, 0.2, 0.2, 0.2, 0.9])


def test_impute_objective_all_missing_unchanged():
    values = impute_objective(np.array([math.nan, math.nan]))
    assert np.isnan(values).all()


@pytest.mark.parametrize(
    "values, constraint, expected",
    [
        # The worst observed value violates by more than the margin: reuse it.
        ([0.5, 0.6, math.nan], Constraint("dsp", upper=0.1), 0.6),
        # Otherwise the bound plus max(spread, |bound|).
        ([0.0, 0.05, math.nan], Constraint("dsp", upper=0.1), 0.1 + 0.1),
        ([0.9, 0.95, math.inf], Constraint("di", lower=0.8), 0.8 - 0.8),
        ([0.5, -2.0, math.nan], Constraint("di", lower=0.8), -2.0),
        ([math.nan, math.nan], Constraint("dsp", upper=0.0), 1e-3),
        ([0.5, math.nan], Constraint("acc", lower=0.1, upper=0.9), 0.9 + 0.9),
    ],
)
def test_impute_violations(values, constraint, expected):
    values = np.array(values)
    filled = impute_violations(values, constraint)
    assert math.isclose(filled[-1], expected, rel_tol=1e-12)
    assert not constraint.is_satisfied(filled[-1])
    finite = np.isfinite(values)
    np.testing.assert_array_equal(filled[finite], values[finite])


# -------------------------------------------------------------------- design
@pytest.mark.parametrize(
    "n, expected", [(0, 3), (1, 3), (2, 3), (5, 6), (9, 10), (30, 10)]
)
def test_initial_design_size(n, expected):
    assert initial_design_size(n) == expected


def test_default_config_goes_first():
    space = {
        "x": Float(0.0, 1.0, default=0.25),
        "c": Categorical(["a", "b"], default="b"),
    }
    searcher = ConstrainedBayesOpt(
        space, metric="acc", constraints={"dsp": 0.1}, seed=0
    )
    assert searcher.suggest() == {"x": 0.25, "c": "b"}
    assert searcher.suggest() != {"x": 0.25, "c": "b"}


def test_design_points_are_spread():
    searcher = BayesOpt({"x": Float(0.0, 1.0)}, metric="acc", seed=0, n_initial=8)
    xs = sorted(searcher.suggest()["x"] for _ in range(8))
    # Eight scrambled Sobol points put one point in each eighth of [0, 1].
    assert [int(x * 8) for x in xs] == list(range(8))


def test_invalid_n_initial():
    with pytest.raises(InvalidArgumentError, match="n_initial must be an int >= 1"):
        BayesOpt({"x": Float(0.0, 1.0)}, metric="acc", n_initial=0)


# ------------------------------------------------------------------ behaviour
def run(searcher, objective, steps):
    for _ in range(steps):
        config = searcher.suggest()
        searcher.observe(config, objective(config))


def quadratic(config):
    return {"loss": (config["x"] - 0.3) ** 2 + (config["y"] - 0.7) ** 2}


def test_bo_minimises_quadratic():
    space = {"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)}
    searcher = BayesOpt(space, metric="loss", mode="min", seed=0)
    run(searcher, quadratic, 15)
    best = min(o.metrics["loss"] for o in searcher.observations)
    assert best < 1e-3
    assert searcher.last_timing.fit > 0.0
    assert searcher.last_timing.acquisition > 0.0


def test_bo_beats_random_on_quadratic():
    space = {"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)}
    bo, rs = [], []
    for seed in range(3):
        for cls, results in ((BayesOpt, bo), (RandomSearch, rs)):
            searcher = cls(space, metric="loss", mode="min", seed=seed)
            run(searcher, quadratic, 12)
            results.append(min(o.metrics["loss"] for o in searcher.observations))
    assert max(bo) < min(rs)


def test_bo_handles_mixed_space():
    space = {"x": Float(0.0, 1.0), "n": Int(1, 20), "c": Categorical(["a", "b", "c"])}

    def objective(config):
        bonus = {"a": 0.0, "b": 1.0, "c": 0.3}[config["c"]]
        return {"acc": bonus - (config["x"] - 0.6) ** 2 - 0.05 * abs(config["n"] - 12)}

    searcher = BayesOpt(space, metric="acc", seed=1)
    run(searcher, objective, 25)
    best = max(searcher.observations, key=lambda o: o.metrics["acc"])
    assert best.config["c"] == "b"
    assert abs(best.config["n"] - 12) <= 1
    assert abs(best.config["x"] - 0.6) < 0.1


def constrained_line(config):
    """Objective increasing in x, feasible only for x <= 0.4."""
    return {"acc": config["x"], "dsp": config["x"] - 0.3}


def test_cbo_respects_constraint_where_bo_does_not():
    space = {"x": Float(0.0, 1.0)}
    cbo = ConstrainedBayesOpt(space, metric="acc", constraints={"dsp": 0.1}, seed=0)
    bo = BayesOpt(space, metric="acc", constraints={"dsp": 0.1}, seed=0)
    run(cbo, constrained_line, 12)
    run(bo, constrained_line, 12)
    cbo_last = [o.config["x"] for o in cbo.observations[-5:]]
    bo_last = [o.config["x"] for o in bo.observations[-5:]]
    assert all(x < 0.5 for x in cbo_last)
    assert sum(x > 0.5 for x in bo_last) >= 4
    feasible = [
        o.metrics["acc"] for o in cbo.observations if cbo.is_feasible(o.metrics)
    ]
    assert max(feasible) > 0.38


def test_cbo_seeks_feasibility_first():
    space = {"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)}

    def objective(config):
        distance = math.hypot(config["x"] - 0.85, config["y"] - 0.15)
        return {"acc": config["y"], "dsp": distance - 0.12}

    firsts = []
    for seed in range(3):
        searcher = ConstrainedBayesOpt(
            space, metric="acc", constraints={"dsp": 0.0}, seed=seed
        )
        run(searcher, objective, 15)
        feasible = [searcher.is_feasible(o.metrics) for o in searcher.observations]
        firsts.append(feasible.index(True) if any(feasible) else 99)
    # The feasible disc covers about 4.5% of the square, so random search
    # needs about 22 draws on average to find it.
    assert max(firsts) < 15


def test_lower_bound_constraint():
    space = {"x": Float(0.0, 1.0)}
    constraints = [Constraint("di", lower=0.6)]
    searcher = ConstrainedBayesOpt(space, metric="acc", constraints=constraints, seed=2)
    run(searcher, lambda c: {"acc": -c["x"], "di": c["x"]}, 12)
    feasible = [o.config["x"] for o in searcher.observations if o.config["x"] >= 0.6]
    assert min(feasible) < 0.65


def test_pending_points_are_fantasised():
    space = {"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)}
    searcher = BayesOpt(space, metric="acc", seed=0)
    run(searcher, lambda c: {"acc": math.sin(5 * c["x"]) * c["y"]}, 8)
    first = searcher.suggest()
    searcher.discard_pending(first)
    again = searcher.suggest()
    searcher.discard_pending(again)
    # Only the Sobol scrambling of the candidates differs between the calls.
    assert abs(again["x"] - first["x"]) < 1e-3
    assert abs(again["y"] - first["y"]) < 1e-3
    batch = [searcher.suggest() for _ in range(4)]
    points = np.array([[c["x"], c["y"]] for c in batch])
    gaps = np.linalg.norm(points[:, None] - points[None, :], axis=2)
    assert gaps[np.triu_indices(4, 1)].min() > 0.05


def test_failed_region_is_avoided():
    space = {"x": Float(0.0, 1.0)}

    def objective(config):
        return None if config["x"] > 0.5 else {"acc": config["x"]}

    searcher = BayesOpt(space, metric="acc", seed=3)
    for _ in range(20):
        config = searcher.suggest()
        searcher.observe(config, objective(config))
    late_failures = sum(o.failed for o in searcher.observations[-10:])
    assert late_failures <= 3


def test_nan_constraint_counts_as_violation():
    space = {"x": Float(0.0, 1.0)}

    def objective(config):
        dsp = math.nan if config["x"] > 0.5 else 0.0
        return {"acc": config["x"], "dsp": dsp}

    searcher = ConstrainedBayesOpt(
        space, metric="acc", constraints={"dsp": 0.1}, seed=4
    )
    run(searcher, objective, 10)
    models = searcher._fit_models()
    best_x = max(o.config["x"] for o in searcher.observations if o.config["x"] <= 0.5)
    assert models.best_feasible == best_x
    nan_points = [[o.config["x"]] for o in searcher.observations if o.config["x"] > 0.5]
    assert nan_points
    mean, _ = models.constraints[0].predict(np.array(nan_points))
    assert (mean > 0.15).all()


def test_acquisition_gradient_matches_finite_differences():
    space = SearchSpace({"x": Float(0.0, 1.0), "y": Float(1e-2, 1.0, log=True)})
    searcher = ConstrainedBayesOpt(
        space, metric="acc", constraints={"dsp": 0.5, "deo": 0.9}, seed=0
    )
    rng = np.random.default_rng(0)
    for config in space.sample(rng, 10):
        searcher.observe(
            config,
            {
                "acc": math.sin(4 * config["x"]) + config["y"],
                "dsp": config["x"] * config["y"],
                "deo": math.cos(3 * config["y"]),
            },
        )
    searcher.mark_pending(space.sample(rng, 1)[0])
    models = searcher._fit_models()
    assert models is not None
    assert models.best_feasible is not None
    X = rng.uniform(0.05, 0.95, size=(6, 2))
    value, gradient = searcher._acquisition(models, X, with_gradient=True)
    step = 1e-6
    for j in range(2):
        shift = np.zeros(2)
        shift[j] = step
        up = searcher._acquisition(models, X + shift, with_gradient=False)[0]
        down = searcher._acquisition(models, X - shift, with_gradient=False)[0]
        numeric = (up - down) / (2 * step)
        np.testing.assert_allclose(gradient[:, j], numeric, rtol=1e-4, atol=1e-6)
    assert np.isfinite(value).all()


# ------------------------------------------------------------------ maximiser
def bump(target: np.ndarray):
    def value(X):
        return -np.sum((X - target) ** 2, axis=1)

    def value_and_gradient(X):
        return value(X), -2.0 * (X - target)

    return value, value_and_gradient


def test_maximizer_finds_mixed_optimum():
    space = SearchSpace(
        {"x": Float(0.0, 1.0), "n": Int(1, 100), "c": Categorical(["a", "b", "c"])}
    )
    target_config = {"x": 0.37, "n": 63, "c": "c"}
    target = space.encode([target_config])[0]
    maximizer = AcquisitionMaximizer(space, MaximizerSettings(n_candidates=64))
    config = maximizer.maximize(
        *bump(target), rng=np.random.default_rng(0), excluded=set()
    )
    assert config["c"] == "c"
    assert config["n"] == 63
    assert abs(config["x"] - 0.37) < 1e-4


def test_maximizer_skips_excluded():
    space = SearchSpace({"x": Float(0.0, 1.0), "c": Categorical(["a", "b"])})
    target = space.encode([{"x": 0.0, "c": "a"}])[0]
    excluded = {space.config_key({"x": 0.0, "c": "a"})}
    maximizer = AcquisitionMaximizer(space)
    config = maximizer.maximize(
        *bump(target), rng=np.random.default_rng(0), excluded=excluded
    )
    assert config != {"x": 0.0, "c": "a"}
    assert config["c"] == "a"
    assert config["x"] < 0.05


def test_maximizer_enumerates_small_finite_space():
    space = SearchSpace({"n": Int(1, 10), "c": Categorical(["a", "b"])})
    grid = list(space.grid())
    target = space.encode([{"n": 4, "c": "b"}])[0]
    maximizer = AcquisitionMaximizer(space)
    excluded = {space.config_key({"n": 4, "c": "b"})}
    rng = np.random.default_rng(0)
    assert maximizer.maximize(*bump(target), rng=rng, excluded=set()) == {
        "n": 4,
        "c": "b",
    }
    second = maximizer.maximize(*bump(target), rng=rng, excluded=excluded)
    assert second in ({"n": 3, "c": "b"}, {"n": 5, "c": "b"})
    all_keys = {space.config_key(c) for c in grid}
    assert maximizer.maximize(*bump(target), rng=rng, excluded=all_keys) is None
