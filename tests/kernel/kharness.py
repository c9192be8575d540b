#!/usr/bin/env python3
"""fragsim's real-kernel harness: boot Debian's Linux 6.1 under qemu on a
scenario and keep what it reports.

It owns the initramfs (busybox, the static fskwl workload, /init), the qemu
command line in deterministic mode, the result cache and the kernel metrics
CSV.  Scenario files are read by scenario.py and run output by kdump.py; the
comparison with fragsim is not here.

Deterministic mode: TCG with -icount shift=0,sleep=off,align=off makes the
guest's clock advance one nanosecond per instruction, and the RTC is pinned
in virtual time, so the same kernel, initramfs, command line and memory size
give bit-identical output.  That is what lets a result be cached by the hash
of those inputs: an unchanged scenario never boots twice on one machine.

Commands (--help on each):
  run SCENARIO [--mem MB] [--seed N] [--trace]   one run, through the cache;
                                       --trace: with the compaction tracepoints
                                       (a separate initramfs and command line)
  matrix [SCENARIO...]                 every run of the scenarios, 2 VMs at a time
  cmdline SCENARIO [--seed N]          the kernel command line of a run
  initramfs                            build the initramfs, print its path and hash
  metrics DATA                         the metrics of one run's output
  table CSV                            a markdown table of a metrics CSV
Exit codes: 0 ok, 1 a run failed, 2 bad input, 77 qemu or kernel absent (skip).
"""

import argparse
import concurrent.futures
import csv
import glob
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import kdump  # noqa: E402
import scenario  # noqa: E402

CACHE_VERSION = "fragsim-kernel-cache-1"
EXIT_SKIP = 77

# Deterministic mode; part of the cache key.  The RTC date is arbitrary but
# fixed, so wall-clock reads in the guest do not depend on the host's.
ACCEL_ARGS = ["-accel", "tcg", "-icount", "shift=0,sleep=off,align=off",
              "-rtc", "base=2024-01-01T00:00:00,clock=vm"]
MACHINE_ARGS = ["-smp", "1", "-nodefaults", "-no-user-config", "-display", "none",
                "-no-reboot"]


class HarnessError(Exception):
    pass


class ToolsMissing(HarnessError):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- tools

def _version_key(path):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", os.path.basename(path))]


def find_kernel():
    """FRAGSIM_KERNEL_IMAGE, else the newest readable /boot/vmlinuz-6.1*"""
    env = os.environ.get("FRAGSIM_KERNEL_IMAGE")
    if env:
        if not os.access(env, os.R_OK):
            raise ToolsMissing(f"FRAGSIM_KERNEL_IMAGE={env}: not a readable file")
        return env
    images = sorted(glob.glob("/boot/vmlinuz-6.1*"), key=_version_key)
    if not images:
        raise ToolsMissing("no kernel image /boot/vmlinuz-6.1* "
                           "(apt-get install linux-image-amd64 on Debian 12)")
    if not os.access(images[-1], os.R_OK):
        raise ToolsMissing(f"{images[-1]} is not readable by this user")
    return images[-1]


def find_qemu():
    name = os.environ.get("FRAGSIM_QEMU") or "qemu-system-x86_64"
    qemu = shutil.which(name)
    if not qemu:
        raise ToolsMissing(f"{name} not found (apt-get install qemu-system-x86)")
    return qemu


