#!/usr/bin/env bash
# Install the Assay bundle for the current user (no root): files under ~/.local, a menu entry,
# the icon, and `.assay.toml` audit files opening in Assay.
#   installers/linux/install.sh [BUNDLE_DIR]      (default: dist/assay, as built by `make bundle`)
# Follows XDG_DATA_HOME and XDG_CONFIG_HOME. Undo with installers/linux/uninstall.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bundle="${1:-$here/../../dist/assay}"
if [[ ! -x "$bundle/assay" ]]; then
    echo "install.sh: $bundle/assay not found; build the bundle first with 'make bundle' or pass its folder." >&2
    exit 2
fi
data="${XDG_DATA_HOME:-$HOME/.local/share}"
config="${XDG_CONFIG_HOME:-$HOME/.config}"
bin="$HOME/.local/bin"
target="$data/assay/bundle"
mime_type="application/x-assay-audit"

mkdir -p "$data/assay" "$bin" "$data/applications" "$data/icons/hicolor/scalable/apps" \
         "$data/icons/hicolor/256x256/apps" "$data/mime/packages" "$config"
rm -rf "$target.new"
cp -a "$bundle" "$target.new"           # copy first, then swap: a failed copy leaves the old install working
rm -rf "$target"
mv "$target.new" "$target"
ln -sfn "$target/assay" "$bin/assay"

resources="$target/_internal/assay/resources"  # the repository's resources/, as the bundle carries them
icons="$resources/icons"
install -m 644 "$icons/assay.svg" "$data/icons/hicolor/scalable/apps/assay.svg"
install -m 644 "$icons/assay-256.png" "$data/icons/hicolor/256x256/apps/assay.png"

# The menu entry runs the installed executable by its full path (quoted as the Desktop Entry
# specification asks, so that a home folder with spaces works).
quoted="$bin/assay"
for c in '\' '"' '`' '$'; do quoted="${quoted//"$c"/\\$c}"; done
quoted="${quoted//\\/\\\\}"  # string values escape their backslashes once more
quoted="${quoted//%/%%}"
while IFS= read -r line; do
    case "$line" in
        "Exec=assay "*) printf 'Exec="%s" %s\n' "$quoted" "${line#Exec=assay }" ;;
        "TryExec=assay") printf 'TryExec=%s\n' "${bin//\\/\\\\}/assay" ;;
        *) printf '%s\n' "$line" ;;
    esac
done < "$resources/assay.desktop" > "$data/applications/assay.desktop"
chmod 644 "$data/applications/assay.desktop"
install -m 644 "$here/assay-mime.xml" "$data/mime/packages/assay.xml"

# `*.assay.toml` opens in Assay: the default in mimeapps.list (what `xdg-mime default` writes;
# done here directly so that it works where xdg-utils is not installed).
mimeapps="$config/mimeapps.list"
touch "$mimeapps"
awk -v key="$mime_type" -v value="assay.desktop;" '
    function flush() { if (section == "[Default Applications]" && !done) { print key "=" value; done = 1 } }
    /^\[/ { flush(); section = $0 }
    section == "[Default Applications]" && index($0, key "=") == 1 { next }
    { print }
    END { if (!done) { if (section != "[Default Applications]") print "[Default Applications]"; print key "=" value } }
' "$mimeapps" > "$mimeapps.new" && mv "$mimeapps.new" "$mimeapps"

command -v update-mime-database >/dev/null && update-mime-database "$data/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true

echo "Assay installed in $target"
echo "Start it from the menu, or run: $bin/assay   (check it with: $bin/assay --selftest)"
case ":$PATH:" in *":$bin:"*) ;; *) echo "Note: $bin is not on your PATH; add it to use 'assay' in a terminal." ;; esac
