"""Shared fixtures of the test suite."""

from __future__ import annotations

import matplotlib

# Tests run without a display.
matplotlib.use("Agg")
