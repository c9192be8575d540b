#!/usr/bin/env bash
# The mutation check: plants each bug of tests/mutation/mutants in a scratch
# copy of the tree, one at a time, and runs the tests listed for it.  A
# mutant some test fails on is KILLED; one every listed test passes on
# SURVIVED.  See docs/testing.md.
#
#   tests/mutation/run.sh [options] [ID...]
#     --list             list the mutants (id, mechanism, file) and exit
#     --source DIR       the tree to copy (default: this script's tree)
#     --scratch DIR      where to copy and build (default: a temporary directory,
#                        removed at exit); an existing build there is reused
#     --timeout SECONDS  per test command of a mutant (default 120; a mutant's
#                        own "timeout:" line wins)
#     --no-baseline      do not first run every listed test on the unmutated tree
#     --keep             keep the temporary scratch directory
#     --all              run every listed test of a mutant, not only up to the
#                        first that kills it, and name them all (to choose tests)
#   ID...                run only these mutants
#
# Exit status: 0 if every mutant run was killed; 1 if any survived, any
# snippet is stale (not found exactly once), any mutant did not build, or a
# listed test fails (or matches no test case) without a mutant.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
mutants_file=""
scratch=""
keep=false
baseline=true
default_timeout=120
list=false
all=false
only=()

while (($#)); do
  case "$1" in
    --list) list=true ;;
    --source) src=$(cd "$2" && pwd); shift ;;
    --scratch) scratch=$2; shift ;;
    --timeout) default_timeout=$2; shift ;;
    --no-baseline) baseline=false ;;
    --keep) keep=true ;;
    --all) all=true ;;
    --mutants) mutants_file=$2; shift ;;
    -h|--help) sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) only+=("$1") ;;
  esac
  shift
done
[ -n "$mutants_file" ] || mutants_file=$src/tests/mutation/mutants

# ---- parsing ------------------------------------------------------------------
# A mutant is a block:
#   mutant ID
#   mechanism: TEXT
#   file: PATH                      (relative to the source root)
#   test: NAME [-p /gtest/path]...  (one or more; NAME is tests/test-NAME)
#   timeout: SECONDS                (optional)
#   <<<<<<< original
#   ...exact lines...
#   =======
#   ...replacement lines...
#   >>>>>>> mutant
# Lines starting with # outside a snippet are comments.
ids=() mech=() file=() tests=() orig=() repl=() tmo=()
parse() {
  local line state=top n=-1 sep=$'\x1f'
  while IFS= read -r line || [ -n "$line" ]; do
    case $state in
      top)
        case "$line" in
          '#'*|'') ;;
          'mutant '*)
            n=$((n + 1)); ids[n]=${line#mutant }; mech[n]=""; file[n]=""; tests[n]=""
            orig[n]=""; repl[n]=""; tmo[n]=$default_timeout ;;
          'mechanism: '*) mech[n]=${line#mechanism: } ;;
          'file: '*) file[n]=${line#file: } ;;
          'test: '*) tests[n]+="${line#test: }$sep" ;;
          'timeout: '*) tmo[n]=${line#timeout: } ;;
          '<<<<<<< original') state=orig ;;
          *) echo "run.sh: $mutants_file: cannot read: $line" >&2; exit 2 ;;
        esac ;;
      orig)
        if [ "$line" = "=======" ]; then state=repl; else orig[n]+="$line"$'\n'; fi ;;
      repl)
        if [ "$line" = ">>>>>>> mutant" ]; then state=top; else repl[n]+="$line"$'\n'; fi ;;
    esac
  done < "$mutants_file"
  [ $state = top ] || { echo "run.sh: $mutants_file: unterminated snippet in ${ids[n]}" >&2; exit 2; }
  local i
  for i in "${!ids[@]}"; do
    if [ -z "${file[i]}" ] || [ -z "${tests[i]}" ] || [ -z "${orig[i]}" ] || [ -z "${mech[i]}" ]; then
      echo "run.sh: mutant ${ids[i]}: needs mechanism, file, test and a snippet" >&2
      exit 2
    fi
  done
}
parse

if $list; then
  for i in "${!ids[@]}"; do printf '%-28s %-48s %s\n' "${ids[i]}" "${file[i]}" "${mech[i]}"; done
  exit 0
fi

