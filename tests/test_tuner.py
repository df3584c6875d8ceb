"""fairbo.tune: budgets, failures, bad arguments, storage and resume."""

from __future__ import annotations

import math

import pytest

import fairbo
import objectives
from fairbo.exceptions import (
    InvalidArgumentError,
    StudyMismatchError,
    TooManyFailuresError,
)
from fairbo.storage import SQLiteStorage
from fairbo.trial import TrialStatus

SPACE = {"x": fairbo.Float(0.0, 1.0)}


def run(objective=objectives.quadratic, **kwargs):
    options = {
        "metric": "loss",
        "mode": "min",
        "constraints": {"cost": 0.5},
        "searcher": "random",
        "n_trials": 8,
        "seed": 0,
    }
    options.update(kwargs)
    return fairbo.tune(objective, SPACE, **options)


def test_tune_runs_the_trial_budget():
    result = run()
    assert len(result.trials) == 8
    assert [t.number for t in result.trials] == list(range(8))
    assert all(t.status is TrialStatus.COMPLETED for t in result.trials)


def test_best_trial_is_best_feasible():
    result = run(n_trials=15)
    feasible = [t for t in result.trials if t.config["x"] <= 0.5]
    expected = min(feasible, key=lambda t: t.metrics["loss"])
    assert result.best_trial is expected
    assert result.best_trial.feasible is True
    infeasible = [t for t in result.trials if t.config["x"] > 0.5]
    assert all(t.feasible is False for t in infeasible)


def test_no_feasible_trial_gives_none():
    result = run(constraints={"cost": -1.0})
    assert result.best_trial is None
    assert result.n_feasible == 0


def test_dataframe_has_one_row_per_trial():
    frame = run().to_dataframe()
    assert len(frame) == 8
    for column in ("number", "status", "feasible", "param_x", "loss", "cost"):
        assert column in frame.columns
    assert (frame["duration_s"] >= 0).all()
    assert frame["param_x"].between(0, 1).all()


def test_callbacks_see_each_stored_trial():
    seen = []
    run(
        callbacks=[
            lambda trial, result: seen.append((trial.number, len(result.trials)))
        ]
    )
    assert [number for number, _ in seen] == list(range(8))
    assert seen[-1][1] == 8


def test_exception_fails_trial_and_study_goes_on():
    result = run(objectives.raises_above_half, n_trials=12)
    failed = [t for t in result.trials if t.status is TrialStatus.FAILED]
    assert failed, "the random sample should include x > 0.5"
    assert all(t.config["x"] > 0.5 for t in failed)
    assert "too large" in failed[0].error
    assert "Traceback" in failed[0].traceback
    assert len(result.trials) == 12


def test_nan_objective_fails_trial():
    result = run(objectives.nan_objective, n_trials=3, max_consecutive_failures=5)
    assert all(t.status is TrialStatus.FAILED for t in result.trials)
    assert "finite" in result.trials[0].error
    assert result.best_trial is None


def test_nan_constraint_is_infeasible():
    result = run(objectives.nan_constraint, n_trials=3)
    assert all(t.status is TrialStatus.COMPLETED for t in result.trials)
    assert all(t.feasible is False for t in result.trials)
    assert math.isnan(result.trials[0].metrics["cost"])


def test_consecutive_failures_stop_the_study(tmp_path):
    path = tmp_path / "runs.db"
    with pytest.raises(TooManyFailuresError, match="data file is missing") as info:
        run(
            objectives.always_raises,
            n_trials=20,
            max_consecutive_failures=3,
            storage=path,
            study_name="broken",
        )
    assert "3 trials failed in a row" in str(info.value)
    with SQLiteStorage(path) as storage:
        trials = storage.load_trials("broken")
    assert len(trials) == 3
    assert all(t.status is TrialStatus.FAILED for t in trials)


def test_metric_never_returned_stops_at_once():
    with pytest.raises(InvalidArgumentError, match=r"not \['cost'\]"):
        run(objectives.missing_cost)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"searcher": "gradient"}, "gradient"),
        ({"mode": "maximum"}, "maximum"),
        ({"n_trials": -1}, "n_trials must be a non-negative integer, got -1"),
        ({"n_trials": None}, "needs a budget"),
        ({"timeout": -5, "n_trials": None}, "timeout must be a positive"),
        ({"n_workers": 0}, "n_workers must be a positive integer, got 0"),
        ({"timeout_per_trial": 0}, "timeout_per_trial must be a positive"),
        ({"metric": "accuracy"}, "metric 'accuracy' is not returned"),
        ({"constraints": {"dsp": 0.1}}, "constraint 'dsp' is not returned"),
        ({"max_consecutive_failures": 0}, "max_consecutive_failures"),
    ],
)
def test_bad_arguments_fail_before_any_trial(kwargs, fragment):
    calls = []

    class Recording(objectives.DeclaredMetrics):
        def __call__(self, config):
            calls.append(config)
            return super().__call__(config)

    with pytest.raises(ValueError, match=fragment):
        run(Recording(), **kwargs)
    assert calls == []


def test_resume_counts_total_trials(tmp_path):
    path = tmp_path / "runs.db"
    first = run(n_trials=5, storage=path, study_name="s")
    second = run(n_trials=8, storage=path, study_name="s")
    assert len(first.trials) == 5
    assert [t.number for t in second.trials] == list(range(8))
    assert [t.config for t in second.trials[:5]] == [t.config for t in first.trials]


