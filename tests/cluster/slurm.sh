#!/usr/bin/env bash
# The cluster suite: the Slurm recipe of docs/comparing.md, run verbatim on a
# real single-node Slurm, must give the same result files as a local
# `fragsim compare`.
#
# It installs Debian's slurmctld, slurmd and munge if they are missing (as
# root; otherwise it fails saying what to install), starts a private munged,
# slurmctld and slurmd for this host on free ports with all their state in a
# temporary directory, and stops them at exit.  Daemons left behind by an
# earlier run that was killed before its trap are stopped first (by the pid
# files in their directories).  If Slurm cannot start, it fails and prints
# the daemons' logs: a test that did not run proved nothing, so it never
# skips.
#
# The recipe's code blocks are taken from the "### Slurm" section of
# docs/comparing.md, so the test fails when the documentation drifts from
# what works: the sbatch file, the submit block and the resubmission block
# are run as written, under bash, from a fresh working directory.  Only the
# ARGS file is replaced by a small comparison into the temporary directory.
#
# usage: slurm.sh SOURCE_DIR   (meson passes it, with FRAGSIM_BIN and the
# FRAGSIM_*_PATH variables of the uninstalled build).  Speaks TAP.
set -uo pipefail

src=${1:?usage: slurm.sh SOURCE_DIR}
: "${FRAGSIM_BIN:?FRAGSIM_BIN must name the fragsim binary}"
doc=$src/docs/comparing.md
TIMEOUT=${FRAGSIM_CLUSTER_TIMEOUT:-240}   # seconds for each wait on Slurm

ntests=9
n=0
echo "1..$ntests"
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; }
diag() { sed 's/^/# /'; }
# A failure ends the test: the later cases depend on the earlier ones.
bail() {
  not_ok "$1"
  [ -n "${2:-}" ] && printf '%s\n' "$2" | diag
  dump_logs
  while [ "$n" -lt "$ntests" ]; do not_ok "not reached"; done
  exit 1
}

# --- 1. packages -----------------------------------------------------------
pkgs=(slurmctld slurmd slurm-client munge)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
dump_logs() { :; }
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    bail "Slurm is installed" "missing ${missing[*]}: run as root, or apt-get install ${missing[*]}"
  fi
  echo "# installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get -o DPkg::Lock::Timeout=600 update -qq &&
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"; } \
    >/tmp/fragsim-cluster-apt.log 2>&1 ||
    bail "Slurm is installed" "$(tail -n 20 /tmp/fragsim-cluster-apt.log)"
fi
[ "$(id -u)" -eq 0 ] || bail "Slurm is installed" "slurmd must run as root to start jobs"
ok "Slurm and munge are installed ($(dpkg-query -W -f='${Version}' slurmctld))"

