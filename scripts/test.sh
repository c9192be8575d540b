#!/usr/bin/env bash
# Installs what is missing, builds, and runs the test suite: every suite but
# `kernel`, which boots a real Linux kernel under qemu (docs/kernel-harness.md),
# and `cluster`, which starts a real Slurm as root (docs/testing.md); CI runs
# both after this, see .ci/run.  The mutation suite is defined only
# with -Dmutation=true (docs/testing.md).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
meson test -C "$builddir" --no-suite kernel --no-suite cluster --print-errorlogs "$@"
