#!/usr/bin/env bash
# Installs the Debian packages fragsim needs, if any are missing, and
# configures the build directory.  Sourced by demo.sh and test.sh.
set -euo pipefail
PKGS=(build-essential meson ninja-build pkg-config libglib2.0-dev libcsv-dev gnuplot-nox)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "fragsim: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
fi
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
builddir=${FRAGSIM_BUILDDIR:-$top/build}
if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$top" >/dev/null
fi
ninja -C "$builddir" >/dev/null
