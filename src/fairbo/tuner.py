"""``fairbo.tune``: run a constrained tuning study on an executor.

Scheduling is asynchronous: each time a worker becomes free it receives the
next suggestion, and the searcher sees every running trial as pending. The
loop has three named phases (collect finished trials, schedule new ones,
decide whether to stop), and every finished trial is committed to storage
before it is reported to the searcher, the log or a callback.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fairbo.constraints import Constraint, normalize_constraints
from fairbo.exceptions import (
    InvalidArgumentError,
    SearchSpaceExhausted,
    TooManyFailuresError,
)
from fairbo.executors import (
    InProcessExecutor,
    TrialOutcome,
    evaluate,
    make_process_pool,
    terminate_process_pool,
)
from fairbo.result import TuneResult
from fairbo.searchers import Searcher, make_searcher, searcher_name
from fairbo.space import SearchSpace
from fairbo.storage import SQLiteStorage
from fairbo.study import StudyDefinition
from fairbo.trial import Trial, TrialStatus, metric_value

__all__ = ["tune", "TuneResult"]

logger = logging.getLogger(__name__)

Callback = Callable[[Trial, TuneResult], None]

# Seconds a process-pool worker may overrun timeout_per_trial before it is
# killed from outside; the in-worker alarm normally fires first.
_KILL_GRACE_SECONDS = 5.0
_POLL_SECONDS = 0.5


def tune(
    objective: Callable[[dict], Mapping[str, float]],
    space: Mapping[str, Any] | SearchSpace,
    *,
    metric: str,
    mode: str = "max",
    constraints: Mapping[str, float] | Sequence[Constraint] | None = None,
    searcher: str | Searcher = "cbo",
    n_trials: int | None = None,
    timeout: float | None = None,
    n_workers: int = 1,
    executor: Executor | None = None,
    seed: int | None = None,
    storage: str | Path | SQLiteStorage | None = None,
    study_name: str | None = None,
    timeout_per_trial: float | None = None,
    max_consecutive_failures: int = 10,
    callbacks: Sequence[Callback] = (),
) -> TuneResult:
    """Tune ``objective`` over ``space``: best ``metric`` under constraints.

    Parameters
    ----------
    objective : callable
        ``objective(config) -> dict`` of metric name to float. Must be
        picklable when trials run in other processes.
    space : dict or SearchSpace
        Parameter name to domain (:class:`fairbo.Float`, :class:`fairbo.Int`,
        :class:`fairbo.Categorical`) or constant.
    metric : str
        Key of the objective's result to optimise.
    mode : {"max", "min"}
        Whether ``metric`` is maximised or minimised.
    constraints : dict or list of Constraint, optional
        ``{"dsp": 0.01}`` means feasible when ``dsp <= 0.01``;
        :class:`fairbo.Constraint` also takes lower bounds. A missing, NaN or
        infinite constraint value makes the trial infeasible.
    searcher : {"cbo", "bo", "random"} or Searcher
        Constrained BO, plain BO (ignores constraints) or random search.
    n_trials : int, optional
        Total trials of the study, those of earlier sessions included.
    timeout : float, optional
        Seconds after which no new trial starts; running ones finish.
    n_workers : int
        Trials run at once. 1 runs them in this process, more in a local
        process pool, unless ``executor`` is given.
    executor : concurrent.futures.Executor, optional
        Where trials run, for example ``distributed.Client(...)
        .get_executor()``. It is not shut down by ``tune``.
    seed : int, optional
        Seed of the searcher.
    storage : str, Path or SQLiteStorage, optional
        SQLite file (or ``"sqlite:///file.db"``). An existing study of the
        same name is resumed: finished trials are fed to the searcher and
        trials left running by a dead process run again.
    study_name : str, optional
        Name of the study in ``storage``; a random name when omitted.
    timeout_per_trial : float, optional
        Seconds after which a trial is stopped and marked failed.
    max_consecutive_failures : int
        Failed trials in a row after which the study stops with
        :class:`~fairbo.exceptions.TooManyFailuresError`.
    callbacks : sequence of callable
        Called as ``callback(trial, result)`` after each trial is stored.

    Returns
    -------
    TuneResult

    Raises
    ------
    InvalidArgumentError
        For a bad argument, before any trial runs.
    StudyMismatchError
        When ``study_name`` exists in ``storage`` with another definition.
    TooManyFailuresError
        After ``max_consecutive_failures`` failed trials in a row.
    KeyboardInterrupt
        On Ctrl-C, after stopping the workers. Trials that were running stay
        ``running`` in storage and run again when the study is resumed.

    Examples
    --------
    >>> import fairbo
    >>> def objective(config):
    ...     return {"loss": (config["x"] - 0.3) ** 2, "cost": config["x"]}
    >>> result = fairbo.tune(objective, {"x": fairbo.Float(0.0, 1.0)},
    ...                      metric="loss", mode="min",
    ...                      constraints={"cost": 0.5}, n_trials=12, seed=0)
    >>> result.best_trial.feasible
    True
    """
    search_space = space if isinstance(space, SearchSpace) else SearchSpace(space)
    constraint_list = normalize_constraints(constraints)
    _check_budget(n_trials, timeout, n_workers, max_consecutive_failures)
    _check_timeout_per_trial(timeout_per_trial)
    _check_objective_metrics(objective, metric, constraint_list)
    search = make_searcher(
        searcher,
        search_space,
        metric=metric,
        mode=mode,
        constraints=constraint_list,
        seed=seed,
    )
    definition = StudyDefinition(
        name=study_name or f"study-{uuid.uuid4().hex[:8]}",
        space=search_space,
        metric=metric,
        mode=search.mode.value,
        constraints=constraint_list,
        searcher=searcher_name(search),
        seed=seed,
        objective_fingerprint=getattr(objective, "fingerprint", None),
    )
    owns_storage = not isinstance(storage, SQLiteStorage)
    database = _open_storage(storage)
    try:
        runner = _StudyRunner(
            objective=objective,
            definition=definition,
            searcher=search,
            storage=database,
            budget=_Budget(n_trials=n_trials, timeout=timeout),
            n_workers=n_workers,
            executor=executor,
            timeout_per_trial=timeout_per_trial,
            max_consecutive_failures=max_consecutive_failures,
            callbacks=list(callbacks),
        )
        return runner.run()
    finally:
        if owns_storage:
            database.close()


@dataclass
class _Budget:
    n_trials: int | None
    timeout: float | None


@dataclass
class _Running:
    trial: Trial
    future: Future
    submitted: float
    executor: Executor


class _StudyRunner:
    """The scheduling loop of one study session."""

    def __init__(
        self,
        *,
        objective: Callable[[dict], Mapping[str, float]],
        definition: StudyDefinition,
        searcher: Searcher,
        storage: SQLiteStorage,
        budget: _Budget,
        n_workers: int,
        executor: Executor | None,
        timeout_per_trial: float | None,
        max_consecutive_failures: int,
        callbacks: list[Callback],
    ) -> None:
        self.objective = objective
        self.definition = definition
        self.searcher = searcher
        self.storage = storage
        self.budget = budget
        self.n_workers = n_workers
        self.timeout_per_trial = timeout_per_trial
        self.max_consecutive_failures = max_consecutive_failures
        self.callbacks = callbacks
        self.user_executor = executor
        self.executor: Executor | None = None
        self.trials: dict[int, Trial] = {}
        self.requeued: list[Trial] = []
        self.running: dict[Future, _Running] = {}
        self.submitting: Trial | None = None
        self.created_study = False
        self.consecutive_failures = 0
        self.exhausted = False
        self.started = time.monotonic()

    # Phases

    def run(self) -> TuneResult:
        self._load_study()
        self.executor = self._make_executor()
        try:
            while True:
                self._schedule()
                if not self.running:
                    break
                self._collect(self._wait())
                self._stop_hung_trials()
        except KeyboardInterrupt:
            self._interrupt()
            raise
        except InvalidArgumentError:
            self._forget_new_study()
            raise
        finally:
            self._shutdown_executor()
        return self._result()

    def _forget_new_study(self) -> None:
        """Delete a study created by this call that stopped on a configuration
        error, so that the corrected call can reuse its name."""
        if not self.created_study:
            return
        if any(t.status is TrialStatus.COMPLETED for t in self.trials.values()):
            return
        self.storage.delete_study(self.definition.name)
        logger.warning(
            "study %s was not kept in %s because of the error below",
            self.definition.name,
            self.storage.path,
        )

    def _load_study(self) -> None:
        """Create the study, or feed a stored one back to the searcher."""
        name = self.definition.name
        if not self.storage.get_or_create_study(self.definition):
            self.created_study = True
            logger.info("study %s created in %s", name, self.storage.path)
            return
        for trial in self.storage.load_trials(name):
            self.trials[trial.number] = trial
            if trial.status is TrialStatus.RUNNING:
                self.searcher.mark_pending(trial.config)
                self.requeued.append(trial)
            else:
                self.searcher.observe(trial.config, self._searcher_metrics(trial))
        logger.info(
            "study %s resumed from %s: %d finished trials, %d to run again",
            name,
            self.storage.path,
            len(self.trials) - len(self.requeued),
            len(self.requeued),
        )

    def _schedule(self) -> None:
        """Give every free worker a trial while the budget allows."""
        while len(self.running) < self.n_workers and self._may_start_trial():
            if self.requeued:
                trial = self.requeued.pop(0)
                self.storage.restart_trial(self.definition.name, trial)
                logger.info("trial %d restarted: %s", trial.number, trial.config)
            else:
                trial = self._new_trial()
                if trial is None:
                    return
            self._submit(trial)

    def _collect(self, done: set[Future]) -> None:
        """Store, report and count every finished trial."""
        for future in done:
            running = self.running.pop(future)
            try:
                outcome = future.result()
            except BrokenProcessPool:
                self._fail_after_worker_death(running)
                continue
            except Exception as err:  # noqa: BLE001 - executor errors are data
                outcome = _executor_failure(err)
            self._finish(running.trial, outcome)

    def _may_start_trial(self) -> bool:
        if self.exhausted:
            return False
        if self.budget.timeout is not None:
            if time.monotonic() - self.started >= self.budget.timeout:
                return False
        if self.budget.n_trials is None:
            return True
        started = len(self.trials) - len(self.requeued)
        return started < self.budget.n_trials or bool(self.requeued)

    # Trials

    def _new_trial(self) -> Trial | None:
        try:
            config = self.searcher.suggest()
        except SearchSpaceExhausted:
            logger.info("every configuration of the finite space has been tried")
            self.exhausted = True
            return None
        trial = self.storage.create_trial(self.definition.name, config)
        self.trials[trial.number] = trial
        logger.info("trial %d started: %s", trial.number, config)
        return trial

    def _submit(self, trial: Trial) -> None:
        assert self.executor is not None
        # The in-process executor runs the trial inside submit(), so Ctrl-C
        # can arrive before the future exists; _interrupt reads this field.
        self.submitting = trial
        future = self.executor.submit(
            evaluate, self.objective, trial.config, self.timeout_per_trial
        )
        self.submitting = None
        self.running[future] = _Running(trial, future, time.monotonic(), self.executor)

    def _finish(self, trial: Trial, outcome: TrialOutcome) -> None:
        self._apply_outcome(trial, outcome)
        self.storage.finish_trial(self.definition.name, trial)
        self.searcher.observe(trial.config, self._searcher_metrics(trial))
        result = self._result()
        self._log_trial(trial, result.best_trial)
        for callback in self.callbacks:
            callback(trial, result)
        self._count_failure(trial)

    def _apply_outcome(self, trial: Trial, outcome: TrialOutcome) -> None:
        trial.finished_at = datetime.now(timezone.utc)
        trial.worker = outcome.worker
        if outcome.metrics is None:
            trial.status = TrialStatus.FAILED
            trial.error = outcome.error
            trial.traceback = outcome.traceback
            return
        trial.metrics = _clean_metrics(outcome.metrics)
        self._check_first_result(trial.metrics)
        value = metric_value(trial.metrics, self.definition.metric)
        if not math.isfinite(value):
            trial.status = TrialStatus.FAILED
            trial.error = (
                f"objective metric {self.definition.metric!r} is "
                f"{trial.metrics.get(self.definition.metric, 'missing')}; "
                "the objective must return a finite number for it"
            )
            return
        trial.status = TrialStatus.COMPLETED
        trial.feasible = all(
            constraint.is_satisfied(metric_value(trial.metrics, constraint.metric))
            for constraint in self.definition.constraints
        )

    def _check_first_result(self, metrics: dict[str, float]) -> None:
        """Stop early when the objective never returns a named metric: that
        is a configuration error, not the failure of one trial."""
        if any(t.status is TrialStatus.COMPLETED for t in self.trials.values()):
            return
        names = [self.definition.metric] + [
            c.metric for c in self.definition.constraints
        ]
        missing = [name for name in names if name not in metrics]
        if missing:
            raise InvalidArgumentError(
                f"the objective returned {sorted(metrics)} but not {missing}, "
                "which the metric or constraints name; return them from the "
                "objective or change metric/constraints."
            )

    def _searcher_metrics(self, trial: Trial) -> dict[str, float] | None:
        if trial.status is not TrialStatus.COMPLETED:
            return None
        return trial.metrics

    def _count_failure(self, trial: Trial) -> None:
        if trial.status is not TrialStatus.FAILED:
            self.consecutive_failures = 0
            return
        self.consecutive_failures += 1
        if self.consecutive_failures >= self.max_consecutive_failures:
            raise TooManyFailuresError(
                f"{self.consecutive_failures} trials failed in a row, so study "
                f"{self.definition.name!r} stopped (max_consecutive_failures="
                f"{self.max_consecutive_failures}). Fix the objective and "
                f"resume the study. Last error:\n{trial.traceback or trial.error}"
            )

    def _log_trial(self, trial: Trial, best: Trial | None) -> None:
        best_text = (
            "none"
            if best is None
            else f"{best.metrics[self.definition.metric]:.6g} (trial {best.number})"
        )
        if trial.status is TrialStatus.FAILED:
            logger.warning(
                "trial %d failed (best feasible so far %s): %s",
                trial.number,
                best_text,
                trial.error,
            )
            return
        metrics = " ".join(f"{k}={v:.6g}" for k, v in trial.metrics.items())
        logger.info(
            "trial %d completed: %s feasible=%s; best feasible so far %s",
            trial.number,
            metrics,
            trial.feasible,
            best_text,
        )

    # Executors, timeouts and interruption

    def _make_executor(self) -> Executor:
        if self.user_executor is not None:
            return self.user_executor
        if self.n_workers == 1 and self.timeout_per_trial is None:
            return InProcessExecutor()
        return make_process_pool(self.n_workers)

    def _owns_pool(self) -> bool:
        return self.user_executor is None and not isinstance(
            self.executor, InProcessExecutor
        )

    def _wait(self) -> set[Future]:
        done, _ = wait(
            list(self.running), timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED
        )
        return done

    def _stop_hung_trials(self) -> None:
        """Fail trials that overran ``timeout_per_trial`` and the grace time,
        killing the local pool's workers (the others are run again)."""
        if self.timeout_per_trial is None:
            return
        limit = self.timeout_per_trial + _KILL_GRACE_SECONDS
        now = time.monotonic()
        hung = [r for r in self.running.values() if now - r.submitted > limit]
        if not hung:
            return
        for running in hung:
            del self.running[running.future]
            running.future.cancel()
            outcome = _executor_failure(
                TimeoutError(
                    f"trial timed out after {self.timeout_per_trial:g} s and "
                    "its worker did not respond, so it was stopped"
                )
            )
            self._finish(running.trial, outcome)
        if self._owns_pool():
            assert self.executor is not None
            terminate_process_pool(self.executor)  # type: ignore[arg-type]
            for running in self.running.values():
                self.requeued.append(running.trial)
            self.running.clear()
            self.executor = make_process_pool(self.n_workers)

    def _fail_after_worker_death(self, running: _Running) -> None:
        """Fail a trial whose worker process died (killed, out of memory)
        and start a fresh pool. Every trial of the broken pool fails, because
        the one that killed it is unknown."""
        outcome = _executor_failure(
            RuntimeError("the worker process running this trial died")
        )
        self._finish(running.trial, outcome)
        if self._owns_pool() and running.executor is self.executor:
            terminate_process_pool(self.executor)  # type: ignore[arg-type]
            self.executor = make_process_pool(self.n_workers)

    def _interrupt(self) -> None:
        stopped = [entry.trial for entry in self.running.values()]
        if self.submitting is not None:
            stopped.append(self.submitting)
            self.searcher.discard_pending(self.submitting.config)
        running = sorted(trial.number for trial in stopped)
        for entry in self.running.values():
            entry.future.cancel()
            self.searcher.discard_pending(entry.trial.config)
        self.running.clear()
        logger.warning(
            "interrupted: trials %s were stopped and stay 'running' in %s; "
            "run the same study again (same storage and study_name) to resume",
            running,
            self.storage.path,
        )

    def _shutdown_executor(self) -> None:
        if not self._owns_pool() or self.executor is None:
            return
        if self.running:
            terminate_process_pool(self.executor)  # type: ignore[arg-type]
        else:
            self.executor.shutdown(wait=True, cancel_futures=True)

    def _result(self) -> TuneResult:
        return TuneResult(self.definition, list(self.trials.values()))


