"""Time fairbo.metrics.bootstrap_interval on synthetic data.

Run: ``.venv/bin/python benchmarks/bench_metrics_bootstrap.py [--rows N]
[--resamples B] [--repeats R]``. Prints the best of R wall-clock times (in
seconds) per metric and setting, after one warm-up call.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from fairbo import metrics

SETTINGS = {
    "stratified": {},
    "stratified+weights": {"weighted": True},
    "plain": {"stratify_by_group": False},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000, help="rows of data")
    parser.add_argument("--resamples", type=int, default=1000, help="resamples")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    groups = rng.choice(["a", "b", "c"], args.rows, p=[0.6, 0.3, 0.1])
    y_true = rng.integers(0, 2, args.rows)
    y_pred = np.where(rng.random(args.rows) < 0.8, y_true, 1 - y_true)
    weights = rng.uniform(0.5, 2.0, args.rows)
    print(f"{args.rows} rows, {args.resamples} resamples, best of {args.repeats}")
    for name in ("dsp", "eod", "di", "accuracy"):
        for label, setting in SETTINGS.items():
            options = dict(setting)
            weighted = options.pop("weighted", False)

            def run(options=options, weighted=weighted, name=name):
                metrics.bootstrap_interval(
                    name,
                    y_true,
                    y_pred,
                    sensitive_features=groups,
                    sample_weight=weights if weighted else None,
                    n_resamples=args.resamples,
                    seed=0,
                    **options,
                )

            run()
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                run()
                times.append(time.perf_counter() - start)
            print(f"{name:9s} {label:19s} {min(times):.3f} s")


if __name__ == "__main__":
    main()