def test_resume_with_other_metric_is_rejected(tmp_path):
    path = tmp_path / "runs.db"
    run(n_trials=2, storage=path, study_name="s")
    with pytest.raises(StudyMismatchError, match="metric='loss'"):
        run(
            objectives.quadratic,
            n_trials=4,
            storage=path,
            study_name="s",
            metric="cost",
            constraints=None,
        )
    with SQLiteStorage(path) as storage:
        assert len(storage.load_trials("s")) == 2


def test_resume_reruns_trials_left_running(tmp_path):
    path = tmp_path / "runs.db"
    run(n_trials=3, storage=path, study_name="s")
    with SQLiteStorage(path) as storage:
        orphan = storage.create_trial("s", {"x": 0.25})
    result = run(n_trials=5, storage=path, study_name="s")
    assert [t.number for t in result.trials] == [0, 1, 2, 3, 4]
    rerun = result.trials[orphan.number]
    assert rerun.status is TrialStatus.COMPLETED
    assert rerun.config == {"x": 0.25}


def test_timeout_stops_new_trials():
    result = run(objectives.slow_quadratic, n_trials=None, timeout=1.0)
    assert 1 <= len(result.trials) <= 5


def test_timeout_per_trial_fails_the_trial():
    result = run(
        objectives.hangs_on_large_x,
        n_trials=4,
        timeout_per_trial=1.0,
        seed=3,
        max_consecutive_failures=5,
    )
    timed_out = [t for t in result.trials if t.status is TrialStatus.FAILED]
    assert timed_out
    assert all("timed out" in t.error for t in timed_out)
    assert all(t.config["x"] > 0.5 for t in timed_out)


@pytest.mark.slow
def test_unresponsive_worker_is_killed():
    result = run(
        objectives.ignores_alarm,
        n_trials=2,
        n_workers=2,
        timeout_per_trial=1.0,
        max_consecutive_failures=5,
    )
    assert len(result.trials) == 2
    assert all(t.status is TrialStatus.FAILED for t in result.trials)
    assert all("did not respond" in t.error for t in result.trials)


@pytest.mark.slow
def test_process_pool_uses_both_workers():
    result = run(objectives.slow_quadratic, n_trials=6, n_workers=2)
    assert len(result.trials) == 6
    assert all(t.status is TrialStatus.COMPLETED for t in result.trials)
    assert len({t.worker for t in result.trials}) == 2


def test_ctrl_c_leaves_trial_running_for_resume(tmp_path, caplog):
    path = tmp_path / "runs.db"
    with pytest.raises(KeyboardInterrupt):
        run(
            objectives.interrupted_at_third_call(),
            n_trials=6,
            storage=path,
            study_name="s",
        )
    assert "trials [2] were stopped" in caplog.text
    with SQLiteStorage(path) as storage:
        statuses = [t.status for t in storage.load_trials("s")]
    assert statuses == [TrialStatus.COMPLETED] * 2 + [TrialStatus.RUNNING]
    result = run(n_trials=6, storage=path, study_name="s")
    assert [t.number for t in result.trials] == list(range(6))
    assert all(t.status is TrialStatus.COMPLETED for t in result.trials)


def test_resume_with_other_searcher_is_rejected(tmp_path):
    path = tmp_path / "runs.db"
    run(n_trials=2, storage=path, study_name="s", searcher="random")
    with pytest.raises(StudyMismatchError, match="searcher='random'"):
        run(n_trials=4, storage=path, study_name="s", searcher="cbo")


def test_resume_with_other_data_is_rejected(tmp_path):
    class Fingerprinted(objectives.DeclaredMetrics):
        def __init__(self, fingerprint):
            self.fingerprint = fingerprint

    path = tmp_path / "runs.db"
    run(Fingerprinted("aaaa"), n_trials=2, storage=path, study_name="s")
    with pytest.raises(StudyMismatchError, match="data or settings differ"):
        run(Fingerprinted("bbbb"), n_trials=4, storage=path, study_name="s")
    resumed = run(Fingerprinted("aaaa"), n_trials=3, storage=path, study_name="s")
    assert len(resumed.trials) == 3


def test_misnamed_metric_does_not_keep_the_study(tmp_path):
    path = tmp_path / "runs.db"
    with pytest.raises(InvalidArgumentError, match="costs"):
        run(storage=path, study_name="s", constraints={"costs": 0.5})
    with SQLiteStorage(path) as storage:
        assert storage.study_names() == []
    result = run(storage=path, study_name="s", n_trials=3)
    assert len(result.trials) == 3


def test_resume_ignores_parameter_order(tmp_path):
    path = tmp_path / "runs.db"
    space = {"x": fairbo.Float(0.0, 1.0), "y": fairbo.Int(1, 3)}
    reordered = {"y": fairbo.Int(1, 3), "x": fairbo.Float(0.0, 1.0)}
    options = {"metric": "loss", "mode": "min", "searcher": "random", "seed": 0}
    options.update(storage=path, study_name="s")
    fairbo.tune(objectives.quadratic, space, n_trials=2, **options)
    result = fairbo.tune(objectives.quadratic, reordered, n_trials=4, **options)
    assert len(result.trials) == 4
