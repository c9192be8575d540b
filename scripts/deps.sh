#!/usr/bin/env bash
# Installs the Debian packages fragsim needs, if any are missing, and
# configures the build directory.  Sourced by demo.sh and test.sh.  chromium
# is for the report test, which loads `fragsim report`'s page in headless
# Chromium (docs/report.md).
set -euo pipefail
PKGS=(build-essential meson ninja-build pkg-config libglib2.0-dev libcsv-dev gnuplot-nox poppler-utils locales chromium)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "fragsim: installing ${missing[*]}" >&2
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
fi
# The CSV tests write numbers under a decimal-comma locale to show it does
# not leak into result files: generate de_DE.UTF-8 if it is missing.
if ! locale -a 2>/dev/null | grep -ix 'de_DE\.utf-\?8' >/dev/null; then
  echo "fragsim: generating the de_DE.UTF-8 locale (for the tests)" >&2
  if grep -q '^# *de_DE\.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null; then
    $SUDO sed -i 's/^# *\(de_DE\.UTF-8 UTF-8\)/\1/' /etc/locale.gen
  elif ! grep -q '^de_DE\.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null; then
    echo 'de_DE.UTF-8 UTF-8' | $SUDO tee -a /etc/locale.gen >/dev/null
  fi
  $SUDO locale-gen >/dev/null
fi
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
builddir=${FRAGSIM_BUILDDIR:-$top/build}
if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$top" >/dev/null
fi
ninja -C "$builddir" >/dev/null
