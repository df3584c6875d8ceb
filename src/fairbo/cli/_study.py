"""Run one study of the command line with a progress bar."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from fairbo.cli._errors import CliError
from fairbo.cli._progress import TrialProgress
from fairbo.constraints import Constraint
from fairbo.result import TuneResult
from fairbo.space import SearchSpace
from fairbo.storage import SQLiteStorage
from fairbo.trial import TrialStatus
from fairbo.tuner import tune


@dataclass
class StudyRequest:
    """Arguments of one ``fairbo.tune`` call made by the command line."""

    objective: Callable[[dict], Mapping[str, float]]
    space: Mapping[str, Any]
    metric: str
    mode: str
    constraints: list[Constraint]
    searcher: str
    n_trials: int | None
    timeout: float | None
    n_workers: int
    seed: int
    storage: Path
    study_name: str


def finished_trials(storage: Path, study_name: str) -> tuple[int, int]:
    """Return (finished, failed) trial counts of a stored study, (0, 0) when
    the file or the study does not exist yet."""
    if not storage.exists():
        return 0, 0
    with SQLiteStorage(storage) as database:
        if study_name not in database.study_names():
            return 0, 0
        trials = database.load_trials(study_name)
    finished = [t for t in trials if t.is_finished]
    failed = sum(1 for t in finished if t.status is TrialStatus.FAILED)
    return len(finished), failed


def stored_differences(request: StudyRequest) -> list[str]:
    """Describe how the stored study of ``request`` differs from it.

    Returns
    -------
    list of str
        Phrases such as ``"constraints dsp <= 0.01 instead of dsp <= 0.05"``;
        empty when the study is not stored yet or may be resumed by
        ``request``. The searcher and seed may change between sessions.
    """
    if not request.storage.exists():
        return []
    with SQLiteStorage(request.storage) as database:
        if request.study_name not in database.study_names():
            return []
        stored = database.load_definition(request.study_name)
    differences = []
    if stored.space != SearchSpace(request.space):
        differences.append("a different search space")
    if (stored.metric, stored.mode) != (request.metric, request.mode):
        differences.append(
            f"metric {stored.metric} ({stored.mode}) instead of "
            f"{request.metric} ({request.mode})"
        )
    if _constraint_json(stored.constraints) != _constraint_json(request.constraints):
        differences.append(
            f"constraints {_constraint_text(stored.constraints)} instead of "
            f"{_constraint_text(request.constraints)}"
        )
    return differences


def _constraint_json(constraints: list[Constraint]) -> list[dict]:
    return [c.to_json() for c in constraints]


def _constraint_text(constraints: list[Constraint]) -> str:
    return ", ".join(str(c) for c in constraints) or "none"


def run_study(
    request: StudyRequest, console: Console, *, label: str, show_progress: bool
) -> TuneResult:
    """Run ``request`` through ``fairbo.tune`` with a progress bar.

    Raises
    ------
    CliError
        If the stored study of that name has another definition; checked
        before the progress bar starts.
    KeyboardInterrupt
        On Ctrl-C, after ``fairbo.tune`` has stopped its workers; the study
        stays resumable.
    """
    differences = stored_differences(request)
    if differences:
        raise CliError(
            f"study {request.study_name!r} in {request.storage} was created "
            f"with {' and '.join(differences)}, so these options cannot resume "
            "it; pass another --study, or the options it was created with."
        )
    done, failed = finished_trials(request.storage, request.study_name)
    if done and show_progress:
        console.print(
            f"Resuming study {request.study_name!r} in {request.storage}: "
            f"{done} trials already finished."
        )
    progress = TrialProgress(
        console,
        label,
        request.n_trials,
        already_finished=done,
        already_failed=failed,
        enabled=show_progress,
    )
    with progress:
        return tune(
            request.objective,
            request.space,
            metric=request.metric,
            mode=request.mode,
            constraints=request.constraints,
            searcher=request.searcher,
            n_trials=request.n_trials,
            timeout=request.timeout,
            n_workers=request.n_workers,
            seed=request.seed,
            storage=request.storage,
            study_name=request.study_name,
            callbacks=[progress.update],
        )
