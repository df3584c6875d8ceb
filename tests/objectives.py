"""Objectives for tuner tests, in a module of their own so that worker
processes started with ``spawn`` can import them by name."""

from __future__ import annotations

import math
import os
import signal
import time


def quadratic(config: dict) -> dict:
    """Minimum of ``loss`` at x = 0.3; feasible when ``cost`` = x <= 0.5."""
    x = config["x"]
    return {"loss": (x - 0.3) ** 2, "cost": x}


def slow_quadratic(config: dict) -> dict:
    time.sleep(float(os.environ.get("FAIRBO_TEST_SLEEP", "0.3")))
    return quadratic(config)


def raises_above_half(config: dict) -> dict:
    if config["x"] > 0.5:
        raise ValueError(f"x={config['x']} is too large")
    return quadratic(config)


def always_raises(config: dict) -> dict:
    raise RuntimeError("the data file is missing")


def nan_objective(config: dict) -> dict:
    return {"loss": math.nan, "cost": 0.0}


def nan_constraint(config: dict) -> dict:
    return {"loss": config["x"], "cost": math.nan}


def missing_cost(config: dict) -> dict:
    return {"loss": config["x"]}


def sleeps_forever(config: dict) -> dict:
    time.sleep(3600)
    return quadratic(config)


def ignores_alarm(config: dict) -> dict:
    """Hang with SIGALRM blocked, like a C extension that never returns to
    the interpreter, so that only killing the worker stops it."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(3600)
    return quadratic(config)


def hangs_on_large_x(config: dict) -> dict:
    if config["x"] > 0.5:
        return sleeps_forever(config)
    return quadratic(config)


class DeclaredMetrics:
    """An objective that declares the metrics it returns."""

    metric_names = ("loss", "cost")

    def __call__(self, config: dict) -> dict:
        return quadratic(config)


def interrupted_at_third_call():
    """An objective that acts as if Ctrl-C arrived during its third call."""
    calls = []

    def objective(config: dict) -> dict:
        calls.append(config)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return quadratic(config)

    return objective