def _executor_failure(err: BaseException) -> TrialOutcome:
    return TrialOutcome(
        metrics=None,
        error=f"{type(err).__name__}: {err}",
        traceback=None,
        worker="unknown",
        seconds=math.nan,
    )


def _clean_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    """Convert every metric to a float; a value that is not a number becomes
    NaN, which fails the trial (objective) or makes it infeasible
    (constraint)."""
    return {str(name): metric_value(metrics, name) for name in metrics}


def _open_storage(storage: str | Path | SQLiteStorage | None) -> SQLiteStorage:
    if isinstance(storage, SQLiteStorage):
        return storage
    return SQLiteStorage(":memory:" if storage is None else storage)


def _check_budget(
    n_trials: int | None,
    timeout: float | None,
    n_workers: int,
    max_consecutive_failures: int,
) -> None:
    if n_trials is None and timeout is None:
        raise InvalidArgumentError(
            "tune needs a budget: pass n_trials (a number of trials) and/or "
            "timeout (seconds)."
        )
    if n_trials is not None and (
        not isinstance(n_trials, int) or isinstance(n_trials, bool) or n_trials < 0
    ):
        raise InvalidArgumentError(
            f"n_trials must be a non-negative integer, got {n_trials!r}."
        )
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise InvalidArgumentError(
            f"timeout must be a positive number of seconds, got {timeout!r}."
        )
    for name, value in (
        ("n_workers", n_workers),
        ("max_consecutive_failures", max_consecutive_failures),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InvalidArgumentError(
                f"{name} must be a positive integer, got {value!r}."
            )


def _check_timeout_per_trial(timeout_per_trial: float | None) -> None:
    if timeout_per_trial is None:
        return
    if not isinstance(timeout_per_trial, (int, float)) or timeout_per_trial <= 0:
        raise InvalidArgumentError(
            "timeout_per_trial must be a positive number of seconds, got "
            f"{timeout_per_trial!r}."
        )


def _check_objective_metrics(
    objective: Callable, metric: str, constraints: list[Constraint]
) -> None:
    """Check the metric names against the objective's ``metric_names``
    attribute, when it declares one (as FairnessObjective does)."""
    if not isinstance(metric, str) or not metric:
        raise InvalidArgumentError(
            f"metric must be the name of a value the objective returns, got {metric!r}."
        )
    declared = getattr(objective, "metric_names", None)
    if declared is None:
        return
    available = list(declared)
    for name, role in [(metric, "metric")] + [
        (c.metric, "constraint") for c in constraints
    ]:
        if name not in available:
            raise InvalidArgumentError(
                f"{role} {name!r} is not returned by the objective, which "
                f"returns {available}; pick one of those or add it to the "
                "objective's metrics."
            )
