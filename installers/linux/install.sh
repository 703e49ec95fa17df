#!/usr/bin/env bash
# Install the Assay bundle for the current user (no root): files under ~/.local, a menu entry,
# the icon, and `.assay.toml` audit files opening in Assay.
#   installers/linux/install.sh [BUNDLE_DIR]      (default: dist/assay, as built by `make bundle`)
# Undo with installers/linux/uninstall.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bundle="${1:-$here/../../dist/assay}"
if [[ ! -x "$bundle/assay" ]]; then
    echo "install.sh: $bundle/assay not found; build the bundle first with 'make bundle' or pass its folder." >&2
    exit 2
fi
data="${XDG_DATA_HOME:-$HOME/.local/share}"
bin="$HOME/.local/bin"
target="$data/assay/bundle"

mkdir -p "$data/assay" "$bin" "$data/applications" "$data/icons/hicolor/scalable/apps" \
         "$data/icons/hicolor/256x256/apps" "$data/mime/packages"
rm -rf "$target.new"
cp -a "$bundle" "$target.new"           # copy first, then swap: a failed copy leaves the old install working
rm -rf "$target"
mv "$target.new" "$target"
ln -sfn "$target/assay" "$bin/assay"

icons="$target/_internal/app/resources/icons"
install -m 644 "$icons/assay.svg" "$data/icons/hicolor/scalable/apps/assay.svg"
install -m 644 "$icons/assay-256.png" "$data/icons/hicolor/256x256/apps/assay.png"
sed "s|^Exec=assay |Exec=$bin/assay |; s|^TryExec=assay|TryExec=$bin/assay|" "$here/assay.desktop" \
    > "$data/applications/assay.desktop"
install -m 644 "$here/assay-mime.xml" "$data/mime/packages/assay.xml"

command -v update-mime-database >/dev/null && update-mime-database "$data/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
command -v xdg-mime >/dev/null && xdg-mime default assay.desktop application/x-assay-audit 2>/dev/null || true

echo "Assay installed in $target"
echo "Start it from the menu, or run: $bin/assay"
case ":$PATH:" in *":$bin:"*) ;; *) echo "Note: $bin is not on your PATH; add it to use 'assay' in a terminal." ;; esac
