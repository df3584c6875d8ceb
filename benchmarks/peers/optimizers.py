"""Ask/tell adapters that give every optimizer one interface.

Each adapter has ``suggest() -> (config, seconds)`` and
``observe(config, metrics) -> seconds``, where ``seconds`` is the wall time
spent inside the optimizer library for that call. The runner adds the two to
get the optimizer overhead of a trial; the objective's time is not in it.

Every optimizer runs with its library's default settings; only the budget
(the runner stops after ``n_trials``) and the seed are set here.
"""

from __future__ import annotations

import json
import logging
import math
import subprocess
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchmarks.peers.tasks import Task

logger = logging.getLogger(__name__)

#: Interpreter of the Syne Tune virtualenv (a separate one, because Syne Tune
#: 0.14.2 pins numpy < 1.27 and the main environment has numpy 2).
SYNETUNE_PYTHON = Path(__file__).resolve().parents[1] / ".venv-synetune/bin/python"


def space_parameters(task: Task) -> list[dict[str, Any]]:
    """Return the task's space as fairbo's JSON parameter list."""
    from fairbo.space import SearchSpace

    return SearchSpace(task.space).to_json()["parameters"]


class FairboAdapter:
    """fairbo's RandomSearch, BayesOpt or ConstrainedBayesOpt.

    BayesOpt gets no constraints, so it models the objective alone, like
    Optuna's GPSampler without constraints.
    """

    def __init__(self, task: Task, seed: int, searcher: str) -> None:
        from fairbo import searchers

        constraints = None if searcher == "bo" else task.constraints
        self.searcher = searchers.make_searcher(
            searcher, task.space, task.metric, task.mode, constraints, seed
        )

    def suggest(self) -> tuple[dict[str, Any], float]:
        start = time.perf_counter()
        config = self.searcher.suggest()
        return config, time.perf_counter() - start

    def observe(self, config: dict[str, Any], metrics: dict[str, float]) -> float:
        start = time.perf_counter()
        self.searcher.observe(config, metrics)
        return time.perf_counter() - start

    def close(self) -> None:
        """Release nothing: the searcher lives in this process."""


def _constraint_excess(task: Task, metrics: Mapping[str, float]) -> dict[str, float]:
    """Return ``value - bound`` per constraint (feasible when every one <= 0).

    A missing or non-finite value becomes 1.0, a violation, because Optuna
    rejects NaN constraint values.
    """
    excess = {}
    for name, upper in task.constraints.items():
        value = metrics.get(name)
        finite = value is not None and math.isfinite(value)
        excess[name] = float(value) - upper if finite else 1.0
    return excess


class OptunaAdapter:
    """Optuna's TPESampler or GPSampler, driven by ``Study.ask``/``tell``.

    Constraints are passed with ``Trial.set_constraint`` (Optuna 5 deprecated
    the samplers' ``constraints_func`` in its favour); a trial is feasible
    when every value is <= 0, so each constraint is sent as ``value - bound``.
    """

    def __init__(self, task: Task, seed: int, sampler: str, constrained: bool) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Optuna's experimental-feature notices
            if sampler == "tpe":
                instance = optuna.samplers.TPESampler(seed=seed)
            else:
                instance = optuna.samplers.GPSampler(seed=seed)
        direction = "maximize" if task.mode == "max" else "minimize"
        self.study = optuna.create_study(direction=direction, sampler=instance)
        self.task = task
        self.constrained = constrained
        self.parameters = space_parameters(task)
        self._pending: list[tuple[dict[str, Any], Any]] = []

    def _sample(self, trial: Any) -> dict[str, Any]:
        config = {}
        for p in self.parameters:
            name, kind = p["name"], p["type"]
            if kind == "float":
                config[name] = trial.suggest_float(
                    name, p["low"], p["high"], log=p["log"]
                )
            elif kind == "int":
                config[name] = trial.suggest_int(
                    name, p["low"], p["high"], log=p["log"]
                )
            elif kind == "categorical":
                config[name] = trial.suggest_categorical(name, p["choices"])
            else:
                config[name] = p["value"]
        return config

    def suggest(self) -> tuple[dict[str, Any], float]:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trial = self.study.ask()
            config = self._sample(trial)
        seconds = time.perf_counter() - start
        self._pending.append((config, trial))
        return config, seconds

    def observe(self, config: dict[str, Any], metrics: dict[str, float]) -> float:
        index = next(i for i, (c, _) in enumerate(self._pending) if c == config)
        trial = self._pending.pop(index)[1]
        value = metrics.get(self.task.metric)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if value is None or not math.isfinite(value):
                self.study.tell(trial, state=_optuna_fail())
            else:
                if self.constrained:
                    for name, excess in _constraint_excess(self.task, metrics).items():
                        trial.set_constraint(name, excess)
                self.study.tell(trial, float(value))
        return time.perf_counter() - start

    def close(self) -> None:
        """Release nothing: the study is in memory."""


