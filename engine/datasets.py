"""The two datasets an audit compares, by the names every layer uses: the JSON's keys, the inputs' roles,
the series of the plots and the PDF's charts."""
from __future__ import annotations

DATASETS = ("reference", "production")
