"""Logging and warning output of the command line.

Records go to standard error through rich, on the same console as the
progress bar, so log lines appear above the bar instead of breaking it.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from typing import Any, TextIO

from rich.console import Console
from rich.logging import RichHandler

logger = logging.getLogger(__name__)


def verbosity_level(verbose: bool, quiet: bool) -> int:
    """Return the logging level for the ``--verbose``/``--quiet`` flags.

    WARNING by default, so that failed trials and data warnings show but
    the per-trial INFO lines do not; INFO with ``--verbose``; ERROR with
    ``--quiet``. ``--verbose`` wins when both are given.
    """
    if verbose:
        return logging.INFO
    if quiet:
        return logging.ERROR
    return logging.WARNING


@contextlib.contextmanager
def logging_to(console: Console, level: int) -> Iterator[None]:
    """Send fairbo's log records and Python warnings to ``console``.

    The previous handlers, levels and warning display are restored on exit,
    so that repeated in-process invocations (tests) do not stack handlers.
    """
    handler = RichHandler(
        console=console,
        level=level,
        show_time=False,
        show_path=False,
        markup=False,
        rich_tracebacks=False,
    )
    handler.setFormatter(logging.Formatter("%(message)s"))
    library = logging.getLogger("fairbo")
    saved_level, saved_propagate = library.level, library.propagate
    library.addHandler(handler)
    library.setLevel(level)
    # Records are shown here only, not again by a root handler.
    library.propagate = False
    saved_showwarning = warnings.showwarning
    warnings.showwarning = _log_warning
    try:
        yield
    finally:
        warnings.showwarning = saved_showwarning
        library.removeHandler(handler)
        library.setLevel(saved_level)
        library.propagate = saved_propagate


def _log_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
    **_: Any,
) -> None:
    """Log a warning as one WARNING record: its class and message, without
    the source line that ``warnings.formatwarning`` adds."""
    logger.warning("%s: %s", category.__name__, message)