def qemu_version(qemu):
    out = subprocess.run([qemu, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0].strip()


def _is_static_elf(path):
    """True when the ELF at path has no PT_INTERP (a static executable)"""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:
            return False
        phoff, = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    return all(struct.unpack_from("<I", table, i * phentsize)[0] != 3 for i in range(phnum))


def find_busybox():
    bb = os.environ.get("FRAGSIM_BUSYBOX") or "/bin/busybox"
    if not os.path.exists(bb):
        raise ToolsMissing(f"{bb} not found (apt-get install busybox-static)")
    if not _is_static_elf(bb):
        raise ToolsMissing(f"{bb} is dynamically linked; the guest needs busybox-static")
    return bb


# ---------------------------------------------------------------- initramfs

def _cpio_entry(name, mode, data=b"", ino=0, rdev=(0, 0), nlink=1):
    """one newc record: everything but name, mode and data fixed (uid, gid,
    mtime 0), as cpio --reproducible -R 0:0 writes on a tree touched at @0"""
    name_b = name.encode() + b"\0"
    hdr = "070701" + "".join(f"{v:08X}" for v in (
        ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0))
    out = hdr.encode() + name_b
    out += b"\0" * (-len(out) % 4)
    out += data + b"\0" * (-len(data) % 4)
    return out


def build_fskwl(workdir):
    """gcc -O2 -static -s: stripped, so neither the source path nor build ids
    of this checkout reach the initramfs bytes (and so the cache key)"""
    cc = os.environ.get("CC", "cc").split()
    out = os.path.join(workdir, "fskwl")
    cmd = cc + ["-std=gnu11", "-O2", "-static", "-s", "-Wall", "-Wextra", "-Werror",
                "-Wl,--build-id=none", "-o", f"{out}.{os.getpid()}.tmp", "fskwl.c"]
    r = subprocess.run(cmd, cwd=HERE, capture_output=True, text=True)
    if r.returncode:
        raise HarnessError("building fskwl failed:\n" + " ".join(cmd) + "\n" + r.stderr)
    os.replace(f"{out}.{os.getpid()}.tmp", out)
    return out


# --trace: the kernel's compaction tracepoints (and direct reclaim's, and the
# slow path's retry decisions: should_reclaim_retry, should_compact_retry), enabled
# from the command line so they record from boot; trace_clock=mono puts the
# trace on CLOCK_MONOTONIC, the clock of fskwl's t= values.  The ring buffer
# (8 MiB, one CPU) is overwritten oldest-first: the end of the run is kept.
TRACE_EVENTS = ("compaction:*", "vmscan:mm_vmscan_direct_reclaim_begin",
                "vmscan:mm_vmscan_direct_reclaim_end", "oom:reclaim_retry_zone",
                "oom:compact_retry")
TRACE_CMDLINE = (" trace_event=" + ",".join(TRACE_EVENTS)
                 + " trace_buf_size=8M trace_clock=mono")

# The traced /init: the normal one with fskwl's run wrapped so that a marker
# goes into the trace just before fskwl starts (its t=0), tracing stops when
# it ends, and the buffer is dumped between "=== TRACE" and "=== END TRACE"
# (after the ring buffer's stats) before the exit line.  Normal runs never see
# it: their initramfs, and so their cache keys, are unchanged.  A kprobe on
# compaction_alloc() (its compact_control's nr_freepages, offset 32 in 6.1)
# records each call that finds no isolated target, i.e. each call of
# isolate_freepages() and so of fast_isolate_freepages(), which has no
# tracepoint of its own.
_INIT_RUN = b'  /fskwl $args\n  echo "=== EXIT $?"\n'
_INIT_TRACE_RUN = b"""  T=/sys/kernel/tracing
  mount -t tracefs tracefs $T
  echo 'p:fsk/calloc compaction_alloc nr=+32(%si):u32' >> $T/kprobe_events
  echo 'nr==0' > $T/events/fsk/calloc/filter
  echo 1 > $T/events/fsk/calloc/enable
  echo "fskwl start" > $T/trace_marker
  /fskwl $args
  rc=$?
  echo 0 > $T/tracing_on
  echo "=== TRACE STATS"
  cat $T/per_cpu/cpu0/stats
  echo "=== TRACE"
  cat $T/trace
  echo "=== END TRACE"
  echo "=== EXIT $rc"
"""


def traced_init(init):
    if init.count(_INIT_RUN) != 1:
        raise HarnessError("tests/kernel/init: cannot find the fskwl run line to wrap for --trace")
    return init.replace(_INIT_RUN, _INIT_TRACE_RUN)


def build_initramfs(workdir, trace=False):
    """workdir/initramfs.cpio.gz, byte-reproducible: sorted names, mtime 0,
    uid/gid 0, inode numbers by position, gzip without name or time.  In
    deterministic mode even the initrd's size changes the guest's results,
    so the same inputs must give the same bytes.  trace: the variant with
    the traced /init, workdir/initramfs-trace.cpio.gz."""
    os.makedirs(workdir, exist_ok=True)
    fskwl = build_fskwl(workdir)
    with open(find_busybox(), "rb") as f:
        busybox = f.read()
    with open(fskwl, "rb") as f:
        fskwl_bytes = f.read()
    with open(os.path.join(HERE, "init"), "rb") as f:
        init = f.read()
    if trace:
        init = traced_init(init)
    d, x = 0o040755, 0o100755
    entries = {
        ".": (d, b"", (0, 0)),
        "bin": (d, b"", (0, 0)),
        "bin/busybox": (x, busybox, (0, 0)),
        "bin/sh": (0o120777, b"busybox", (0, 0)),
        "dev": (d, b"", (0, 0)),
        "dev/console": (0o020600, b"", (5, 1)),
        "fsk": (d, b"", (0, 0)),
        "fskwl": (x, fskwl_bytes, (0, 0)),
        "init": (x, init, (0, 0)),
        "proc": (d, b"", (0, 0)),
        "sys": (d, b"", (0, 0)),
    }
    archive = io.BytesIO()
    for ino, name in enumerate(sorted(entries), 1):
        mode, data, rdev = entries[name]
        archive.write(_cpio_entry(name, mode, data, ino=ino, rdev=rdev,
                                  nlink=2 if mode == d else 1))
    archive.write(_cpio_entry("TRAILER!!!", 0))
    raw = archive.getvalue()
    raw += b"\0" * (-len(raw) % 512)
    gz = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=gz, compresslevel=9, mtime=0) as g:
        g.write(raw)
    path = os.path.join(workdir, "initramfs-trace.cpio.gz" if trace else "initramfs.cpio.gz")
    # two harnesses sharing a workdir write the same bytes; each renames its own
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(gz.getvalue())
    os.replace(tmp, path)
    return path


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------- cache

