"""Serve Syne Tune's constrained BO to the benchmark runner over pipes.

This module runs in the Syne Tune virtualenv (``benchmarks/.venv-synetune``)
and imports nothing from fairbo or the rest of the harness: that environment
has numpy 1.26 because Syne Tune 0.14.2 pins numpy < 1.27. It reads one JSON
request per line on stdin and writes one JSON reply per line on stdout:

* ``{"command": "start", "parameters": [...], "metric", "mode", "seed"}``
  builds ``ConstrainedBayesianOptimization`` with its default settings;
* ``{"command": "suggest"}`` -> ``{"config": {...}, "seconds": t}``;
* ``{"command": "observe", "config", "value", "excess"}`` reports a finished
  trial (``value`` None marks a failed one) -> ``{"seconds": t}``;
* ``{"command": "close"}`` ends the process.

``seconds`` is the wall time spent in Syne Tune calls only. The loop mirrors
what Syne Tune's own ``Tuner`` does for a trial that reports once:
``suggest``, ``on_trial_add``, then ``on_trial_result`` and
``on_trial_complete`` with the final result.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from datetime import datetime
from typing import Any

logger = logging.getLogger(__name__)

#: Result key of the constraint; Syne Tune counts a trial feasible when <= 0.
CONSTRAINT_KEY = "constraint_excess"


def _config_space(parameters: list[dict[str, Any]]) -> dict[str, Any]:
    from syne_tune.config_space import choice, lograndint, loguniform, randint, uniform

    space: dict[str, Any] = {}
    for p in parameters:
        kind = p["type"]
        if kind == "float":
            maker = loguniform if p["log"] else uniform
            space[p["name"]] = maker(p["low"], p["high"])
        elif kind == "int":
            maker = lograndint if p["log"] else randint
            space[p["name"]] = maker(p["low"], p["high"])
        elif kind == "categorical":
            space[p["name"]] = choice(p["choices"])
        else:
            space[p["name"]] = p["value"]
    return space


class Server:
    """One Syne Tune scheduler and the trials it has handed out."""

    def __init__(self, request: dict[str, Any]) -> None:
        from syne_tune.optimizer.legacy_baselines import (
            ConstrainedBayesianOptimization,
        )

        self.metric = request["metric"]
        self.scheduler = ConstrainedBayesianOptimization(
            config_space=_config_space(request["parameters"]),
            metric=self.metric,
            constraint_attr=CONSTRAINT_KEY,
            mode=request["mode"],
            random_seed=request["seed"],
        )
        self.trials: dict[str, Any] = {}
        self.next_id = 0

    def suggest(self) -> dict[str, Any]:
        from syne_tune.backend.trial_status import Trial

        start = time.perf_counter()
        suggestion = self.scheduler.suggest(self.next_id)
        config = dict(suggestion.config)
        trial = Trial(
            trial_id=self.next_id, config=config, creation_time=datetime.now()
        )
        self.scheduler.on_trial_add(trial)
        seconds = time.perf_counter() - start
        self.trials[json.dumps(config, sort_keys=True)] = trial
        self.next_id += 1
        return {"config": config, "seconds": seconds}

    def observe(self, request: dict[str, Any]) -> dict[str, Any]:
        trial = self.trials.pop(json.dumps(request["config"], sort_keys=True))
        start = time.perf_counter()
        if request["value"] is None:
            self.scheduler.on_trial_error(trial)
        else:
            result = {self.metric: request["value"], CONSTRAINT_KEY: request["excess"]}
            self.scheduler.on_trial_result(trial, result)
            self.scheduler.on_trial_complete(trial, result)
        return {"seconds": time.perf_counter() - start}


def main() -> int:
    """Answer requests until ``close`` or end of input."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    server: Server | None = None
    for line in sys.stdin:
        request = json.loads(line)
        command = request["command"]
        try:
            if command == "start":
                server = Server(request)
                reply: dict[str, Any] = {"ok": True}
            elif command == "suggest":
                reply = server.suggest()
            elif command == "observe":
                reply = server.observe(request)
            elif command == "close":
                print(json.dumps({"ok": True}), flush=True)
                return 0
            else:
                reply = {"error": f"unknown command {command!r}"}
        except Exception as error:  # reported to the runner, which raises it
            traceback.print_exc(file=sys.stderr)
            reply = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(reply), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
