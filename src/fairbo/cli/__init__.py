"""The ``fairbo`` command line: ``demo``, ``run``, ``show`` and ``plot``.

Only this package configures logging handlers; the library modules just log.
The Typer application is imported on first use, and each command imports the
heavy libraries (scikit-learn, Matplotlib) it needs, so ``fairbo --help``
starts quickly.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["app", "main"]

# 128 + SIGINT, as shells report a process ended by Ctrl-C.
_EXIT_INTERRUPTED = 130


def main() -> None:
    """Entry point of the ``fairbo`` console script.

    Ctrl-C before a command starts (while Python imports the application)
    ends the process with exit code 130 and one line, without a traceback.
    """
    try:
        from fairbo.cli._app import app as application
    except KeyboardInterrupt:
        sys.stderr.write("\nInterrupted.\n")
        raise SystemExit(_EXIT_INTERRUPTED) from None
    application()


def __getattr__(name: str) -> Any:
    if name == "app":
        from fairbo.cli._app import app as application

        return application
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
