#!/bin/sh
# Out-of-tree policy, end to end, as a new author meets it: install fragsim
# into a scratch prefix, copy the template outside the tree under a new name,
# build it with nothing but `pkg-config fragsim-policy` and cc, and run the
# installed fragsim on it with no FRAGSIM_* variable set.
#
# The install gets its own build directory configured with --prefix (and
# without the test suite, which it does not need): the
# installed binary looks for policies and stacks.ini at paths compiled in
# from the prefix, so a DESTDIR copy of the main build would not find them.
#
# usage: out-of-tree.sh BUILD_DIR SOURCE_DIR   (meson passes both; MESON, CC
# and PKG_CONFIG may name the tools)
set -eu

build=$1
src=$2
MESON=${MESON:-meson}
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}

# Nothing may reach fragsim from the test environment: the point is that
# the installed binary finds its own files.
unset FRAGSIM_POLICY_PATH FRAGSIM_DATA_PATH FRAGSIM_FIXTURE_DIR FRAGSIM_BIN PKG_CONFIG_PATH PKG_CONFIG_LIBDIR

# Under the build directory, so a run killed before its trap leaves nothing
# outside what `rm -rf build` removes.
tmp=$(mktemp -d "$build/out-of-tree.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
prefix=$tmp/prefix

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'out-of-tree: %s\n' "$*" >&2; exit 1; }

step "install into $prefix"
"$MESON" setup "$tmp/build" "$src" --prefix="$prefix" -Dtests=false >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; exit 1; }
"$MESON" install -C "$tmp/build" --quiet >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }

fragsim=$prefix/bin/fragsim
pc=$(find "$prefix" -name fragsim-policy.pc | head -n 1)
[ -n "$pc" ] || fail "no fragsim-policy.pc under $prefix"
[ -x "$fragsim" ] || fail "no $fragsim"
[ -f "$prefix/include/fragsim/policy.h" ] || fail "policy.h not installed"
[ -f "$prefix/share/fragsim/stacks.ini" ] || fail "stacks.ini not installed"
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")

step "the pc file"
policydir=$("$PKG_CONFIG" --variable=policydir fragsim-policy)
[ -f "$policydir/nogroup.so" ] || fail "policydir $policydir holds no nogroup.so"
case $policydir in */policies-"$("$PKG_CONFIG" --variable=abi_major fragsim-policy)") ;; *) fail "policydir $policydir is not versioned by abi_major" ;; esac
[ "$("$PKG_CONFIG" --variable=fragsim fragsim-policy)" = "$fragsim" ] || fail "the pc file's fragsim is not $fragsim"
echo "policydir=$policydir"

step "the installed fragsim finds its policies and stacks"
"$fragsim" list policies | tee "$tmp/policies.txt"
grep -q '^nogroup ' "$tmp/policies.txt" || fail "installed fragsim does not list nogroup"
grep -q '^template ' "$tmp/policies.txt" || fail "installed fragsim does not list template"
"$fragsim" list stacks | grep -q '^vanilla ' || fail "installed fragsim does not find stacks.ini"

step "copy the template out of the tree as mypolicy and build it"
mkdir "$tmp/mypolicy"
cd "$tmp/mypolicy"
sed 's/template/mypolicy/g' "$src/policies/template/template.c" >mypolicy.c
# shellcheck disable=SC2046  # pkg-config output is meant to split
$CC -std=c11 -Wall -Wextra -Werror -fvisibility=hidden -shared -fPIC -o mypolicy.so mypolicy.c \
  $("$PKG_CONFIG" --cflags --libs fragsim-policy)

step "check-policy"
"$fragsim" check-policy "$tmp/mypolicy/mypolicy.so"

step "a run with it stacked on vanilla"
"$fragsim" run -w churn -p "vanilla+$tmp/mypolicy/mypolicy.so" -q -o "$tmp/run" \
  --set machine.memory=128M --set sim.duration=1s --set mypolicy.min_order=1
# the policy's counters, as name=value
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) name[i] = $i }
         NR == 2 { for (i = 1; i <= NF; i++) if (name[i] ~ /^mypolicy\./) { print name[i] "=" $i; n++ } }
         END { exit n ? 0 : 1 }' "$tmp/run/summary.csv" || fail "summary.csv has no mypolicy.* column"

step "the same policy as a meson project (docs/writing-a-policy.md), installed into policydir"
mkdir "$tmp/mesonproj"
cp mypolicy.c "$tmp/mesonproj/"
cat >"$tmp/mesonproj/meson.build" <<'MESON'
project('mypolicy', 'c', default_options : ['c_std=c11', 'warning_level=3', 'werror=true'])
fragsim = dependency('fragsim-policy')
shared_module('mypolicy', 'mypolicy.c',
  name_prefix : '',
  dependencies : fragsim,
  gnu_symbol_visibility : 'hidden',
  install : true,
  install_dir : fragsim.get_variable(pkgconfig : 'policydir'))
MESON
if ! { "$MESON" setup "$tmp/mesonproj/build" "$tmp/mesonproj" && "$MESON" install -C "$tmp/mesonproj/build" --quiet; } \
  >"$tmp/mesonproj.log" 2>&1; then
  cat "$tmp/mesonproj.log"
  exit 1
fi
[ -f "$policydir/mypolicy.so" ] || fail "meson did not install mypolicy.so into $policydir"

step "found by name"
"$fragsim" run -w churn -p vanilla+mypolicy -q -o "$tmp/run-by-name" \
  --set machine.memory=64M --set sim.duration=100ms
grep -q 'mypolicy' "$tmp/run-by-name/run.ini" || fail "run.ini does not mention mypolicy"
echo "out-of-tree: ok"
