#!/bin/sh
# One fuzz target for a while (the fuzz suite, tests/fuzz/meson.build):
#   run-fuzz.sh TARGET SEED_CORPUS WORKDIR SECONDS
# New inputs go to WORKDIR/corpus (the seed corpus in the tree is only read),
# a crashing input to WORKDIR/crash-*, which the failure message names.
set -eu
target=$1 seeds=$2 work=$3 secs=$4
mkdir -p "$work/corpus"
exec "$target" "$work/corpus" "$seeds" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=25 \
  -artifact_prefix="$work/" -print_final_stats=1
