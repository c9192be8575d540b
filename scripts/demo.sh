#!/usr/bin/env bash
# Installs what is missing, builds, and runs the headline comparison: the
# vanilla kernel against grouping by mobility (linux-2.6.24) and the 6.1
# allocator on stress-highalloc over 5 seeds, then plots it.  Results and
# figures land in demo-out/ (or the directory given as $1).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
out=${1:-$top/demo-out}
run() { meson devenv -C "$builddir" "$@"; }
stacks=()
for s in vanilla linux-2.6.24 linux-6.1; do
  # keep the stacks whose policies are all built (every one is, on main)
  if run fragsim compare -w stress-highalloc -p "$s" -r 1 -o "$out/.probe" --list-runs >/dev/null 2>&1; then
    stacks+=(-p "$s")
  fi
done
rm -rf "$out/.probe"
run fragsim compare -w stress-highalloc "${stacks[@]}" -r 5 -j "$(nproc)" -o "$out/stress-highalloc" --force
run fragsim plot "$out/stress-highalloc" --format png,svg,pdf
echo "figures: $out/stress-highalloc/plots (see docs/plotting.md)"
