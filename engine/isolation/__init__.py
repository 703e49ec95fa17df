"""Model isolation: model files are opened and run in a separate worker process, never in the app's or the
CLI's process.

A model from another team is code: a pickle runs code when it is opened, and any model's predict can raise,
crash the interpreter in native code, hang or eat memory. The audit therefore talks to the model through a
`ModelProcess` (process.py), which starts a "spawn" child (worker.py) at the start of the audit, sends it
requests (open, predict a batch, build an explainer, explain rows, permutation importance) and waits for
each reply with a timeout, yielding between polls so that a cancel takes effect at once. The child runs the
same operations the in-process `LocalModel` (local.py) runs, so the results are identical.

Trust decisions stay in the parent and run no code (engine.model_files.check_model_file).
"""
from importlib import import_module

# imported when first used: `assay audit` starts the model process (process.py) before pandas is imported
_HOMES = {"LocalModel": "assay.engine.isolation.local", "ModelProcess": "assay.engine.isolation.process",
          "start_model": "assay.engine.isolation.process", "prestart": "assay.engine.isolation.process"}
__all__ = list(_HOMES)


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'assay.engine.isolation' has no attribute {name!r}")
