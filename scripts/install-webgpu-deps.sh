#!/usr/bin/env bash
# Installs a software Vulkan driver so that WebGPU (Dawn, from the npm package `webgpu`) runs in Node on a
# machine without a GPU. Debian 12's own lavapipe (Mesa 22) is refused by Dawn, so Mesa 25 lavapipe comes from
# bookworm-backports. Safe to run again: it does nothing, and prints nothing, when the driver is already there.
set -euo pipefail

# lavapipe's manifest is lvp_icd.json from Mesa 24 on (lvp_icd.<arch>.json before): accept either name.
have_lavapipe() {
  compgen -G '/usr/share/vulkan/icd.d/lvp_icd*.json' >/dev/null &&
    dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -qE '^(2[4-9]|[3-9][0-9])\.'
}
# Installed already: a quiet no-op.
if have_lavapipe; then exit 0; fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  cat >&2 <<MSG
install-webgpu-deps: cannot install the Vulkan driver here (needs root on Debian/Ubuntu).
WebGPU in Node needs a Vulkan driver that Dawn accepts. Install one of:
  - Mesa >= 24 lavapipe:  apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1
  - SwiftShader:          apt-get install chromium   (then VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)
  - or a real GPU with its vendor's Vulkan driver.
MSG
  exit 1
fi

. /etc/os-release
if [ "${VERSION_CODENAME:-}" = bookworm ]; then
  list=/etc/apt/sources.list.d/tiefe-backports.list
  [ -f "$list" ] || echo "deb http://deb.debian.org/debian bookworm-backports main" > "$list"
  target=(-t bookworm-backports)
else
  target=()
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${target[@]}" mesa-vulkan-drivers libvulkan1 >/dev/null
echo "install-webgpu-deps: installed mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