# --- 2. a private single-node Slurm ----------------------------------------
# Stop what an earlier, killed run left behind.  Only our own daemons: each
# pid file lives in a directory this script made.
for old in /tmp/fragsim-cluster.*/; do
  for pf in "$old"run/*.pid; do
    [ -f "$pf" ] || continue
    pid=$(cat "$pf" 2>/dev/null) || continue
    case $(cat "/proc/$pid/comm" 2>/dev/null) in
      munged | slurmctld | slurmd)
        echo "# stopping $(cat "/proc/$pid/comm") $pid left by $old"
        kill "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null ;;
    esac
  done
  rm -rf "$old"
done

tmp=$(mktemp -d /tmp/fragsim-cluster.XXXXXX)
mkdir -p "$tmp"/{run,log,state,spool,munge,home,work,bin}
chmod 755 "$tmp/munge"   # munged wants its socket directory searchable by all
pids=()
cleanup() {
  local p
  # jobs still queued or running (a failed wait): slurmd stops their steps
  if [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ]; then
    local jobs
    mapfile -t jobs < <(squeue -h -o %i 2>/dev/null)
    ((${#jobs[@]})) && scancel --full --quiet "${jobs[@]}" 2>/dev/null && sleep 2
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  [ -n "${FRAGSIM_CLUSTER_KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
dump_logs() {
  local f
  for f in "$tmp"/log/* "$tmp"/work/logs/*; do
    [ -f "$f" ] || continue
    echo "# ---- $f"
    tail -n 40 "$f" | diag
  done
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
host=$(hostname -s)
ctlport=$(free_port)
dport=$(free_port)
while [ "$dport" = "$ctlport" ]; do dport=$(free_port); done

mungekey --create --keyfile="$tmp/munge/munge.key" 2>"$tmp/log/mungekey.log" ||
  create-munge-key -f -k "$tmp/munge/munge.key" >>"$tmp/log/mungekey.log" 2>&1 ||
  bail "munged starts" "$(cat "$tmp/log/mungekey.log")"
chmod 400 "$tmp/munge/munge.key"
sock=$tmp/munge/munge.socket
munged --foreground --force --key-file="$tmp/munge/munge.key" --socket="$sock" \
  --pid-file="$tmp/run/munged.pid" --log-file="$tmp/log/munged.log" \
  --seed-file="$tmp/munge/munged.seed" >>"$tmp/log/munged.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
munge -S "$sock" -n | unmunge -S "$sock" >/dev/null 2>&1 ||
  bail "munged starts" "munge/unmunge through $sock failed"
ok "munged runs on $sock"

# Every daemon and client reads this file through SLURM_CONF.  No cgroups
# (proctrack/linuxproc, task/none): it must work in a container.  The node
# claims 2 CPUs and 16 GiB whatever the machine has (config_overrides), so
# the recipe's --mem=8G is accepted anywhere; jobs run as root.
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=fragsim-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctlport
SlurmdPort=$dport
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=1
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=10
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=16384 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -D -c -f "$SLURM_CONF" >>"$tmp/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >>"$tmp/log/slurmd.out" 2>&1 &
pids+=($!)
up=
for _ in $(seq $((TIMEOUT * 2))); do
  state=$(sinfo -h -n "$host" -o '%t' 2>/dev/null)
  case $state in idle) up=1; break ;; esac
  sleep 0.5
done
[ -n "$up" ] || bail "Slurm starts" "node $host is '${state:-no answer}' after ${TIMEOUT}s; sinfo says: $(sinfo 2>&1)"
ok "slurmctld and slurmd run (ports $ctlport, $dport; node $host idle)"

# --- 3. the recipe, from the documentation ----------------------------------
# The fenced ```bash blocks of the Slurm section, in order: the sbatch file,
# the ARGS file, the submit commands, the resubmission commands.
mkdir -p "$tmp/doc"
awk -v dir="$tmp/doc" '
  /^##/ { in_slurm = ($0 == "### Slurm") }
  in_slurm && /^```bash$/ { k++; file = dir "/block" k; inblock = 1; printf "" > file; next }
  inblock && /^```$/ { inblock = 0; close(file); next }
  inblock { print > file }
' "$doc"
blocks=$(ls "$tmp"/doc/block* 2>/dev/null | wc -l)
[ "$blocks" -eq 4 ] || bail "the Slurm recipe is in docs/comparing.md" "expected 4 bash blocks in its ### Slurm section, found $blocks"
grep -q '^#SBATCH' "$tmp/doc/block1" && grep -q -- '--run' "$tmp/doc/block1" ||
  bail "the Slurm recipe is in docs/comparing.md" "block 1 is not the sbatch file"
grep -q '^ARGS=(' "$tmp/doc/block2" || bail "the Slurm recipe is in docs/comparing.md" "block 2 is not the ARGS file"
grep -q 'sbatch' "$tmp/doc/block3" && grep -q -- '--collect' "$tmp/doc/block3" ||
  bail "the Slurm recipe is in docs/comparing.md" "block 3 does not submit the array and the collection"
grep -q -- 'todo' "$tmp/doc/block4" || bail "the Slurm recipe is in docs/comparing.md" "block 4 is not the resubmission"
# The documented ARGS file must at least be valid bash defining ARGS with -o.
( source "$tmp/doc/block2" && [[ " ${ARGS[*]} " == *" -o "* ]] ) ||
  bail "the Slurm recipe is in docs/comparing.md" "block 2 does not define ARGS with -o"
ok "the recipe's 4 blocks are in docs/comparing.md's Slurm section"

# fragsim on PATH: the uninstalled build, with the FRAGSIM_*_PATH variables
# meson set (sbatch passes the environment on to the jobs).
cat >"$tmp/bin/fragsim" <<EOF
#!/bin/sh
exec "$FRAGSIM_BIN" "\$@"
EOF
chmod +x "$tmp/bin/fragsim"
export PATH=$tmp/bin:$PATH
export HOME=$tmp/home
cd "$tmp/work" || bail "cd $tmp/work"

# The only substitution: the ARGS file names a small comparison (2 stacks x
# 2 seeds of 2 s on 128 MiB) into the temporary directory instead of the
# documented 16 GiB, 600 s one on /shared.  Everything else is verbatim.
small=(-w churn -p vanilla -p linux-6.1 -r 2 --set machine.memory=128M --set sim.duration=2s)
printf 'ARGS=(%s\n      -o %q)\n' "${small[*]}" "$tmp/cluster" >"$HOME/fragsim-compare.args"
cp "$tmp/doc/block1" fragsim-compare.sbatch
cp "$tmp/doc/block3" submit.sh
cp "$tmp/doc/block4" resubmit.sh

wait_jobs() { # until squeue lists no job of ours
  local _
  for _ in $(seq $((TIMEOUT * 2))); do
    [ -z "$(squeue -h -o %i 2>/dev/null)" ] && squeue >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  squeue -o '%i %j %T %r' 2>&1 | diag
  return 1
}

t0=$SECONDS
bash submit.sh >"$tmp/log/submit.out" 2>&1 ||
  bail "the submit block runs" "$(cat "$tmp/log/submit.out")"
wait_jobs || bail "the array and the collection finish" "jobs still queued after ${TIMEOUT}s"
[ -f "$tmp/cluster/compare.csv" ] ||
  bail "the array and the collection finish" "no compare.csv in $tmp/cluster"
ok "the job array and the dependent collection wrote compare.csv ($((SECONDS - t0)) s)"

# A failed task: remove one run, as a crash or a timeout would have left it.
runs=$(fragsim compare "${small[@]}" -o "$tmp/cluster" --list-runs)
victim=$(printf '%s\n' "$runs" | awk -F'\t' '$1 == 2 {print $5}')
[ -d "$victim" ] || bail "run 2 is listed" "$runs"
rm -rf "$victim" "$tmp/cluster/compare.csv" "$tmp/cluster/runs.csv" "$tmp/cluster/table.md"
todo=$(fragsim compare "${small[@]}" -o "$tmp/cluster" --list-runs | awk -F'\t' '$6 == "todo" {print $1}')
[ "$todo" = 2 ] || bail "the removed run is todo" "todo: $todo"
ok "a removed run is listed as todo"

t0=$SECONDS
bash resubmit.sh >"$tmp/log/resubmit.out" 2>&1 ||
  bail "the resubmission block runs" "$(cat "$tmp/log/resubmit.out")"
wait_jobs || bail "the resubmitted run finishes" "jobs still queued after ${TIMEOUT}s"
todo=$(fragsim compare "${small[@]}" -o "$tmp/cluster" --list-runs | awk -F'\t' '$6 == "todo" {print $1}')
[ -z "$todo" ] || bail "the resubmitted run finishes" "still todo: $todo"
[ -f "$tmp/cluster/compare.csv" ] ||
  bail "the resubmission collects again" "no compare.csv in $tmp/cluster after the resubmission"
ok "the resubmission redid run 2 and collected again ($((SECONDS - t0)) s)"

# --- 4. the same comparison, locally ----------------------------------------
fragsim compare "${small[@]}" -o "$tmp/local" -q >"$tmp/log/local.out" 2>&1 ||
  bail "a local compare runs" "$(cat "$tmp/log/local.out")"
ok "a local compare of the same ARGS"

diffs=
for f in compare.csv runs.csv table.md; do
  if [ -f "$tmp/local/$f" ] || [ -f "$tmp/cluster/$f" ]; then
    cmp "$tmp/local/$f" "$tmp/cluster/$f" >/dev/null 2>&1 || diffs+="$f "
  fi
done
[ -z "$diffs" ] || bail "Slurm and local results are byte-identical" "differ: $diffs
$(diff "$tmp/local/compare.csv" "$tmp/cluster/compare.csv" | head -n 20)"
ok "compare.csv, runs.csv and table.md from Slurm are byte-identical to the local compare"
