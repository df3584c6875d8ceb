"""Run optimizers on tasks and store one JSON record per run.

A run is one (task, optimizer, seed) triple with a budget of ``n_trials``
sequential trials. Its record holds every trial's configuration, metrics,
feasibility, optimizer overhead and objective time, plus the test-part
metrics of the configuration the run would choose (its best feasible
trial). Records are written to ``<out>/<task>/<optimizer>/seed<k>.json``;
an existing record with at least the requested trials is kept, so an
interrupted suite resumes where it stopped.
"""

from __future__ import annotations

import json
import logging
import math
import platform
import subprocess
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.peers.cache import EvaluationCache, canonical_key
from benchmarks.peers.optimizers import make_adapter
from benchmarks.peers.tasks import (
    Task,
    cache_config,
    evaluator,
    get_task,
    test_evaluator,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunSpec:
    """One run: task and optimizer names, seed, budget, and where to write."""

    task: str
    optimizer: str
    seed: int
    n_trials: int
    out_dir: str
    cache_path: str | None

    @property
    def path(self) -> Path:
        return Path(self.out_dir) / self.task / self.optimizer / f"seed{self.seed}.json"


def _source_revision() -> str:
    """Git commit of the working tree, with "+dirty" when files differ from it."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def _package_versions() -> dict[str, str]:
    versions = {}
    for name in ("fairbo", "optuna", "torch", "scikit-learn", "numpy", "xgboost-cpu"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def evaluate_config(
    task: Task, config: dict[str, Any], cache: EvaluationCache, part: str = "valid"
) -> tuple[dict[str, float], float, bool]:
    function = evaluator(task) if part == "valid" else test_evaluator(task)
    key = canonical_key(cache_config(task.objective_name, config))
    namespace = (
        task.objective_name if part == "valid" else f"{task.objective_name}:test"
    )

    def compute() -> dict[str, float]:
        return {k: float(v) for k, v in function(config).items()}

    return cache.evaluate(namespace, key, compute, time.perf_counter)


def best_feasible_trial(task: Task, trials: Sequence[dict[str, Any]]) -> int | None:
    """Return the index of the best feasible trial (first one on ties)."""
    best = None
    for index, trial in enumerate(trials):
        value = trial["metrics"].get(task.metric)
        if not trial["feasible"] or value is None or not math.isfinite(value):
            continue
        if best is None or task.better(value, trials[best]["metrics"][task.metric]):
            best = index
    return best


def run_one(spec: RunSpec) -> dict[str, Any]:
    """Run one optimizer on one task for one seed and write its record."""
    task = get_task(spec.task)
    cache = EvaluationCache(spec.cache_path)
    adapter = make_adapter(spec.optimizer, task, spec.seed)
    trials = []
    try:
        for number in range(spec.n_trials):
            config, suggest_s = adapter.suggest()
            metrics, eval_s, cached = evaluate_config(task, config, cache)
            observe_s = adapter.observe(config, metrics)
            trials.append(
                {
                    "number": number,
                    "config": config,
                    "metrics": metrics,
                    "feasible": task.is_feasible(metrics),
                    "suggest_s": suggest_s,
                    "observe_s": observe_s,
                    "eval_s": eval_s,
                    "cached": cached,
                }
            )
    finally:
        adapter.close()
    record = {
        "task": spec.task,
        "optimizer": spec.optimizer,
        "seed": spec.seed,
        "n_trials": spec.n_trials,
        "trials": trials,
        "test": _test_of_choice(task, trials, cache),
        "versions": _package_versions(),
        "revision": _source_revision(),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
    }
    spec.path.parent.mkdir(parents=True, exist_ok=True)
    temporary = spec.path.with_suffix(".tmp")
    temporary.write_text(json.dumps(record))
    temporary.replace(spec.path)
    return record


def _test_of_choice(
    task: Task, trials: Sequence[dict[str, Any]], cache: EvaluationCache
) -> dict[str, Any] | None:
    """Test-part metrics of the run's chosen (best feasible) configuration."""
    if test_evaluator(task) is None:
        return None
    best = best_feasible_trial(task, trials)
    if best is None:
        return None
    metrics, _, _ = evaluate_config(task, trials[best]["config"], cache, part="test")
    return {"trial": best, "metrics": metrics}


def is_done(spec: RunSpec) -> bool:
    """Return whether a record with at least the requested trials exists."""
    if not spec.path.exists():
        return False
    try:
        record = json.loads(spec.path.read_text())
    except json.JSONDecodeError:
        return False
    return len(record.get("trials", [])) >= spec.n_trials


def plan(
    task_names: Iterable[str],
    optimizers: Sequence[str],
    seeds_by_task: dict[str, int],
    n_trials: int,
    out_dir: str,
    cache_path: str | None,
) -> list[RunSpec]:
    """List the runs seed by seed, so a partial suite covers every optimizer."""
    specs = []
    for task in task_names:
        for seed in range(seeds_by_task[task]):
            for optimizer in optimizers:
                specs.append(
                    RunSpec(task, optimizer, seed, n_trials, out_dir, cache_path)
                )
    return specs


def run_all(specs: Sequence[RunSpec], jobs: int) -> int:
    """Run every spec without a record yet, ``jobs`` processes at a time.

    Returns the number of runs that failed; each failure is logged with its
    run and error, and the remaining runs go on.
    """
    todo = [spec for spec in specs if not is_done(spec)]
    logger.info("%d runs planned, %d already done", len(specs), len(specs) - len(todo))
    failures = 0
    if jobs <= 1:
        for spec in todo:
            failures += _run_logged(spec)
        return failures
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_run_logged, spec): spec for spec in todo}
        for future in as_completed(futures):
            failures += future.result()
    return failures


def _run_logged(spec: RunSpec) -> int:
    start = time.perf_counter()
    try:
        run_one(spec)
    except Exception:  # one broken optimizer must not stop the suite
        logger.exception(
            "run failed: %s %s seed %d", spec.task, spec.optimizer, spec.seed
        )
        return 1
    logger.info(
        "done %s %s seed %d in %.1f s",
        spec.task,
        spec.optimizer,
        spec.seed,
        time.perf_counter() - start,
    )
    return 0
