"""Checks and messages of ``fairbo run`` around its study."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from fairbo.cli._database import stored_trial_counts
from fairbo.cli._errors import EXIT_FAILURE, CliError
from fairbo.cli._tables import (
    describe_best,
    format_constraints,
    one_line,
    trial_detail_table,
)
from fairbo.objective import FairnessObjective
from fairbo.result import TuneResult
from fairbo.trial import TrialStatus


def check_resume(storage: Path, study_name: str, resume: bool) -> None:
    """Check ``--resume`` against the studies stored in ``storage``.

    With ``resume`` the study must exist. Without it, the study must not have
    trials yet, so that a repeated command does not extend a study by
    mistake. The file is not created.

    Raises
    ------
    CliError
        With exit code 2 when the check fails.
    """
    counts = stored_trial_counts(storage)
    if resume:
        if counts is None:
            raise CliError(
                f"--resume: {storage} does not exist, so study {study_name!r} "
                "cannot be resumed; drop --resume to start a new study."
            )
        if study_name not in counts:
            stored = ", ".join(counts) or "none"
            raise CliError(
                f"--resume: study {study_name!r} not found in {storage}; stored "
                f"studies: {stored}. Pass one of them with --study, or drop "
                "--resume to start a new study."
            )
        return
    n_trials = (counts or {}).get(study_name, 0)
    if n_trials:
        raise CliError(
            f"study {study_name!r} already has {n_trials} trials in {storage}; "
            "add --resume to continue it, or pass another --study."
        )


def resume_command(argv: Sequence[str], storage: Path, study_name: str) -> str:
    """Build the command line that resumes the study of ``fairbo run argv``:
    the same arguments with ``--storage``, ``--study`` and ``--resume``."""
    args = list(argv)
    for option, value in (("--storage", str(storage)), ("--study", study_name)):
        if not any(a == option or a.startswith(f"{option}=") for a in args):
            args += [option, value]
    if "--resume" not in args:
        args.append("--resume")
    return shlex.join(["fairbo", *args])


def interrupt_message(argv: Sequence[str], storage: Path, study_name: str) -> str:
    """Return what Ctrl-C prints once the study was requested: how to resume
    it, or that nothing was stored when ``fairbo.tune`` had not created it."""
    counts = stored_trial_counts(storage) or {}
    if study_name not in counts:
        return "Interrupted before the study started; nothing was stored."
    return (
        "Interrupted; finished trials are stored.\n"
        f"To resume, run: {resume_command(argv, storage, study_name)}"
    )


def print_run_summary(
    console: Console, result: TuneResult, objective: FairnessObjective
) -> None:
    """Print the trial counts, the last error when trials failed, and the
    best feasible trial with its test metrics.

    Raises
    ------
    CliError
        With exit code 1 when every finished trial failed, naming the last
        error, so that the cause reaches standard error even with ``--quiet``.
    """
    finished = [t for t in result.trials if t.is_finished]
    failed = [t for t in finished if t.status is TrialStatus.FAILED]
    console.print(
        f"{len(finished)} trials finished: {result.n_feasible} feasible, "
        f"{len(failed)} failed. Best feasible: {describe_best(result)}."
    )
    if failed:
        last = failed[-1]
        error = one_line(last.error or "no error message")
        if len(failed) == len(finished):
            raise CliError(
                f"all {len(failed)} trials of study {result.study_name!r} "
                f"failed; last error (trial {last.number}): {error}",
                EXIT_FAILURE,
            )
        console.print(
            f"{len(failed)} of {len(finished)} trials failed; last error "
            f"(trial {last.number}): {error}"
        )
    if not finished:
        return
    best = result.best_trial
    if best is None:
        completed = len(finished) - len(failed)
        console.print(
            f"None of the {completed} completed trials met the constraints "
            f"({format_constraints(result)}); relax them or run more trials."
        )
        return
    test = objective.evaluate_test(best.config) if objective.test_size else None
    console.print(trial_detail_table(best, f"Best feasible trial {best.number}", test))
