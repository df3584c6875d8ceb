"""Errors of the command line and how they end the process."""

from __future__ import annotations

from pathlib import Path

# Exit codes: 2 for bad input (the convention of Click and of getopt-style
# tools), 1 for a study that failed, 130 (128 + SIGINT) for Ctrl-C.
EXIT_USAGE = 2
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A user-facing error, printed as one line without a traceback.

    Parameters
    ----------
    message : str
        What is wrong and how to fix it.
    exit_code : int, default 2
        Process exit code.
    """

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def require_parent_folder(path: Path, option: str) -> None:
    """Raise :class:`CliError` unless the folder of ``path`` exists."""
    if not path.parent.is_dir():
        raise CliError(
            f"{option}: folder {str(path.parent)!r} does not exist; create it "
            "or pass another path."
        )
