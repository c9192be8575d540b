#!/usr/bin/env bash
# Installs what is missing, builds, and runs the headline demo: the default
# workload on the vanilla stack, written to demo-out/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
out=${1:-$top/demo-out/churn-vanilla}
meson devenv -C "$builddir" fragsim run -w churn -p vanilla -s 1 -o "$out" --force
