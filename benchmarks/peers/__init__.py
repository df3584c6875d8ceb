"""Benchmark of fairbo's searchers against Optuna and Syne Tune.

The harness runs every optimizer on the same constrained problems with the
same budget and seeds, stores one JSON record per (problem, optimizer, seed)
run, and turns the records into tables and plots. Run it from the repository
root as ``python -m benchmarks.peers --help``.
"""