def _optuna_fail() -> Any:
    import optuna

    return optuna.trial.TrialState.FAIL


class SyneTuneAdapter:
    """Syne Tune's constrained BO, run in its own virtualenv's interpreter.

    The adapter talks to ``benchmarks.peers.synetune_server`` over pipes
    (one JSON object per line). The server times the Syne Tune calls itself,
    so the reported overhead excludes the pipe round trip.
    """

    def __init__(self, task: Task, seed: int) -> None:
        if not SYNETUNE_PYTHON.exists():
            raise RuntimeError(
                f"Syne Tune interpreter {SYNETUNE_PYTHON} not found; create it with "
                "`python -m venv benchmarks/.venv-synetune && "
                "benchmarks/.venv-synetune/bin/pip install -r "
                "benchmarks/requirements-synetune.txt`."
            )
        root = Path(__file__).resolve().parents[2]
        self.process = subprocess.Popen(
            [str(SYNETUNE_PYTHON), "-m", "benchmarks.peers.synetune_server"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.task = task
        self._request(
            {
                "command": "start",
                "parameters": space_parameters(task),
                "metric": task.metric,
                "mode": task.mode,
                "seed": seed,
            }
        )

    def _request(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(
                f"Syne Tune server exited (code {self.process.poll()}) after "
                f"request {message['command']!r}; see its stderr above."
            )
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"Syne Tune server failed: {reply['error']}")
        return reply

    def suggest(self) -> tuple[dict[str, Any], float]:
        reply = self._request({"command": "suggest"})
        return reply["config"], reply["seconds"]

    def observe(self, config: dict[str, Any], metrics: dict[str, float]) -> float:
        # Syne Tune models one constraint, so several are folded into their
        # maximum excess, which is <= 0 exactly when every one is met.
        excess = max(_constraint_excess(self.task, metrics).values())
        value = metrics.get(self.task.metric)
        value = float(value) if value is not None and math.isfinite(value) else None
        reply = self._request(
            {"command": "observe", "config": config, "value": value, "excess": excess}
        )
        return reply["seconds"]

    def close(self) -> None:
        """Stop the server process."""
        if self.process.poll() is None:
            try:
                self._request({"command": "close"})
            except (RuntimeError, BrokenPipeError):
                pass
            self.process.wait(timeout=30)


#: Optimizer name -> factory of its adapter for (task, seed).
OPTIMIZERS: dict[str, Any] = {
    "fairbo-random": lambda task, seed: FairboAdapter(task, seed, "random"),
    "fairbo-bo": lambda task, seed: FairboAdapter(task, seed, "bo"),
    "fairbo-cbo": lambda task, seed: FairboAdapter(task, seed, "cbo"),
    "optuna-tpe-constrained": lambda task, seed: OptunaAdapter(task, seed, "tpe", True),
    "optuna-gp-constrained": lambda task, seed: OptunaAdapter(task, seed, "gp", True),
    "optuna-gp": lambda task, seed: OptunaAdapter(task, seed, "gp", False),
    "synetune-cbo": lambda task, seed: SyneTuneAdapter(task, seed),
}


def optimizer_available(name: str) -> bool:
    """Return whether the optimizer's library can run here."""
    if name.startswith("optuna"):
        try:
            import optuna  # noqa: F401
        except ImportError:
            return False
        if "-gp" in name:
            try:
                import torch  # noqa: F401
            except ImportError:
                return False
        return True
    if name.startswith("synetune"):
        return SYNETUNE_PYTHON.exists()
    return True


def make_adapter(name: str, task: Task, seed: int) -> Any:
    """Build the named optimizer's adapter for one run."""
    if name not in OPTIMIZERS:
        raise KeyError(
            f"unknown optimizer {name!r}; valid names are {list(OPTIMIZERS)}"
        )
    return OPTIMIZERS[name](task, seed)
