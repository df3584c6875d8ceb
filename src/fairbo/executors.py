"""Where trials run: in this process, in a local process pool, or on any
``concurrent.futures.Executor`` the caller passes (a Dask
``Client.get_executor()`` for a cluster).

:func:`evaluate` is the function every executor runs. An ``Exception`` of
the objective comes back as a failed :class:`TrialOutcome`, so an exception
that cannot be pickled cannot break the pool. ``KeyboardInterrupt`` and
other ``BaseException`` subclasses propagate.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any


class TrialTimeoutError(Exception):
    """Raised inside a worker when a trial exceeds its time limit."""


@dataclass
class TrialOutcome:
    """Result of one trial as a worker returns it."""

    metrics: dict[str, Any] | None
    error: str | None
    traceback: str | None
    worker: str
    seconds: float


def worker_name() -> str:
    """``host:pid`` of the current process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def evaluate(
    objective: Callable[[dict], Mapping[str, Any]],
    config: dict,
    timeout: float | None = None,
) -> TrialOutcome:
    """Run ``objective(config)`` and capture its result or its error.

    With ``timeout`` (seconds), a SIGALRM timer interrupts the call when it
    runs in the main thread of a POSIX process, which is the case in a
    process pool and in this process. Code stuck inside a C extension that
    does not return to the interpreter is not interrupted; the tuner then
    stops the worker from outside.
    """
    start = time.perf_counter()
    try:
        with _alarm(timeout):
            metrics = objective(config)
        if not isinstance(metrics, Mapping):
            raise TypeError(
                "the objective must return a mapping of metric name to value, "
                f"got {type(metrics).__name__}: {metrics!r}"
            )
        return TrialOutcome(
            metrics=dict(metrics),
            error=None,
            traceback=None,
            worker=worker_name(),
            seconds=time.perf_counter() - start,
        )
    except Exception as err:  # noqa: BLE001 - every objective error is data here
        return TrialOutcome(
            metrics=None,
            error=f"{type(err).__name__}: {err}",
            traceback=traceback.format_exc(),
            worker=worker_name(),
            seconds=time.perf_counter() - start,
        )


class _alarm:
    """Context manager raising :class:`TrialTimeoutError` after ``seconds``."""

    def __init__(self, seconds: float | None) -> None:
        usable = (
            seconds is not None
            and hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
        )
        self.seconds = seconds if usable else None
        self.previous: Any = None

    def __enter__(self) -> None:
        if self.seconds is None:
            return
        self.previous = signal.signal(signal.SIGALRM, self._raise)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc_info: object) -> None:
        if self.seconds is None:
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)

    def _raise(self, signum: int, frame: object) -> None:
        raise TrialTimeoutError(f"trial timed out after {self.seconds:g} s")


class InProcessExecutor(Executor):
    """Run each submitted call at once, in the calling thread."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:
            future.set_exception(err)
            if not isinstance(err, Exception):
                raise
        return future


def make_process_pool(n_workers: int) -> ProcessPoolExecutor:
    """Create a local pool of ``n_workers`` processes started with ``spawn``.

    ``spawn`` is slower to start than ``fork`` but safe when the parent runs
    threads (a progress bar, a Dask client), which ``fork`` is not.
    """
    return ProcessPoolExecutor(
        max_workers=n_workers, mp_context=multiprocessing.get_context("spawn")
    )


def terminate_process_pool(pool: ProcessPoolExecutor) -> None:
    """Kill the worker processes of ``pool`` and shut it down without waiting.

    ``ProcessPoolExecutor`` has no public way to stop a task that hangs, so
    this reads its ``_processes`` mapping (CPython 3.8 to 3.14).
    """
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=5)
