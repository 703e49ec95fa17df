#!/usr/bin/env bash
# Remove what install.sh put under ~/.local (and its default for .assay.toml files in mimeapps.list).
# Settings are left alone unless --purge. Follows XDG_DATA_HOME and XDG_CONFIG_HOME as install.sh does.
set -euo pipefail
data="${XDG_DATA_HOME:-$HOME/.local/share}"
config="${XDG_CONFIG_HOME:-$HOME/.config}"
bin="$HOME/.local/bin"
rm -rf "$data/assay/bundle"
rmdir "$data/assay" 2>/dev/null || true
if [[ -L "$bin/assay" ]]; then rm -f "$bin/assay"; fi
rm -f "$data/applications/assay.desktop" "$data/icons/hicolor/scalable/apps/assay.svg" \
      "$data/icons/hicolor/256x256/apps/assay.png" "$data/mime/packages/assay.xml"
if [[ -f "$config/mimeapps.list" ]]; then  # only our own line; whatever else the file holds stays
    grep -vx 'application/x-assay-audit=assay.desktop;' "$config/mimeapps.list" > "$config/mimeapps.list.new" || true
    mv "$config/mimeapps.list.new" "$config/mimeapps.list"
fi
command -v update-mime-database >/dev/null && update-mime-database "$data/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
if [[ "${1:-}" == "--purge" ]]; then
    rm -rf "$config/Assay" "$data/Assay" "${XDG_STATE_HOME:-$HOME/.local/state}/Assay"
    echo "Assay uninstalled; settings removed."
else
    echo "Assay uninstalled. Settings are kept; run with --purge to remove them too."
fi
