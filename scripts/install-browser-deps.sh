#!/usr/bin/env bash
# Installs Debian's Chromium for the browser test (examples/browser/test), which drives it with playwright-core
# on WebGPU (SwiftShader) and wasm. playwright-core downloads no browser: the system's is used. Safe to run
# again: it does nothing when Chromium is already there. Also installs DejaVu Sans (fonts-dejavu-core), the font
# that @tiefe/charts renders PNG text with.
set -euo pipefail

chromium=${TIEFE_CHROMIUM:-/usr/bin/chromium}
if [ -x "$chromium" ] && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ]; then
  echo "install-browser-deps: $("$chromium" --version 2>/dev/null | head -1) already installed"
  exit 0
fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  cat >&2 <<MSG
install-browser-deps: cannot install Chromium here (needs root on Debian/Ubuntu).
The browser test runs Tiefe in Chromium on WebGPU and wasm. Install one of:
  - Debian/Ubuntu (as root):  apt-get install chromium
  - any Chromium or Chrome >= 121, then:  export TIEFE_CHROMIUM=/path/to/chrome
MSG
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "install-browser-deps: installed $(/usr/bin/chromium --version 2>/dev/null | head -1)"
