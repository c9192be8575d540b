#!/usr/bin/env bash
# Installs what is missing, builds, and runs the headline comparison: the
# vanilla kernel against grouping by mobility (linux-2.6.24) and the 6.1
# allocator on stress-highalloc over 5 seeds, plots it, writes its HTML
# report, and ends with the comparison table (vanilla is the baseline of the
# paired differences).
# Results and figures land in demo-out/ (or the directory given as $1).
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
cmp=$out/stress-highalloc
# the table is shown last, after the figures are listed (progress stays on stderr)
run fragsim compare -w stress-highalloc "${stacks[@]}" -r 5 -j "$(nproc)" -o "$cmp" --force >/dev/null
run fragsim plot "$cmp" --format png,svg,pdf
run fragsim report "$cmp" -q
echo
cat "$cmp/table.md"
echo
echo "table: $cmp/table.md (docs/comparing.md explains it); every run's values: $cmp/runs.csv;"
echo "aggregates: $cmp/compare.csv; figures: $cmp/plots (docs/plotting.md);"
echo "all of it on one page: $cmp/report/index.html (docs/report.md)"
