#!/usr/bin/env bash
# Remove what install.sh put under ~/.local. Settings and autosaves are left alone unless --purge.
set -euo pipefail
data="${XDG_DATA_HOME:-$HOME/.local/share}"
bin="$HOME/.local/bin"
rm -rf "$data/assay/bundle"
rmdir "$data/assay" 2>/dev/null || true
if [[ -L "$bin/assay" ]]; then rm -f "$bin/assay"; fi
rm -f "$data/applications/assay.desktop" "$data/icons/hicolor/scalable/apps/assay.svg" \
      "$data/icons/hicolor/256x256/apps/assay.png" "$data/mime/packages/assay.xml"
command -v update-mime-database >/dev/null && update-mime-database "$data/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
if [[ "${1:-}" == "--purge" ]]; then
    rm -rf "${XDG_CONFIG_HOME:-$HOME/.config}/Assay" "${XDG_DATA_HOME:-$HOME/.local/share}/Assay" \
           "${XDG_STATE_HOME:-$HOME/.local/state}/Assay"
    echo "Assay uninstalled; settings removed."
else
    echo "Assay uninstalled. Settings are kept; run with --purge to remove them too."
fi
