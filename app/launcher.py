"""The `assay` command: the engine's CLI (engine/cli.py) with the desktop app plugged in. No arguments, or
`assay gui [AUDIT.toml] [--run]`, opens the app; `assay --selftest` checks it; `assay audit`, `demo` and
`verify` are the engine's and load no Qt. The engine never imports the app: this module hands it in."""
from __future__ import annotations

import sys
from pathlib import Path


class Desktop:
    """assay.engine.cli.Desktop: the app's modules are imported only when a command needs them."""

    def open(self, audit_file: Path | None, run: bool) -> int:
        from assay.app.main import main as gui_main

        return gui_main(audit_file, run=run)

    def selftest(self, folder: Path | None) -> int:
        from assay.app.selftest import run_selftest

        return run_selftest(folder)


def main(argv: list[str] | None = None) -> int:
    from assay.engine.cli import main as cli_main

    return cli_main(argv, desktop=Desktop())


if __name__ == "__main__":
    sys.exit(main())
