"""The ``fairbo`` command line: ``demo``, ``run``, ``show`` and ``plot``.

Only this package configures logging handlers; the library modules just log.
"""

from __future__ import annotations

from fairbo.cli._app import app, main

__all__ = ["app", "main"]