def cache_root():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "fragsim", "kernel")


class Machine:
    """What every run shares: kernel, initramfs, qemu; resolved once."""

    def __init__(self, workdir, trace=False):
        self.kernel = find_kernel()
        self.qemu = find_qemu()
        self.qemu_version = qemu_version(self.qemu)
        self.initramfs = build_initramfs(workdir, trace)
        self.kernel_sha256 = sha256_file(self.kernel)
        self.initramfs_sha256 = sha256_file(self.initramfs)

    def key_inputs(self, cmdline, mem_mb):
        return {
            "version": CACHE_VERSION,
            "kernel_sha256": self.kernel_sha256,
            "initramfs_sha256": self.initramfs_sha256,
            "cmdline": cmdline,
            "memory_mb": mem_mb,
            "qemu_args": ACCEL_ARGS + MACHINE_ARGS,
            "qemu_version": self.qemu_version,
        }

    def cache_key(self, cmdline, mem_mb):
        blob = json.dumps(self.key_inputs(cmdline, mem_mb), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()


_live = set()
_live_lock = threading.Lock()


def kill_live_vms():
    with _live_lock:
        for p in list(_live):
            if p.poll() is None:
                p.kill()
                p.wait()


def _wait_rusage(p, deadline):
    """Wait for p like p.wait(), and also return its CPU seconds (user +
    system): on a shared machine wall time measures the neighbours too."""
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            return p.returncode, ru.ru_utime + ru.ru_stime
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(p.args, 0)
        time.sleep(0.1)


def boot(machine, cmdline, mem_mb, outdir, timeout_s):
    """One qemu run into outdir (console.txt, data.txt); returns wall and
    CPU seconds"""
    console = os.path.join(outdir, "console.raw")
    data = os.path.join(outdir, "data.raw")
    cmd = [machine.qemu] + ACCEL_ARGS + ["-m", str(mem_mb)] + MACHINE_ARGS + [
        "-serial", "file:" + console, "-serial", "file:" + data,
        "-kernel", machine.kernel, "-initrd", machine.initramfs, "-append", cmdline]
    t0 = time.monotonic()
    with open(os.path.join(outdir, "qemu.log"), "wb") as qlog:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qlog, stderr=subprocess.STDOUT)
        with _live_lock:
            _live.add(p)
        try:
            rc, cpu_s = _wait_rusage(p, t0 + timeout_s)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise HarnessError(f"qemu timed out after {timeout_s}s") from None
        finally:
            with _live_lock:
                _live.discard(p)
    wall = time.monotonic() - t0
    for raw, txt in ((console, "console.txt"), (data, "data.txt")):
        with open(raw, "rb") as f:
            text = f.read().replace(b"\r", b"")
        with open(os.path.join(outdir, txt), "wb") as f:
            f.write(text)
        os.unlink(raw)
    if rc != 0:
        raise HarnessError(f"qemu exited with {rc}; see {outdir}/qemu.log")
    return wall, cpu_s


