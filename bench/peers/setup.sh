#!/usr/bin/env bash
# Install the peers, each into its own virtual environment under bench/peers/.venv/ (never into the
# project's environment): Evidently and NannyML need pandas < 3, Alibi Detect needs numpy < 2.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"
for peer in evidently nannyml alibi-detect; do
  venv="$here/.venv/$peer"
  if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
  fi
  "$venv/bin/pip" install -q -r "$here/requirements-$peer.txt"
done
echo "peers installed under $here/.venv"
