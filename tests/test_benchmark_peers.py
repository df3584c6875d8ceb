"""Smoke tests of the peer benchmark harness (benchmarks/peers).

The quick mode runs for real on a synthetic problem; the metrics in each
record are recomputed from the problem's closed form, and the report's
numbers from the records.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.tree import DecisionTreeClassifier

# The benchmarks live next to the package, outside src/, so the repository
# root must be importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import problems  # noqa: E402
from benchmarks.peers import __main__ as cli  # noqa: E402
from benchmarks.peers import report  # noqa: E402
from benchmarks.peers.cache import EvaluationCache, canonical_key  # noqa: E402
from benchmarks.peers.optimizers import SYNETUNE_PYTHON  # noqa: E402
from benchmarks.peers.tasks import cache_config, get_task  # noqa: E402

FAIRBO_OPTIMIZERS = ["fairbo-random", "fairbo-bo", "fairbo-cbo"]


def _run_quick(tmp_path, optimizers):
    out = tmp_path / "raw"
    argv = ["run", "--quick", "--out", str(out), "--cache", str(tmp_path / "c.sqlite")]
    assert cli.main([*argv, "--optimizers", *optimizers]) == 0
    return out


def _check_records(out, optimizers):
    task = get_task("gardner")
    for optimizer in optimizers:
        for seed in range(cli.QUICK_SEEDS):
            path = out / "gardner" / optimizer / f"seed{seed}.json"
            record = json.loads(path.read_text())
            assert len(record["trials"]) == cli.QUICK_TRIALS
            for trial in record["trials"]:
                expected = problems.gardner_evaluate(trial["config"])
                assert trial["metrics"] == pytest.approx(expected)
                assert trial["feasible"] == (expected["c"] <= 0.0)
                assert trial["suggest_s"] >= 0.0
                assert trial["observe_s"] >= 0.0
            assert record["test"] is None
    return task


def test_quick_mode_fairbo_records(tmp_path):
    out = _run_quick(tmp_path, FAIRBO_OPTIMIZERS)
    _check_records(out, FAIRBO_OPTIMIZERS)


def test_quick_mode_report_and_plot(tmp_path):
    out = _run_quick(tmp_path, FAIRBO_OPTIMIZERS)
    figures = tmp_path / "figures"
    markdown = tmp_path / "tables.md"
    rows = report.write_report(str(out), None, str(figures), str(markdown))
    assert (figures / "peers_gardner.png").stat().st_size > 0
    text = markdown.read_text()
    task = get_task("gardner")
    grouped = report.load_records(out)
    for optimizer in FAIRBO_OPTIMIZERS:
        assert f"| {optimizer} |" in text
        finals = []
        for record in grouped["gardner"][optimizer]:
            feasible = [
                t["metrics"]["objective"] for t in record["trials"] if t["feasible"]
            ]
            finals.append(min(feasible))
        expected = float(np.median([v - task.known_optimum for v in finals]))
        row = rows["gardner"][optimizer]
        assert row["regret"][1] == pytest.approx(expected)
        assert row["feasible_fraction"] == 1.0


@pytest.mark.skipif(
    importlib.util.find_spec("optuna") is None, reason="optuna is not installed"
)
def test_quick_mode_optuna_tpe(tmp_path):
    out = _run_quick(tmp_path, ["optuna-tpe-constrained"])
    _check_records(out, ["optuna-tpe-constrained"])


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("optuna") is None
    or importlib.util.find_spec("torch") is None,
    reason="optuna or torch is not installed",
)
def test_quick_mode_optuna_gp(tmp_path):
    optimizers = ["optuna-gp-constrained", "optuna-gp"]
    out = _run_quick(tmp_path, optimizers)
    _check_records(out, optimizers)


@pytest.mark.slow
@pytest.mark.skipif(not SYNETUNE_PYTHON.exists(), reason="no Syne Tune virtualenv")
def test_quick_mode_synetune(tmp_path):
    out = _run_quick(tmp_path, ["synetune-cbo"])
    _check_records(out, ["synetune-cbo"])


def test_quantiles_count_missing_as_worst():
    values = [1.0, 2.0, math.nan, 4.0, 5.0]
    assert report.quantiles(values, maximize=True) == (1.0, 2.0, 4.0)
    assert report.quantiles(values, maximize=False) == (2.0, 4.0, 5.0)


def test_quantiles_next_to_missing_are_missing():
    low, median, high = report.quantiles([1.0, math.nan, 4.0, 5.0], maximize=True)
    assert math.isnan(low)
    assert median == pytest.approx(2.5)
    assert high == pytest.approx(4.25)


def test_quantiles_interpolate_linearly():
    values = [3.0, 1.0, 2.0, 4.0]
    expected = tuple(np.percentile(values, [25, 50, 75]))
    assert report.quantiles(values, maximize=True) == pytest.approx(expected)


def test_best_feasible_curve_min_task():
    task = get_task("gardner")
    trials = [
        {"metrics": {"objective": -1.0, "c": 0.5}, "feasible": False},
        {"metrics": {"objective": 0.3, "c": -0.1}, "feasible": True},
        {"metrics": {"objective": 0.7, "c": -0.1}, "feasible": True},
        {"metrics": {"objective": -0.2, "c": -0.1}, "feasible": True},
    ]
    curve = report.best_feasible_curve(task, {"trials": trials})
    assert math.isnan(curve[0])
    assert curve[1:].tolist() == [0.3, 0.3, -0.2]


def test_cache_returns_stored_result(tmp_path):
    cache = EvaluationCache(tmp_path / "c.sqlite")
    calls = []

    def compute():
        calls.append(1)
        return {"accuracy": 0.75}

    key = canonical_key({"b": 1, "a": 2.5})
    first = cache.evaluate("obj", key, compute, clock=iter([0.0, 2.0]).__next__)
    second = cache.evaluate("obj", key, compute, clock=iter([]).__next__)
    assert first == ({"accuracy": 0.75}, 2.0, False)
    assert second == ({"accuracy": 0.75}, 2.0, True)
    assert len(calls) == 1
    assert cache.all_results("obj") == [{"accuracy": 0.75}]
    assert cache.all_results("other") == []


def test_canonical_key_ignores_order():
    assert canonical_key({"a": 1, "b": "x"}) == canonical_key({"b": "x", "a": 1})


def test_cache_config_leaves_synthetic_unchanged():
    config = {"x": 0.5, "y": 1.25}
    assert cache_config("synthetic_gardner", config) == config


@pytest.mark.parametrize("fraction", [0.013, 0.1, 0.37])
def test_split_fraction_equals_its_integer(fraction):
    # The forest cache key replaces a fractional min_samples_split by
    # max(2, ceil(fraction * n)); scikit-learn must build the same tree.
    X, y = make_classification(n_samples=300, random_state=0)
    as_fraction = DecisionTreeClassifier(min_samples_split=fraction, random_state=0)
    integer = max(2, math.ceil(fraction * len(y)))
    as_integer = DecisionTreeClassifier(min_samples_split=integer, random_state=0)
    as_fraction.fit(X, y)
    as_integer.fit(X, y)
    assert as_fraction.tree_.node_count == as_integer.tree_.node_count
    assert np.array_equal(as_fraction.predict(X), as_integer.predict(X))
