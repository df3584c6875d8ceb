"""Engine benchmark: fairbo's searchers on synthetic constrained problems.

Runs ``RandomSearch``, ``BayesOpt`` and ``ConstrainedBayesOpt`` through the
ask/tell API (``suggest`` then ``observe``) on the problems of
:mod:`benchmarks.problems`, for a budget of evaluations and several seeds.
For every run it records the best feasible objective after each evaluation
and the evaluation at which the first feasible point was found, then writes
raw results (JSON and CSV), a markdown summary table and a regret plot.

Usage, from the repository root::

    .venv/bin/python -m benchmarks.engine                  # full benchmark
    .venv/bin/python -m benchmarks.engine --quick          # CI smoke run
    .venv/bin/python -m benchmarks.engine --problems gramacy --seeds 3

Runs are spread over at most two worker processes, and each worker limits
BLAS to one thread, so the benchmark uses at most two cores.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import multiprocessing
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):
    # Run as a script: make the repository root importable.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.engine_report import (  # noqa: E402
    checkpoints_for,
    plot_regret,
    summary_markdown,
    summary_rows,
)
from benchmarks.problems import get_problem, problem_names  # noqa: E402

logger = logging.getLogger(__name__)

SEARCHERS = ("random", "bo", "cbo")
DEFAULT_SEEDS = 10
DEFAULT_EVALS = 60
MAX_PROCESSES = 2
BENCHMARK_DIR = Path(__file__).resolve().parent


@dataclass
class RunResult:
    """The trace of one searcher on one problem with one seed.

    Attributes
    ----------
    problem, searcher : str
        Problem and searcher names.
    seed : int
        Seed of the searcher.
    objective : list of float
        Objective value of each evaluation, in order.
    feasible : list of bool
        Whether each evaluation met every constraint.
    best_feasible : list of float
        Best feasible objective after each evaluation (NaN before the first
        feasible one).
    regret : list of float
        ``best_feasible - optimum`` after each evaluation (NaN before the
        first feasible one).
    first_feasible : int or None
        1-based index of the first feasible evaluation, None when no
        evaluation was feasible.
    suggest_seconds : list of float
        Wall time of each ``suggest()`` call.
    wall_seconds : float
        Wall time of the whole run.
    error : str or None
        Traceback when the run failed part-way; the traces then stop early.
    """

    problem: str
    searcher: str
    seed: int
    objective: list[float] = field(default_factory=list)
    feasible: list[bool] = field(default_factory=list)
    best_feasible: list[float] = field(default_factory=list)
    regret: list[float] = field(default_factory=list)
    first_feasible: int | None = None
    suggest_seconds: list[float] = field(default_factory=list)
    wall_seconds: float = 0.0
    error: str | None = None


def run_one(
    problem_name: str, searcher_name: str, seed: int, n_evals: int
) -> RunResult:
    """Run one searcher on one problem for ``n_evals`` evaluations.

    An exception raised by the searcher ends the run: its traceback is stored
    in :attr:`RunResult.error` and the traces keep the evaluations done so
    far, so one failing run does not abort the benchmark.
    """
    from fairbo.searchers import make_searcher

    problem = get_problem(problem_name)
    result = RunResult(problem=problem_name, searcher=searcher_name, seed=seed)
    start = time.perf_counter()
    best = math.inf
    try:
        searcher = make_searcher(
            searcher_name,
            problem.space,
            problem.metric,
            problem.mode,
            problem.constraints,
            seed,
        )
        for index in range(1, n_evals + 1):
            tic = time.perf_counter()
            config = searcher.suggest()
            result.suggest_seconds.append(time.perf_counter() - tic)
            metrics = problem.evaluate(config)
            searcher.observe(config, metrics)

            feasible = problem.is_feasible(metrics)
            value = metrics[problem.metric]
            if feasible:
                best = min(best, value)
                if result.first_feasible is None:
                    result.first_feasible = index
            result.objective.append(value)
            result.feasible.append(feasible)
            result.best_feasible.append(best if math.isfinite(best) else math.nan)
            result.regret.append(
                problem.regret(best) if math.isfinite(best) else math.nan
            )
    except Exception:  # noqa: BLE001 - any searcher failure is recorded
        result.error = traceback.format_exc()
        logger.error(
            "run failed: problem=%s searcher=%s seed=%s after %s evaluations\n%s",
            problem_name,
            searcher_name,
            seed,
            len(result.objective),
            result.error,
        )
    result.wall_seconds = time.perf_counter() - start
    return result


def _limit_threads() -> None:
    # Each worker is one of at most two processes on a shared 2-core machine;
    # multi-threaded BLAS inside both would oversubscribe the cores.
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _run_task(task: tuple[str, str, int, int]) -> RunResult:
    return run_one(*task)


def run_benchmark(
    problems: Sequence[str],
    searchers: Sequence[str],
    seeds: Sequence[int],
    n_evals: int,
    processes: int = MAX_PROCESSES,
) -> list[RunResult]:
    """Run every (problem, searcher, seed) combination.

    Parameters
    ----------
    problems, searchers : sequence of str
        Names from :func:`benchmarks.problems.problem_names` and
        :data:`SEARCHERS`.
    seeds : sequence of int
        Searcher seeds; every searcher gets the same seeds.
    n_evals : int
        Evaluations per run.
    processes : int
        Worker processes, at most :data:`MAX_PROCESSES`; 1 runs in-process.

    Returns
    -------
    list of RunResult
        In the order problem, searcher, seed.
    """
    tasks = [
        (p, s, seed, n_evals) for p in problems for s in searchers for seed in seeds
    ]
    processes = max(1, min(processes, MAX_PROCESSES, len(tasks)))
    results: list[RunResult] = []
    done = 0
    if processes == 1:
        _limit_threads()
        iterator: Any = map(_run_task, tasks)
        pool = None
    else:
        pool = multiprocessing.get_context("spawn").Pool(
            processes, initializer=_limit_threads
        )
        iterator = pool.imap_unordered(_run_task, tasks)
    try:
        for result in iterator:
            done += 1
            results.append(result)
            logger.info(
                "[%d/%d] %s %s seed=%d: %.1f s, first feasible %s, final regret %s",
                done,
                len(tasks),
                result.problem,
                result.searcher,
                result.seed,
                result.wall_seconds,
                result.first_feasible,
                f"{result.regret[-1]:.4g}" if result.regret else "n/a",
            )
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    order = {task[:3]: i for i, task in enumerate(tasks)}
    results.sort(key=lambda r: order[(r.problem, r.searcher, r.seed)])
    return results


# ----------------------------------------------------------------- output


def machine_info() -> dict[str, Any]:
    """Return a description of the machine and software the run used."""
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=BENCHMARK_DIR,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        # Uncommitted changes under src/ mean the commit alone does not
        # identify the searchers that ran.
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=BENCHMARK_DIR.parent,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit, dirty = "", ""
    import scipy

    return {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "git_commit": commit or None,
        "src_uncommitted_changes": bool(dirty),
    }


def write_raw(results: Sequence[RunResult], meta: dict[str, Any], out: Path) -> None:
    """Write ``runs.json`` (every trace plus metadata) and ``runs.csv``."""
    out.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, "runs": [asdict(r) for r in results]}
    with open(out / "runs.json", "w", encoding="utf-8") as handle:
        json.dump(payload, handle, allow_nan=True)
    with open(out / "runs.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "problem",
                "searcher",
                "seed",
                "evaluation",
                "objective",
                "feasible",
                "best_feasible",
                "regret",
                "suggest_seconds",
            ]
        )
        for r in results:
            for i, value in enumerate(r.objective):
                writer.writerow(
                    [
                        r.problem,
                        r.searcher,
                        r.seed,
                        i + 1,
                        repr(value),
                        int(r.feasible[i]),
                        repr(r.best_feasible[i]),
                        repr(r.regret[i]),
                        f"{r.suggest_seconds[i]:.6f}",
                    ]
                )


def load_results(path: Path) -> tuple[list[RunResult], dict[str, Any]]:
    """Read the runs and metadata of a ``runs.json`` file."""
    with open(path, encoding="utf-8") as handle:
        payload = json.load(handle)
    return [RunResult(**r) for r in payload["runs"]], payload["meta"]


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.engine",
        description="Benchmark fairbo's searchers on constrained test problems.",
    )

    parser.add_argument(
        "--seeds",
        type=int,
        default=None,
        help=f"number of seeds per problem and searcher (default {DEFAULT_SEEDS})",
    )

    parser.add_argument(
        "--evals",
        type=int,
        default=None,
        help=f"evaluations per run (default {DEFAULT_EVALS})",
    )

    parser.add_argument(
        "--problems",
        default=",".join(problem_names()),
        help="comma-separated problem names (default: all)",
    )

    parser.add_argument(
        "--searchers",
        default=",".join(SEARCHERS),
        help="comma-separated searcher names (default: random,bo,cbo)",
    )

    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke-test size: 2 seeds and 15 evaluations unless given",
    )

    parser.add_argument(
        "--processes",
        type=int,
        default=MAX_PROCESSES,
        help=f"worker processes, at most {MAX_PROCESSES} (default {MAX_PROCESSES})",
    )

    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="directory for runs.json, runs.csv and summary.md (default "
        "benchmarks/results/engine, or benchmarks/results/engine-quick with "
        "--quick)",
    )

    parser.add_argument(
        "--figures",
        type=Path,
        default=None,
        help="directory for the regret plot engine_regret.png (default "
        "benchmarks/figures, or the --out directory with --quick)",
    )

    parser.add_argument(
        "--from-json",
        type=Path,
        default=None,
        help="skip the runs and rebuild the table and plot from a runs.json",
    )
    args = parser.parse_args(argv)
    if args.seeds is None:
        args.seeds = 2 if args.quick else DEFAULT_SEEDS
    if args.evals is None:
        args.evals = 15 if args.quick else DEFAULT_EVALS
    # A quick run must not overwrite the recorded results of a full one.
    if args.out is None:
        args.out = (
            BENCHMARK_DIR / "results" / ("engine-quick" if args.quick else "engine")
        )
    if args.figures is None:
        args.figures = args.out if args.quick else BENCHMARK_DIR / "figures"
    if args.seeds < 1 or args.evals < 1:
        parser.error(
            f"--seeds and --evals must be >= 1, got {args.seeds} and {args.evals}"
        )
    args.problems = [p for p in args.problems.split(",") if p]
    args.searchers = [s for s in args.searchers.split(",") if s]
    for name in args.problems:
        if name not in problem_names():
            parser.error(f"unknown problem {name!r}; choose from {problem_names()}")
    from fairbo.searchers import searcher_names

    for name in args.searchers:
        if name not in searcher_names():
            parser.error(f"unknown searcher {name!r}; choose from {searcher_names()}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark from the command line and write every output."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args = _parse_args(argv)
    if args.from_json is not None:
        results, meta = load_results(args.from_json)
    else:
        meta = {
            "command": " ".join(["python -m benchmarks.engine", *sys.argv[1:]]),
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "seeds": args.seeds,
            "evals": args.evals,
            "problems": args.problems,
            "searchers": args.searchers,
            "processes": min(args.processes, MAX_PROCESSES),
            "machine": machine_info(),
        }
        tic = time.perf_counter()
        results = run_benchmark(
            args.problems,
            args.searchers,
            list(range(args.seeds)),
            args.evals,
            args.processes,
        )
        meta["wall_seconds"] = time.perf_counter() - tic
        meta["load_average_end"] = machine_info()["load_average"]
        write_raw(results, meta, args.out)

    checkpoints = checkpoints_for(meta["evals"])
    rows = summary_rows(results, checkpoints)
    table = summary_markdown(rows, checkpoints, meta)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.md").write_text(table, encoding="utf-8")
    args.figures.mkdir(parents=True, exist_ok=True)
    plot_regret(results, args.figures / "engine_regret.png")
    print(table)
    failed = [r for r in results if r.error is not None]
    if failed:
        print(f"{len(failed)} run(s) failed; see 'error' in {args.out / 'runs.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
