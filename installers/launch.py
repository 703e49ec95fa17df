"""The bundle's entry point: the same `assay` command as a pip install (no arguments: the desktop app)."""
import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # worker processes of a frozen app start through this executable
    from assay.app.launcher import main

    sys.exit(main())
