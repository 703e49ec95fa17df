# The README's commands. `make run` and `make test` work on a fresh machine:
# they create .venv, install what is missing (system packages too, when root) and go.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := build/demo

.PHONY: run test bench bundle bundle-check sysdeps demo clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,mlflow]'
	touch $(STAMP)

sysdeps:
	@bash scripts/install-system-deps

$(DEMO)/audit.toml: $(STAMP)
	$(BIN)/assay demo $(DEMO)

demo: $(DEMO)/audit.toml

run: sysdeps $(STAMP) $(DEMO)/audit.toml
	$(BIN)/assay gui $(DEMO)/audit.toml --run

test: sysdeps $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/run_all.py

# Installers: the PyInstaller one-folder bundle in dist/assay, then the check CI runs on it
# (selftest offscreen and under Xvfb, and a non-editable wheel install in a fresh venv).
BUNDLE_STAMP := $(VENV)/.bundle-tools

$(BUNDLE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bundle]'
	touch $(BUNDLE_STAMP)

bundle: sysdeps $(BUNDLE_STAMP)
	$(BIN)/pyinstaller installers/assay.spec --noconfirm --distpath dist --workpath build/pyinstaller --log-level WARN
	@du -sh dist/assay

bundle-check: bundle
	bash scripts/bundle-check

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
