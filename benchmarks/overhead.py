"""Optimizer overhead: wall time of ``ConstrainedBayesOpt.suggest()``.

The searcher works on a 5-parameter mixed space (three floats, one of them
on a log scale, an int and a three-way categorical) with one objective and
two constraint metrics. For each history size (50 and 300 observations by
default) it is warm-started with that many random observations through
``observe``. Then several ``suggest()`` calls are timed, each followed by
``observe`` of the suggested configuration, as in a sequential study.

Each call is split with the searcher's ``last_timing`` attribute into GP
fitting (the three GPs plus fantasies of pending points) and acquisition
maximisation. The first call after the warm start fits every GP from
scratch, the later ones warm-start from the previous hyperparameters, so the
first call is reported apart as well.

Usage, from the repository root::

    .venv/bin/python -m benchmarks.overhead
    .venv/bin/python -m benchmarks.overhead --sizes 50,300 --repeats 10 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import math
import pstats
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.engine import machine_info  # noqa: E402

logger = logging.getLogger(__name__)

BENCHMARK_DIR = Path(__file__).resolve().parent
# Targets on a shared 2-core machine, in seconds.
TARGETS = {50: 0.150, 300: 1.5}


def overhead_space() -> dict[str, Any]:
    """Return the 5-parameter mixed search space of the measurement."""
    from fairbo import Categorical, Float, Int

    return {
        "learning_rate": Float(1e-4, 1e-1, log=True),
        "subsample": Float(0.3, 1.0),
        "l2": Float(0.0, 10.0),
        "depth": Int(1, 12),
        "booster": Categorical(["gbtree", "dart", "linear"]),
    }


def synthetic_metrics(config: Mapping[str, Any]) -> dict[str, float]:
    """Return smooth objective and constraint values for a configuration.

    The functions only need to be smooth and non-trivial, with about half of
    the space feasible, so that the GPs and the acquisition do real work.
    """
    lr = math.log10(config["learning_rate"]) / 3.0 + 4.0 / 3.0  # in [0, 1]
    sub, l2, depth = config["subsample"], config["l2"] / 10.0, config["depth"] / 12.0
    shift = {"gbtree": 0.0, "dart": 0.05, "linear": -0.1}[config["booster"]]
    score = (
        0.8
        - (lr - 0.6) ** 2
        - 0.5 * (depth - 0.4) ** 2
        + 0.1 * math.sin(6.0 * sub)
        - 0.05 * l2
        + shift
    )
    gap = 0.3 * depth + 0.2 * lr - 0.15 * l2 + 0.05 * math.cos(4.0 * sub) - 0.2
    cost = lr + sub - 1.4 + 0.1 * shift
    return {"score": score, "gap": gap, "cost": cost}


def _new_searcher(seed: int) -> Any:
    from fairbo.searchers import ConstrainedBayesOpt

    return ConstrainedBayesOpt(
        overhead_space(),
        metric="score",
        mode="max",
        constraints={"gap": 0.0, "cost": 0.0},
        seed=seed,
    )


def measure(n_observations: int, repeats: int, seed: int) -> dict[str, Any]:
    """Time ``repeats`` suggest/observe rounds after ``n_observations`` random
    observations.

    Returns
    -------
    dict
        Per-call lists ``total``, ``fit`` and ``acquisition`` in seconds and
        their medians, and the feasible share of the warm-start history.
    """
    searcher = _new_searcher(seed)
    rng = np.random.default_rng(seed + 1)
    history = searcher.space.sample(rng, n_observations)
    feasible = 0
    for config in history:
        metrics = synthetic_metrics(config)
        feasible += metrics["gap"] <= 0.0 and metrics["cost"] <= 0.0
        searcher.observe(config, metrics)

    totals, fits, acquisitions = [], [], []
    for _ in range(repeats):
        tic = time.perf_counter()
        config = searcher.suggest()
        totals.append(time.perf_counter() - tic)
        fits.append(searcher.last_timing.fit)
        acquisitions.append(searcher.last_timing.acquisition)
        searcher.observe(config, synthetic_metrics(config))
    later = slice(1, None) if repeats > 1 else slice(None)
    return {
        "observations": n_observations,
        "repeats": repeats,
        "feasible_share": feasible / max(n_observations, 1),
        "total": totals,
        "fit": fits,
        "acquisition": acquisitions,
        "median_total": float(np.median(totals)),
        "median_fit": float(np.median(fits)),
        "median_acquisition": float(np.median(acquisitions)),
        "first_total": totals[0],
        "median_total_after_first": float(np.median(totals[later])),
    }


def profile_suggest(n_observations: int, repeats: int, seed: int, top: int) -> str:
    """Return cProfile's cumulative-time listing of ``repeats`` suggest calls."""
    searcher = _new_searcher(seed)
    rng = np.random.default_rng(seed + 1)
    for config in searcher.space.sample(rng, n_observations):
        searcher.observe(config, synthetic_metrics(config))
    profiler = cProfile.Profile()
    for _ in range(repeats):
        profiler.enable()
        config = searcher.suggest()
        profiler.disable()
        searcher.observe(config, synthetic_metrics(config))
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(top)
    return buffer.getvalue()


def markdown_table(rows: Sequence[dict[str, Any]]) -> str:
    """Return the measurements as a markdown table with the targets."""
    lines = [
        "| Observations | suggest() median | first call | GP fit median "
        "| acquisition median | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        n = row["observations"]
        target = TARGETS.get(n)
        met = (
            "n/a"
            if target is None
            else ("yes" if row["median_total"] < target else "no")
        )
        lines.append(
            f"| {n} | {1000 * row['median_total']:.0f} ms "
            f"| {1000 * row['first_total']:.0f} ms "
            f"| {1000 * row['median_fit']:.0f} ms "
            f"| {1000 * row['median_acquisition']:.0f} ms "
            f"| {'n/a' if target is None else f'{1000 * target:.0f} ms'} | {met} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure the overhead from the command line and write the results."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.overhead",
        description="Time ConstrainedBayesOpt.suggest() at given history sizes.",
    )
    parser.add_argument(
        "--sizes", default="50,300", help="comma-separated observation counts"
    )
    parser.add_argument(
        "--repeats", type=int, default=10, help="timed suggest() calls per size"
    )
    parser.add_argument("--seed", type=int, default=0, help="searcher seed")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also write a cProfile listing of the largest size",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=BENCHMARK_DIR / "results" / "overhead",
        help="directory for overhead.json, overhead.md and profile.txt",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.repeats < 1 or any(n < 1 for n in sizes):
        parser.error("--repeats and every size must be >= 1")

    meta = {"machine_start": machine_info(), "command": " ".join(sys.argv)}
    rows = []
    for n in sizes:
        logger.info("measuring %d observations, %d calls", n, args.repeats)
        rows.append(measure(n, args.repeats, args.seed))
    meta["load_average_end"] = machine_info()["load_average"]

    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "overhead.json", "w", encoding="utf-8") as handle:
        json.dump({"meta": meta, "rows": rows}, handle, indent=1)
    table = markdown_table(rows)
    (args.out / "overhead.md").write_text(table + "\n", encoding="utf-8")
    print(table)
    if args.profile:
        listing = profile_suggest(max(sizes), min(args.repeats, 3), args.seed, top=30)
        (args.out / "profile.txt").write_text(listing, encoding="utf-8")
        print(listing)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
