"""Tabular data sets for fairness experiments, shipped inside the package.

The data are gzip-compressed, unchanged copies of two UCI data sets under
the CC BY 4.0 licence (see ``fairbo/datasets/data/LICENSE.txt`` and each
loader's ``DESCR`` for the citations). Loading needs no network access, and
each file's sha256 is verified when it is read.
"""

from __future__ import annotations

from fairbo.datasets._adult import load_adult
from fairbo.datasets._german import load_german_credit

__all__ = ["load_adult", "load_german_credit"]