sel=()
if ((${#only[@]})); then
  for want in "${only[@]}"; do
    found=false
    for i in "${!ids[@]}"; do [ "${ids[i]}" = "$want" ] && { sel+=("$i"); found=true; }; done
    $found || { echo "run.sh: no mutant $want (see --list)" >&2; exit 2; }
  done
else
  sel=("${!ids[@]}")
fi

# ---- the scratch tree and its build -------------------------------------------------
if [ -z "$scratch" ]; then
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-mutation.XXXXXX")
  $keep || trap 'rm -rf "$scratch"' EXIT
fi
S=$scratch/src
B=$scratch/build
mkdir -p "$S"
echo "mutation: copying $src to $S"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # tracked files as they are in the working tree (uncommitted edits included)
  (cd "$src" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -p -t "$S") ||
    { echo "run.sh: copying the tracked files failed" >&2; exit 2; }
else
  (cd "$src" && tar --exclude='./build*' --exclude=./.git -cf - .) | (cd "$S" && tar -xf -)
fi
# the copies keep their mtimes, so a reused build only rebuilds what changed
t0=$SECONDS
if [ ! -f "$B/build.ninja" ]; then
  meson setup "$B" "$S" >"$scratch/setup.log" 2>&1 || { cat "$scratch/setup.log" >&2; exit 2; }
fi
echo "mutation: building the unmutated tree"
ninja -C "$B" >"$scratch/build.log" 2>&1 || { tail -40 "$scratch/build.log" >&2; echo "run.sh: the unmutated tree does not build" >&2; exit 2; }
echo "mutation: built in $((SECONDS - t0)) s"

export FRAGSIM_POLICY_PATH=$B/policies FRAGSIM_DATA_PATH=$S/data FRAGSIM_WORKLOAD_PATH=$S/workloads \
  FRAGSIM_FIXTURE_DIR=$B/tests/fixtures FRAGSIM_BIN=$B/engine/fragsim FRAGSIM_SOURCE_ROOT=$S \
  G_DEBUG=fatal-criticals

# run_test "NAME [-p PATH]..." TIMEOUT LOG -> 0 passed, 1 failed, 2 no test case ran, 124 timed out
run_test() {
  local words name
  read -r -a words <<<"$1"
  name=${words[0]}
  local exe=$B/tests/test-$name
  [ -x "$exe" ] || { echo "no test program tests/test-$name" >"$3"; return 1; }
  # braces with stderr closed: no "Aborted" notice from bash when a test aborts
  { timeout --kill-after=5 "$2" "$exe" --tap "${words[@]:1}" >"$3" 2>&1; } 2>/dev/null
  local rc=$?
  ((rc == 124 || rc == 137)) && return 124
  ((rc != 0)) && return 1
  grep -q '^not ok' "$3" && return 1
  grep -q '^ok ' "$3" || return 2
  return 0
}

failures=0
# ---- baseline: every listed test passes, and runs something, without a mutant ----------
if $baseline; then
  declare -A seen=()
  echo "mutation: baseline (every listed test on the unmutated tree)"
  for i in "${sel[@]}"; do
    IFS=$'\x1f' read -r -a tl <<<"${tests[i]}"
    for t in "${tl[@]}"; do
      [ -n "$t" ] && [ -z "${seen[$t]:-}" ] || continue
      seen[$t]=1
      run_test "$t" "${tmo[i]}" "$scratch/baseline.log"
      case $? in
        0) ;;
        2) echo "BASELINE-EMPTY  $t: matches no test case (stale -p path?)"; failures=$((failures + 1)) ;;
        124) echo "BASELINE-TIMEOUT $t"; failures=$((failures + 1)) ;;
        *) echo "BASELINE-FAIL   $t fails without a mutant:"; grep -E '^(not ok|Bail|\*\*)' "$scratch/baseline.log" | head -5
           failures=$((failures + 1)) ;;
      esac
    done
  done
  ((failures)) && { echo "run.sh: $failures listed test(s) unusable; no mutant run"; echo "0 passed, $failures failed"; exit 1; }
fi

# ---- the mutants -----------------------------------------------------------------------
passed=0
for i in "${sel[@]}"; do
  id=${ids[i]} f=$S/${file[i]}
  tm=$SECONDS
  if [ ! -f "$f" ]; then
    echo "STALE     $id: no file ${file[i]}"; failures=$((failures + 1)); continue
  fi
  content=$(cat "$f"; printf x); content=${content%x}
  o=${orig[i]} r=${repl[i]}
  rest=${content//"$o"/}
  n=$(((${#content} - ${#rest}) / ${#o}))
  if ((n != 1)); then
    echo "STALE     $id: the original snippet occurs $n times in ${file[i]} (must be exactly once)"
    failures=$((failures + 1)); continue
  fi
  cp -p "$f" "$scratch/pristine"
  printf '%s' "${content/"$o"/"$r"}" >"$f"
  verdict=""
  if ! ninja -C "$B" >"$scratch/mutant-build.log" 2>&1; then
    verdict="NOBUILD   $id: the mutated tree does not build (fix the replacement):"
    tail -5 "$scratch/mutant-build.log"
  else
    IFS=$'\x1f' read -r -a tl <<<"${tests[i]}"
    for t in "${tl[@]}"; do
      [ -n "$t" ] || continue
      run_test "$t" "${tmo[i]}" "$scratch/mutant.log"
      rc=$?
      why=""
      if ((rc == 1)); then
        why=$(grep '^not ok' "$scratch/mutant.log" | sed 's/^not ok [0-9]* //' | tr '\n' ' ')
        [ -n "$why" ] || why=$(grep -m1 -o 'ERROR:.*' "$scratch/mutant.log" | sed 's/^ERROR:[^:]*:[0-9]*://')
        why="${why:-exit status non-zero}"
      elif ((rc == 124)); then
        why="timed out after ${tmo[i]} s"
      elif ((rc == 2)); then
        why="no test case ran: crashed?"
      fi
      [ -n "$why" ] || continue
      if [ -z "$verdict" ]; then verdict="KILLED    $id by $t (${why% })"; else verdict+="; also $t (${why% })"; fi
      $all || break
    done
    [ -n "$verdict" ] || verdict="SURVIVED  $id: ${mech[i]} (${file[i]}); every listed test passed"
  fi
  # restore, newer than the build so the next ninja recompiles it
  cp "$scratch/pristine" "$f"
  touch "$f"
  echo "$verdict [$((SECONDS - tm)) s]"
  if [[ $verdict == KILLED* ]]; then passed=$((passed + 1)); else failures=$((failures + 1)); fi
done
# leave the scratch build unmutated for a reuse with --scratch
ninja -C "$B" >/dev/null 2>&1 || true
echo "mutation: $((SECONDS - t0)) s in all"
echo "$passed passed, $failures failed"
((failures == 0))
