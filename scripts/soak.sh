#!/usr/bin/env bash
# The soak (docs/testing.md): long runs of every preset on the kernel stacks
# that differ most, under AddressSanitizer and UndefinedBehaviorSanitizer,
# with the engine's invariant checker on, until 10^8 events have run.
#
#   scripts/soak.sh [EVENTS] [BUILD_DIR]
#
# EVENTS (default 100000000) is the total to reach; BUILD_DIR (default
# build-soak) gets a sanitizer build of this tree if it has none.  Every run
# is on SOAK_MEMORY (default 256M; the presets scale their streams with it).
# The invariant walk (--check) costs a pass over every page frame, so it runs
# every SOAK_CHECK_INTERVAL events (default 10000, sim.check_interval: about
# as long as the events between) and at the end of every run; the
# sanitizers watch every event.  Runs go round the
# list below with seeds 1, 2, ... and stop at the first run that fails: its
# command line is printed, the exit status is 1.  Results go to a temporary
# directory that is removed at the end.
set -euo pipefail
target=${1:-100000000}
build=${2:-build-soak}
interval=${SOAK_CHECK_INTERVAL:-10000}
memory=${SOAK_MEMORY:-256M}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

if [ ! -x "$build/cli/fragsim" ]; then
  echo "soak: building $build (ASan + UBSan, -O1)" >&2
  [ -d "$build" ] || meson setup "$build" -Dwarning_level=3 -Dwerror=true \
    -Db_sanitize=address,undefined -Db_lundef=false -Doptimization=1 >/dev/null
fi
ninja -C "$build" >/dev/null

export FRAGSIM_POLICY_PATH="$here/$build/policies" FRAGSIM_DATA_PATH="$here/data" \
  FRAGSIM_WORKLOAD_PATH="$here/workloads" \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1

# workload:stack: every preset, on the stacks whose mechanisms it exercises
runs=(
  churn:vanilla churn:linux-6.1 churn:linux-2.6.24
  stress-highalloc:linux-6.1 stress-highalloc:linux-2.6.35 stress-highalloc:vanilla
  fleet-server:linux-6.1 fleet-server:linux-4.4
  thpcompact:linux-6.1 thpcompact:linux-5.9
  atomic-bursts:linux-6.1 atomic-bursts:linux-4.4
  gupta-fragmenter:linux-5.9 gupta-fragmenter:linux-6.1
  cma-device:linux-6.1 hotplug:linux-6.1 hotplug:vanilla-movable
  android-zram:linux-6.1 fork-storm:linux-6.1
  compaction2010:linux-2.6.35 ols2006-highalloc:linux-2.6.16-lists
)

out=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-soak.XXXXXX")
trap 'rm -rf "$out"' EXIT
total=0 nruns=0 seed=1 t0=$(date +%s)
while [ "$total" -lt "$target" ]; do
  for r in "${runs[@]}"; do
    w=${r%%:*} p=${r#*:}
    cmd=("$build/cli/fragsim" run -w "$w" -p "$p" -s "$seed" -o "$out/run" -q --check
         --set "sim.check_interval=$interval" --set "machine.memory=$memory")
    rm -rf "$out/run"
    if ! "${cmd[@]}" 2>"$out/stderr"; then
      cat "$out/stderr" >&2
      echo "soak: FAILED after $total events in $nruns runs: ${cmd[*]}" >&2
      exit 1
    fi
    ev=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "events") c = i } NR == 2 { print $c }' \
      "$out/run/summary.csv")
    total=$((total + ev)) nruns=$((nruns + 1))
    printf 'soak: %-18s %-22s seed %-3s %11s events  total %s\n' "$w" "$p" "$seed" "$ev" "$total"
    [ "$total" -ge "$target" ] && break
  done
  seed=$((seed + 1))
done
echo "soak: clean: $total events in $nruns runs ($(( $(date +%s) - t0 )) s), sanitizers and invariant checks (every $interval events and at each run's end) silent"
