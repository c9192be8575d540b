#!/usr/bin/env bash
# Usage: scripts/same-results.sh [OLD_REV [NEW_REV]]   (default: HEAD~1 and the work tree)
#
# Checks that a change which should not change behaviour does not: builds
# both revisions, runs every preset (and churn) with seed 1 on four stacks for
# 20 s of simulated time, and every preset on linux-6.1 at full length, then
# compares every result file byte for byte (but for run.ini's module
# checksums).  Exits non-zero on any difference.
# Set JOBS (default 2) to run more at once.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
old=${1:-HEAD~1}
new=${2:-}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-same.XXXXXX")
trap 'git -C "$top" worktree remove --force "$scratch/old-src" >/dev/null 2>&1 || true;
      [ -n "$new" ] && git -C "$top" worktree remove --force "$scratch/new-src" >/dev/null 2>&1; rm -rf "$scratch"' EXIT

build() { # REV|worktree DIR -> prints the build dir
  local rev=$1 dir=$2 src
  if [ "$rev" = worktree ]; then src=$top; else
    src=$scratch/$dir-src
    git -C "$top" worktree add --detach -q "$src" "$rev"
  fi
  meson setup "$scratch/$dir-build" "$src" >/dev/null
  ninja -C "$scratch/$dir-build" >/dev/null
  echo "$src $scratch/$dir-build"
}

presets=(churn android-zram atomic-bursts cma-device fleet-server fork-storm gupta-fragmenter hotplug
         stress-highalloc thpcompact)
run_all() { # SRC BUILD OUT
  local src=$1 b=$2 out=$3 bin
  bin=$b/cli/fragsim
  [ -x "$bin" ] || bin=$b/engine/fragsim # before the cli/ layout
  mkdir -p "$out"
  export FRAGSIM_POLICY_PATH=$b/policies FRAGSIM_DATA_PATH=$src/data FRAGSIM_WORKLOAD_PATH=$src/workloads
  {
    for w in "${presets[@]}"; do
      for p in linux-6.1 linux-2.6.35 vanilla-movable linux-6.1+cma; do
        echo "$w $p $out/$w-$p --set sim.duration=20s"
      done
      echo "$w linux-6.1 $out/full-$w"
    done
  } | xargs -P "${JOBS:-2}" -L 1 sh -c 'bin=$0 w=$1 p=$2 o=$3; shift 3
      "$bin" run -q -w "$w" -p "$p" -s 1 -o "$o" "$@" >/dev/null 2>&1 || { echo "fragsim: $w on $p failed" >&2; exit 255; }' "$bin"
}

echo "building $old" >&2
read -r osrc ob < <(build "$old" old)
echo "building ${new:-the work tree}" >&2
read -r nsrc nb < <(build "${new:-worktree}" new)
echo "running every preset on both" >&2
run_all "$osrc" "$ob" "$scratch/old-out"
run_all "$nsrc" "$nb" "$scratch/new-out"
n=$(find "$scratch/old-out" -type f | wc -l)
# run.ini's [modules] lines (each module file's checksum) differ between any
# two builds, so they are left out of the comparison
if diff -r -I '=sha256:[0-9a-f]* abi:' "$scratch/old-out" "$scratch/new-out" >"$scratch/diff" 2>&1; then
  echo "identical: $n result files in $(ls "$scratch/old-out" | wc -l) runs"
else
  head -20 "$scratch/diff"
  echo "DIFFERENT: see above" >&2
  exit 1
fi