def _tail(path, n=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def run_cached(machine, cmdline, mem_mb, timeout_s=900, use_cache=True, label=""):
    """The run's cache directory, booting only on a miss.  A finished run is
    written to a temporary directory beside the cache and renamed into place,
    so a reader never sees half a run and two writers never mix."""
    key = machine.cache_key(cmdline, mem_mb)
    root = cache_root()
    final = os.path.join(root, key)
    if use_cache and os.path.exists(os.path.join(final, "meta.json")):
        return final, False
    os.makedirs(root, exist_ok=True)
    prefix = (".tmp-" if use_cache else "nocache-") + key[:12] + "-"
    tmp = tempfile.mkdtemp(prefix=prefix, dir=root)
    try:
        wall, cpu_s = boot(machine, cmdline, mem_mb, tmp, timeout_s)
        with open(os.path.join(tmp, "data.txt"), errors="replace") as f:
            run = kdump.Run(f.read())
        if run.errors or not run.done or run.exit_code != 0:
            raise HarnessError(
                f"the workload did not finish (exit {run.exit_code}, "
                f"{'; '.join(run.errors) or 'no error line'})\n--- data.txt tail\n"
                + _tail(os.path.join(tmp, "data.txt"))
                + "--- console tail\n" + _tail(os.path.join(tmp, "console.txt")))
        meta = dict(machine.key_inputs(cmdline, mem_mb), key=key, label=label,
                    kernel=machine.kernel, uname=run.uname, wall_s=round(wall, 2),
                    cpu_s=round(cpu_s, 2),
                    guest_s=max((v or 0 for v in run.dump_times.values()), default=0))
        with open(os.path.join(tmp, "meta.json"), "w") as f:
            json.dump(meta, f, indent=1, sort_keys=True)
            f.write("\n")
    except HarnessError as e:
        # keep a failed run's output where it can be read, out of the cache
        failed = os.path.join(root, "failed-" + key[:12])
        shutil.rmtree(failed, ignore_errors=True)
        os.rename(tmp, failed)
        raise HarnessError(f"{label}: {e}\n(output kept in {failed})") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not use_cache:
        return tmp, True
    try:
        os.rename(tmp, final)
    except OSError:
        # another process cached the same run meanwhile: same bytes, keep theirs
        shutil.rmtree(tmp, ignore_errors=True)
    return final, True


# ---------------------------------------------------------------- metrics

COMPACTION_COUNTERS = ("compact_migrate_scanned", "compact_free_scanned", "compact_isolated",
                       "compact_stall", "compact_fail", "compact_success",
                       "compact_daemon_wake", "compact_daemon_migrate_scanned",
                       "compact_daemon_free_scanned", "pgmigrate_success", "pgmigrate_fail")
# pgsteal_anon/_file split the same pages again: sum by reclaimer only
PGSTEAL = ("pgsteal_kswapd", "pgsteal_direct", "pgsteal_khugepaged")
PGSCAN = ("pgscan_kswapd", "pgscan_direct", "pgscan_khugepaged")
STATE_TAGS = ("after_fill", "after_free", "after_refill", "after_settle")


def _counter_metrics(prefix, get):
    out = [(f"{prefix}.{c}", get(c)) for c in COMPACTION_COUNTERS]
    out.append((f"{prefix}.pgsteal", sum(get(c) for c in PGSTEAL)))
    out.append((f"{prefix}.pgscan", sum(get(c) for c in PGSCAN)))
    return out


def run_metrics(run):
    """[(metric, value)] of one run, in a fixed order.  Names are
    '<where>.<what>': a state dump (after_fill...), a phase (fill, refill,
    settle), a test pass (hugetlb1, compact1, thp1), or the whole run."""
    out = []
    boot = run.dumps["boot"]
    meminfo = kdump.parse_meminfo(boot[kdump.SECTION_MEMINFO])
    knobs = kdump.parse_knobs(boot.get(kdump.SECTION_KNOBS, ""))
    zi = kdump.parse_zoneinfo(boot[kdump.SECTION_ZONEINFO])
    out.append(("boot.memtotal_kb", meminfo["MemTotal"]))
    out.append(("boot.memfree_kb", meminfo["MemFree"]))
    if "/proc/sys/vm/min_free_kbytes" in knobs:
        out.append(("boot.min_free_kbytes", int(knobs["/proc/sys/vm/min_free_kbytes"])))
    for (_, zone), z in zi["zones"].items():
        if z["managed"]:
            out.append((f"boot.managed_pages.{zone}", z["managed"]))

    for tag in STATE_TAGS:
        if tag not in run.dumps:
            continue
        d = run.dumps[tag]
        pti = kdump.parse_pagetypeinfo(d[kdump.SECTION_PAGETYPEINFO])
        for mt, n in kdump.blocks_by_type(pti).items():
            out.append((f"{tag}.blocks_{mt.lower()}", n))
        buddy = kdump.parse_buddyinfo(d[kdump.SECTION_BUDDYINFO])
        out.append((f"{tag}.free_order9plus", kdump.free_order9plus(buddy, pti["pageblock_order"])))
        for (_, zone), idx in kdump.parse_index(d[kdump.SECTION_UNUSABLE]).items():
            out.append((f"{tag}.unusable_o9.{zone}", idx[pti["pageblock_order"]]))

    # fallback events of a phase: the histogram is cumulative since boot
    def hist(tag):
        return kdump.hist_totals(kdump.parse_extfrag_hist(run.dumps[tag][kdump.SECTION_HIST]))
    for phase, before, after in (("fill", "boot", "after_fill"),
                                 ("refill", "after_free", "after_refill")):
        if after not in run.dumps:
            continue
        a, b = hist(before), hist(after)
        for k in ("events", "steals", "alloc_unmovable", "alloc_movable", "alloc_reclaimable"):
            out.append((f"{phase}.extfrag_{k}", b.get(k, 0) - a.get(k, 0)))

    if "after_settle" in run.dumps:
        before = "after_refill" if "after_refill" in run.dumps else "after_free"
        v0 = kdump.parse_vmstat(run.dumps[before][kdump.SECTION_VMSTAT])
        v1 = kdump.parse_vmstat(run.dumps["after_settle"][kdump.SECTION_VMSTAT])
        out += _counter_metrics("settle", lambda c: v1.get(c, 0) - v0.get(c, 0))

    passes = {}
    for r in run.results:
        test = r.get("test")
        if not test:
            continue
        passes[test] = passes.get(test, 0) + 1
        where = f"{test}{passes[test]}"
        if test == "hugetlb":
            fields = ("requested", "got", "free_order9plus_before", "secs")
        elif test == "compact":
            fields = ("free_order9plus_before", "free_order9plus_after", "secs")
        else:
            fields = ("tries", "huge_pages", "base_pages", "free_order9plus_before", "secs")
            out.append((f"{where}.thp_fault_alloc", r.get("d_thp_fault_alloc", 0)))
            out.append((f"{where}.thp_fault_fallback", r.get("d_thp_fault_fallback", 0)))
        out += [(f"{where}.{f}", r[f]) for f in fields if f in r]
        out += _counter_metrics(where, lambda c: r.get("d_" + c, 0))

    v0 = kdump.parse_vmstat(boot[kdump.SECTION_VMSTAT])
    v1 = kdump.parse_vmstat(list(run.dumps.values())[-1][kdump.SECTION_VMSTAT])
    out += _counter_metrics("run", lambda c: v1.get(c, 0) - v0.get(c, 0))
    return out


def write_csv(path, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(("scenario", "mem_mb", "seed", "metric", "value"))
        w.writerows(rows)
    os.replace(tmp, path)


# Main metrics of the summary table: (column, metric)
TABLE_COLUMNS = (
    ("fill U/M/R blocks", ("after_fill.blocks_unmovable", "after_fill.blocks_movable",
                           "after_fill.blocks_reclaimable")),
    ("free o9+", ("after_free.free_order9plus",)),
    ("fill fallbacks/steals", ("fill.extfrag_events", "fill.extfrag_steals")),
    ("refill U blocks ; fallbacks", ("after_refill.blocks_unmovable", "refill.extfrag_events")),
    ("hugetlb got", ("hugetlb1.got", "hugetlb2.got")),
    ("compact o9+ after", ("compact1.free_order9plus_after",)),
    ("THP alloc/fallback", ("thp1.thp_fault_alloc", "thp1.thp_fault_fallback")),
    ("unusable o9 after free", ("after_free.unusable_o9.DMA32",)),
    ("stall", ("run.compact_stall",)),
    ("pgsteal", ("run.pgsteal",)),
)


def _fmt(values):
    if len(values) == 1:
        v = values[0]
        return f"{v:g}" if isinstance(v, float) else str(v)
    mean = statistics.mean(values)
    if any(isinstance(v, float) for v in values):
        return f"{min(values):.3f}/{mean:.3f}/{max(values):.3f}"
    return f"{min(values):g}/{mean:.1f}/{max(values):g}"


def table(rows):
    """markdown: one line per scenario and memory; several seeds give min/mean/max"""
    groups = {}
    for scn, mem, seed, metric, value in rows:
        g = groups.setdefault((scn, int(mem)), {})
        g.setdefault(metric, {})[seed] = float(value) if "." in str(value) else int(value)
    lines = ["| scenario | MB | seeds | " + " | ".join(c for c, _ in TABLE_COLUMNS) + " |",
             "|---|---|---|" + "---|" * len(TABLE_COLUMNS)]
    for (scn, mem), g in sorted(groups.items()):
        seeds = max((len(v) for v in g.values()), default=0)
        cells = []
        for _, metrics in TABLE_COLUMNS:
            present = [m for m in metrics if m in g]
            cells.append(" ; ".join(_fmt(list(g[m].values())) for m in present) or "")
        lines.append(f"| {scn} | {mem} | {seeds} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- commands

def _default_workdir():
    return os.path.join(cache_root(), "build")


def _scenario_arg(name):
    if os.path.sep in name or name.endswith(".ini"):
        return scenario.load(name)
    return scenario.load(os.path.join(HERE, "scenarios", name + ".ini"))


def cmd_run(args):
    scn = _scenario_arg(args.scenario)
    mem = args.mem or scn.memory_mb[0]
    seed = args.seed if args.seed is not None else scn.seeds[0]
    machine = Machine(args.workdir, args.trace)
    cmdline = scenario.kernel_cmdline(scn, seed)
    label = f"{scn.name} {mem}MB seed {seed}"
    if args.trace:
        cmdline += TRACE_CMDLINE
        label += " traced"
    path, booted = run_cached(machine, cmdline, mem, args.timeout, not args.no_cache, label)
    with open(os.path.join(path, "meta.json")) as f:
        meta = json.load(f)
    how = f"booted in {meta['wall_s']:.1f}s wall, {meta['cpu_s']:.1f}s CPU" if booted else "cached"
    log(f"{label}: {how}: {path}")
    with open(os.path.join(path, "data.txt")) as f:
        for line in f:
            if line.startswith(("RESULT", "SET", "WARN")):
                print(line, end="")
    if args.trace:
        print(f"trace: {os.path.join(path, 'data.txt')} (tests/kernel/ktrace.py reads it)")
    return 0


def cmd_matrix(args):
    try:
        machine = Machine(args.workdir)
    except ToolsMissing as e:
        if os.environ.get("FRAGSIM_KERNEL_REQUIRED"):
            log(f"kernel harness: {e} (FRAGSIM_KERNEL_REQUIRED is set: failing)")
            return 1
        log(f"kernel harness: SKIP: {e} (set FRAGSIM_KERNEL_REQUIRED=1 to fail instead)")
        return EXIT_SKIP
    if args.scenarios:
        scns = [_scenario_arg(s) for s in args.scenarios]
    else:
        scns = scenario.load_dir(os.path.join(HERE, "scenarios"))
    mems = set(args.mem) if args.mem else None
    jobs = [(scn, mem, seed) for scn in scns for mem, seed in scn.runs(mems)]
    log(f"kernel harness: {len(jobs)} runs, kernel {os.path.basename(machine.kernel)}, "
        f"initramfs {machine.initramfs_sha256[:12]}, cache {cache_root()}")
    t0 = time.monotonic()
    results, failures, booted_wall, booted_cpu = {}, [], [], []

    def one(job):
        scn, mem, seed = job
        label = f"{scn.name} {mem}MB seed {seed}"
        path, booted = run_cached(machine, scenario.kernel_cmdline(scn, seed), mem,
                                  args.timeout, True, label)
        if booted:
            with open(os.path.join(path, "meta.json")) as f:
                meta = json.load(f)
            booted_wall.append(meta["wall_s"])
            booted_cpu.append(meta["cpu_s"])
            log(f"  booted {label}: {meta['wall_s']:.1f}s wall, {meta['cpu_s']:.1f}s CPU")
        return path

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futs = {pool.submit(one, j): j for j in jobs}
        try:
            for fut in concurrent.futures.as_completed(futs):
                scn, mem, seed = futs[fut]
                try:
                    results[(scn.name, mem, seed)] = fut.result()
                except HarnessError as e:
                    failures.append(f"{scn.name} {mem}MB seed {seed}: {e}")
                    log(f"  FAILED {scn.name} {mem}MB seed {seed}: {e}")
        except BaseException:
            for f in futs:
                f.cancel()
            kill_live_vms()
            raise
    elapsed = time.monotonic() - t0
    log(f"kernel harness: {len(booted_wall)} booted ({sum(booted_wall):.0f}s of VM wall time, "
        f"{sum(booted_cpu):.0f}s of CPU), "
        f"{len(results) - len(booted_wall)} cached, {elapsed:.0f}s elapsed")

    rows = []
    for scn, mem, seed in jobs:
        path = results.get((scn.name, mem, seed))
        if path is None:
            continue
        with open(os.path.join(path, "data.txt")) as f:
            run = kdump.Run(f.read())
        rows += [(scn.name, mem, seed, m, v) for m, v in run_metrics(run)]
    if args.csv:
        write_csv(args.csv, rows)
        log(f"kernel harness: {len(rows)} metric rows in {args.csv}")
    if args.table:
        with open(args.table, "w") as f:
            f.write(table(rows))
    if failures:
        log("kernel harness: FAILED runs:\n  " + "\n  ".join(failures))
        return 1
    return 0


def cmd_cmdline(args):
    scn = _scenario_arg(args.scenario)
    print(scenario.kernel_cmdline(scn, args.seed if args.seed is not None else scn.seeds[0]))
    return 0


def cmd_initramfs(args):
    path = build_initramfs(args.workdir)
    print(path, sha256_file(path))
    return 0


def cmd_metrics(args):
    with open(args.data) as f:
        run = kdump.Run(f.read())
    for m, v in run_metrics(run):
        print(f"{m} {v}")
    return 0


def cmd_table(args):
    with open(args.csv, newline="") as f:
        rows = [tuple(r) for r in csv.reader(f)][1:]
    sys.stdout.write(table(rows))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", default=_default_workdir(),
                    help="where fskwl and the initramfs are built (default: %(default)s)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("run", help="one run through the cache")
    p.add_argument("scenario", help="a scenario name (tests/kernel/scenarios/NAME.ini) or path")
    p.add_argument("--mem", type=int, help="memory in MB (default: the scenario's first)")
    p.add_argument("--seed", type=int, help="seed (default: the scenario's first)")
    p.add_argument("--no-cache", action="store_true",
                   help="boot even if cached, keep the output out of the cache")
    p.add_argument("--timeout", type=int, default=900)
    p.add_argument("--trace", action="store_true",
                   help="enable the compaction tracepoints and dump the trace into the "
                        "output (its own initramfs, command line and cache entry)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("matrix", help="every run of the scenarios, through the cache")
    p.add_argument("scenarios", nargs="*", help="names or paths (default: all)")
    p.add_argument("--mem", type=int, action="append", help="only this memory size (repeatable)")
    p.add_argument("--jobs", type=int, default=2, help="VMs at a time (default 2)")
    p.add_argument("--csv", help="write the tidy metrics CSV here")
    p.add_argument("--table", help="write a markdown summary table here")
    p.add_argument("--timeout", type=int, default=900, help="per VM, seconds")
    p.set_defaults(func=cmd_matrix)
    p = sub.add_parser("cmdline", help="print a run's kernel command line")
    p.add_argument("scenario")
    p.add_argument("--seed", type=int)
    p.set_defaults(func=cmd_cmdline)
    p = sub.add_parser("initramfs", help="build the initramfs")
    p.set_defaults(func=cmd_initramfs)
    p = sub.add_parser("metrics", help="metrics of one run's data.txt")
    p.add_argument("data")
    p.set_defaults(func=cmd_metrics)
    p = sub.add_parser("table", help="markdown table of a metrics CSV")
    p.add_argument("csv")
    p.set_defaults(func=cmd_table)
    args = ap.parse_args(argv)

    # meson's test timeout sends SIGTERM: stop the VMs we started with us
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return args.func(args)
    except scenario.ScenarioError as e:
        log(f"error: {e}")
        return 2
    except ToolsMissing as e:
        log(f"error: {e}")
        return EXIT_SKIP
    except (HarnessError, kdump.ParseError) as e:
        log(f"error: {e}")
        return 1
    finally:
        kill_live_vms()


if __name__ == "__main__":
    sys.exit(main())
