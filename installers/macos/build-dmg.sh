#!/usr/bin/env bash
# Build Assay.app and a .dmg on macOS (it cannot be built on Linux).
#   installers/macos/build-dmg.sh          -> dist/Assay.app and dist/assay-VERSION.dmg
# Needs Python 3.11+ and Xcode's command-line tools (hdiutil, codesign). Signing and notarising
# need an Apple Developer ID: set CODESIGN_IDENTITY to sign; unsigned apps open via right-click > Open.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m venv build/macos-venv
build/macos-venv/bin/pip install --quiet '.[bundle]'
build/macos-venv/bin/pyinstaller installers/assay.spec --noconfirm --distpath dist --workpath build/pyinstaller
dist/assay/assay --selftest                      # the same check as on Linux, before packaging
version="$(dist/assay/assay --version | awk '{print $2}')"
if [[ -n "${CODESIGN_IDENTITY:-}" ]]; then
    codesign --deep --force --options runtime --sign "$CODESIGN_IDENTITY" dist/Assay.app
fi
rm -f "dist/assay-$version.dmg"
hdiutil create -volname "Assay $version" -srcfolder dist/Assay.app -ov -format UDZO "dist/assay-$version.dmg"
echo "dist/assay-$version.dmg"
