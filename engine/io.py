"""The names engine/pipeline.py and engine/results.py import from here. Inputs now live in modules named for
what they do: engine.input_files (provenance, hashing, the file checks), engine.tables (loading tables),
engine.csv_reader, engine.arrow_frames, and engine.model_files (the trust checks and opening models).
Import from those; this module goes once nothing imports it."""
from __future__ import annotations

from assay.engine.input_files import InputInfo, sha256_file
from assay.engine.model_files import LoadedModel, check_model_columns, check_model_file
from assay.engine.tables import Dataset, iter_load_dataset

__all__ = ["Dataset", "InputInfo", "LoadedModel", "check_model_columns", "check_model_file", "iter_load_dataset",
           "sha256_file"]
