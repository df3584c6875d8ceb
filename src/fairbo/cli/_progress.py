"""A rich progress bar driven by ``fairbo.tune`` callbacks."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from fairbo.cli._tables import describe_best
from fairbo.result import TuneResult
from fairbo.trial import Trial, TrialStatus


class TrialProgress:
    """Progress bar of one study: trials finished of the budget, failed
    trials and the best feasible value so far.

    Use it as a context manager and pass :meth:`update` to
    ``fairbo.tune(callbacks=[...])``.

    Parameters
    ----------
    console : rich.console.Console
        Where the bar is drawn (standard error in the command line).
    label : str
        Text in front of the bar, for example the study name.
    total : int or None
        Trials in the budget, ``None`` for a time budget only.
    already_finished : int
        Trials the study finished in earlier sessions (a resume).
    already_failed : int
        How many of those failed.
    enabled : bool
        False hides the bar (``--quiet``).
    """

    def __init__(
        self,
        console: Console,
        label: str,
        total: int | None,
        *,
        already_finished: int = 0,
        already_failed: int = 0,
        enabled: bool = True,
    ) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TextColumn("best feasible {task.fields[best]}"),
            TimeElapsedColumn(),
            console=console,
            disable=not enabled,
        )
        self._task = self._progress.add_task(
            label,
            total=total,
            completed=already_finished,
            failed=already_failed,
            best="none",
        )

    def __enter__(self) -> TrialProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def update(self, trial: Trial, result: TuneResult) -> None:
        """Redraw the bar from ``result``; a ``fairbo.tune`` callback."""
        finished = [t for t in result.trials if t.is_finished]
        failed = sum(1 for t in finished if t.status is TrialStatus.FAILED)
        self._progress.update(
            self._task,
            completed=len(finished),
            failed=failed,
            best=describe_best(result),
        )
