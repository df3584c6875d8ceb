"""Command line of the peer benchmark: ``python -m benchmarks.peers``.

Examples
--------
Full suite (every task and optimizer, 50 trials, 10 seeds per fairness task
and 20 per synthetic task), then the tables and plots::

    python -m benchmarks.peers run --jobs 2
    python -m benchmarks.peers report

Quick smoke check (2 seeds x 8 trials on one synthetic task)::

    python -m benchmarks.peers run --quick
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

# One BLAS/torch thread per process for every optimizer alike: the runner
# parallelises over runs, and the overhead comparison should not depend on
# which library happens to use more threads. Set before numpy is imported.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

logger = logging.getLogger("benchmarks.peers")

FULL_TRIALS = 50
FULL_SEEDS_FAIRNESS = 10
FULL_SEEDS_SYNTHETIC = 20
QUICK_TASKS = ["gardner"]
QUICK_SEEDS = 2
QUICK_TRIALS = 8
RESULTS_DIR = "benchmarks/results/raw"
QUICK_DIR = "benchmarks/results/raw/quick"
CACHE_PATH = "benchmarks/results/raw/evaluations.sqlite"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.peers")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run optimizers and write JSON records")
    run.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_SEEDS} seeds x {QUICK_TRIALS} trials on "
        f"{QUICK_TASKS} (CI smoke check)",
    )
    run.add_argument("--tasks", nargs="+", help="task names (default: all)")
    run.add_argument(
        "--optimizers", nargs="+", help="optimizer names (default: every available one)"
    )
    run.add_argument(
        "--seeds", type=int, help="seeds per task (default: 10 fairness, 20 synthetic)"
    )
    run.add_argument(
        "--trials", type=int, help=f"trials per run (default {FULL_TRIALS})"
    )
    run.add_argument("--jobs", type=int, default=1, help="runs in parallel processes")
    run.add_argument("--out", help=f"record folder (default {RESULTS_DIR})")
    run.add_argument(
        "--cache",
        default=CACHE_PATH,
        help="SQLite file of cached evaluations ('none' disables it)",
    )
    run.add_argument(
        "--reference",
        type=int,
        default=0,
        metavar="N",
        help="also evaluate N random configurations per fairness "
        "objective, for the best-achievable estimate",
    )

    report = commands.add_parser("report", help="write tables and plots")
    report.add_argument("--out", default=RESULTS_DIR, help="record folder")
    report.add_argument("--cache", default=CACHE_PATH)
    report.add_argument(
        "--figures",
        default="benchmarks/figures",
        help="folder of the peers_<task>.png plots",
    )
    report.add_argument(
        "--markdown",
        default="benchmarks/results/raw/peers_tables.md",
        help="file the tables are written to",
    )
    return parser  # fmt: skip


def _run(args: argparse.Namespace) -> int:
    from benchmarks.peers import optimizers, reference, runner, tasks

    names = args.tasks or (QUICK_TASKS if args.quick else list(tasks.all_tasks()))
    chosen = args.optimizers or list(optimizers.OPTIMIZERS)
    available = [name for name in chosen if optimizers.optimizer_available(name)]
    for name in sorted(set(chosen) - set(available)):
        logger.warning("optimizer %s skipped: its library is not installed", name)
    trials = args.trials or (QUICK_TRIALS if args.quick else FULL_TRIALS)
    seeds = {}
    for name in names:
        cheap = tasks.get_task(name).kind == "synthetic"
        default = FULL_SEEDS_SYNTHETIC if cheap else FULL_SEEDS_FAIRNESS
        seeds[name] = args.seeds or (QUICK_SEEDS if args.quick else default)
    out = args.out or (QUICK_DIR if args.quick else RESULTS_DIR)
    cache = None if args.cache == "none" else args.cache
    if args.reference:
        reference.sample_objectives(names, args.reference, cache)
    specs = runner.plan(names, available, seeds, trials, out, cache)
    failures = runner.run_all(specs, args.jobs)
    if failures:
        logger.error("%d of %d runs failed; see the log above", failures, len(specs))
        return 1
    return 0


def _report(args: argparse.Namespace) -> int:
    from benchmarks.peers import report

    report.write_report(args.out, args.cache, args.figures, args.markdown)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # fairbo.objective logs every constant predictor at INFO; thousands of
    # trials would bury the progress lines.
    logging.getLogger("fairbo").setLevel(logging.WARNING)
    args = _parser().parse_args(argv)
    if args.command == "run":
        return _run(args)
    return _report(args)


if __name__ == "__main__":
    sys.exit(main())
