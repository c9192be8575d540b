#!/usr/bin/env python3
"""Direct compaction in the kernel's trace and in fragsim's, side by side.

  ktrace.py KERNEL_DATA [FRAGSIM_STDERR] [--pass hugetlb1] [--runs]

KERNEL_DATA is the data.txt of a traced kernel run (kharness.py run SCENARIO
--trace prints its path); FRAGSIM_STDERR the stderr of a fragsim run with
--set compaction.trace=true --set kcompactd.trace=true (compare.py run
--keep DIR --set compaction.trace=true --set kcompactd.trace=true keeps it
as DIR/SCENARIO-MEM-sSEED/stderr.txt).

Only the chosen test pass is counted: in the kernel's trace the window from
fskwl's dump before the pass to the dump after the pass's own, or the end
of the trace (fskwl's t= values on the trace's clock, through the "fskwl
start" marker written just before fskwl starts); in fragsim's, the
direct compactions of the pass's order (9 for hugetlb) and the kcompactd runs
between its first and last.  Printed: compaction runs by (who, mode,
status); scanned and migrated per run (min/median/max, sum); the
try_to_compact_pages attempts by (priority, result, counted as
compact_success or compact_fail), and how the last allocation ended (its
attempts in order).  The kernel's free-scanned sum here counts only what
isolate_freepages_block() traced: fast_isolate_freepages() scans free lists
without a trace event, so vmstat's compact_free_scanned is larger; its
share is derived from the pass's vmstat (kernel_fast_search()).
"""

import argparse
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import kdump  # noqa: E402

LINE = re.compile(r"^\s*(.+?)-(\d+)\s+\[\d+\]\s+\S+\s+([\d.]+): (\w+): (.*)$")
KV = re.compile(r"(\w+)=(\(?[^ ,]+)")
PRIO = {"0": "sync_full", "1": "sync_light", "2": "async"}


class Run:
    """one compact_zone() call"""

    def __init__(self, who, mode, order):
        self.who, self.mode, self.order = who, mode, order
        self.status = "(unfinished)"
        self.migrate_scanned = self.free_scanned = self.migrated = self.failed = 0
        self.migrate_taken = self.free_taken = 0
        # fast_isolate_freepages()'s share of free_scanned and of the free
        # pages isolated (fragsim traces it; the kernel's is derived, below)
        self.fast_scanned = self.fast_isolated = self.fast_hits = None
        self.fast_calls = 0     # kernel: kprobe on compaction_alloc with no target left
        self.start = self.end = None


class Attempt:
    """one try_to_compact_pages()"""

    def __init__(self, order, prio):
        self.order, self.prio = order, prio
        self.runs = []
        self.deferred = 0
        self.defer_resets = 0
        self.counted = None   # success | fail | none (all zones skipped)

    def result(self):
        order = ("skipped", "deferred", "no_suitable_page", "continue", "complete",
                 "partial_skipped", "contended", "success")
        st = ["deferred"] * bool(self.deferred) + [r.status for r in self.runs if r.status != "(unfinished)"]
        return max(st, key=order.index) if st else "skipped"

    def label(self):
        return f"{self.prio}:{self.result()}:{self.counted}"


def kernel_trace(path, pass_tag):
    with open(path, errors="replace") as f:
        text = f.read()
    if "=== TRACE\n" not in text:
        raise SystemExit(f"{path}: no '=== TRACE' section (boot with kharness.py run --trace)")
    run = kdump.Run(text)
    tags = list(run.dump_times)
    if pass_tag not in tags:
        raise SystemExit(f"{path}: no dump '{pass_tag}' (dumps: {', '.join(tags)})")
    i = tags.index(pass_tag)
    # fskwl's clock starts a little after the marker (its exec), so the
    # window runs to the dump after the pass's own (or the trace's end)
    t_lo = run.dump_times[tags[i - 1]]
    t_hi = run.dump_times[tags[i + 1]] if i + 1 < len(tags) else float("inf")
    trace = text.split("=== TRACE\n", 1)[1].split("=== END TRACE", 1)[0]
    events = []
    t0 = None
    for line in trace.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        comm, pid, ts, ev, rest = m.groups()
        ts = float(ts)
        if ev == "tracing_mark_write" and "fskwl start" in rest:
            t0 = ts
        events.append((comm, int(pid), ts, ev, dict(KV.findall(rest)), rest))
    if t0 is None:
        raise SystemExit(f"{path}: no 'fskwl start' marker in the trace")
    lo, hi = t0 + t_lo, t0 + t_hi
    attempts, runs, open_run, cur = [], [], {}, {}
    for comm, pid, ts, ev, kv, rest in events:
        if not lo <= ts <= hi:
            continue
        kc = comm.startswith("kcompactd")
        if ev == "mm_compaction_try_to_compact_pages":
            cur[pid] = Attempt(int(kv["order"]), PRIO.get(kv["priority"], kv["priority"]))
            attempts.append(cur[pid])
        elif ev == "mm_compaction_deferred" and pid in cur:
            cur[pid].deferred += 1
        elif ev == "mm_compaction_defer_reset" and pid in cur:
            cur[pid].defer_resets += 1
        elif ev == "mm_compaction_begin":
            r = Run("kcompactd" if kc else "direct", kv["mode"], None)
            r.start = (kv["migrate_pfn"], kv["free_pfn"])
            open_run[pid] = r
            runs.append(r)
            if not kc and pid in cur:
                cur[pid].runs.append(r)
        elif ev == "mm_compaction_end" and pid in open_run:
            r = open_run.pop(pid)
            r.status = kv["status"]
            r.end = (kv["migrate_pfn"], kv["free_pfn"])
        elif ev == "mm_compaction_isolate_migratepages" and pid in open_run:
            open_run[pid].migrate_scanned += int(kv["nr_scanned"])
            open_run[pid].migrate_taken += int(kv.get("nr_taken", 0))
        elif ev == "mm_compaction_isolate_freepages" and pid in open_run:
            open_run[pid].free_scanned += int(kv["nr_scanned"])
            open_run[pid].free_taken += int(kv.get("nr_taken", 0))
        elif ev == "calloc" and pid in open_run:
            open_run[pid].fast_calls += 1
        elif ev == "mm_compaction_migratepages" and pid in open_run:
            open_run[pid].migrated += int(kv["nr_migrated"])
            open_run[pid].failed += int(kv["nr_failed"])
    for a in attempts:
        # __alloc_pages_direct_compact() resets the deferral once more when it
        # got the page; try_to_compact_pages() already did for a SUCCESS zone
        ran = a.runs or a.deferred
        want = 1 + any(r.status == "success" for r in a.runs)
        a.counted = ("success" if a.defer_resets >= want else "fail") if ran else "none"
    return attempts, runs, (lo, hi)


def kernel_fast_search(path, pass_tag, runs):
    """fast_isolate_freepages() has no trace event: its share is what vmstat
    counted over the pass (the dump before it to the pass's own) less what
    the traced scanners did.  compact_isolated counts the pages both
    scanners isolate, so the fast search isolated compact_isolated less the
    traced nr_taken of both; it scanned compact_free_scanned less the traced
    free nr_scanned.  Its scanned count is one per free-list entry looked at
    plus 2^order - 1 for each block taken, so scanned - isolated is the
    entries looked at less the blocks taken.  Returns (scanned, isolated)
    or None when the dumps lack /proc/vmstat."""
    with open(path, errors="replace") as f:
        run = kdump.Run(f.read())
    tags = list(run.dump_times)
    i = tags.index(pass_tag)
    try:
        a = kdump.parse_vmstat(run.section(tags[i - 1], kdump.SECTION_VMSTAT))
        b = kdump.parse_vmstat(run.section(pass_tag, kdump.SECTION_VMSTAT))
    except KeyError:
        return None
    scanned = b["compact_free_scanned"] - a["compact_free_scanned"] - sum(r.free_scanned for r in runs)
    isolated = (b["compact_isolated"] - a["compact_isolated"]
                - sum(r.free_taken + r.migrate_taken for r in runs))
    return scanned, isolated


def fragsim_trace(path, order):
    attempts, runs, pending, deferred = [], [], [], 0
    times = []
    with open(path, errors="replace") as f:
        for line in f:
            if not line.startswith("trace: "):
                continue
            parts = line.split()
            t, ev = int(parts[1][2:]), parts[2]
            kv = dict(p.split("=", 1) for p in parts[3:] if "=" in p)
            if ev == "compact_zone":
                if kv["status"] in ("skipped", "not_suitable_zone"):
                    continue
                r = Run(kv["who"], "sync" if kv["mode"] == "sync_light" else kv["mode"], int(kv["order"]))
                r.status = kv["status"]
                r.migrate_scanned, r.free_scanned = int(kv["migrate_scanned"]), int(kv["free_scanned"])
                r.migrated, r.failed = int(kv["migrated"]), int(kv["failed"])
                if "fast_scanned" in kv:
                    r.fast_scanned, r.fast_isolated = int(kv["fast_scanned"]), int(kv["fast_isolated"])
                    r.fast_hits = int(kv["fast_hits"])
                    r.fast_calls = int(kv.get("fast_calls", 0))
                r.start = tuple(x.split("->")[0] for x in (kv["migrate_pfn"], kv["free_pfn"]))
                r.end = tuple(x.split("->")[1] for x in (kv["migrate_pfn"], kv["free_pfn"]))
                r.t = t
                runs.append(r)
                if r.who == "direct":
                    pending.append(r)
            elif ev == "deferred" and kv.get("who") == "direct":
                deferred += 1
            elif ev == "try_to_compact_pages":
                a = Attempt(int(kv["order"]), kv["prio"])
                a.runs, a.deferred, a.counted = pending, deferred, kv["counted"]
                a.t = t
                pending, deferred = [], 0
                attempts.append(a)
    attempts = [a for a in attempts if a.order == order]
    if not attempts:
        raise SystemExit(f"{path}: no try_to_compact_pages of order {order} "
                         "(run fragsim with --set compaction.trace=true)")
    lo, hi = attempts[0].t, attempts[-1].t
    keep = {id(r) for a in attempts for r in a.runs}
    runs = [r for r in runs if id(r) in keep or (r.who != "direct" and lo <= r.t <= hi)]
    return attempts, runs, (lo, hi)


def dist(vals):
    if not vals:
        return "-"
    return f"{min(vals)}/{statistics.median(vals):g}/{max(vals)} sum {sum(vals)}"


def allocations(attempts):
    """attempts grouped into allocations: each ends at its compact_success"""
    out, cur = [], []
    for a in attempts:
        cur.append(a)
        if a.counted == "success":
            out.append(cur)
            cur = []
    return out, cur


def summary(attempts, runs, fast=None):
    """fast: the kernel's (scanned, isolated) of fast_isolate_freepages()
    over the pass, which its trace cannot split by run"""
    lines = {}
    by = {}
    for r in runs:
        by.setdefault((r.who, r.mode, r.status), []).append(r)
    for k, rs in sorted(by.items()):
        lines[f"runs {k[0]} {k[1]} {k[2]}"] = str(len(rs))
    for who in ("direct", "kcompactd"):
        rs = [r for r in runs if r.who == who]
        if not rs:
            continue
        lines[f"{who} migrate_scanned/run"] = dist([r.migrate_scanned for r in rs])
        lines[f"{who} free_scanned/run"] = dist([r.free_scanned for r in rs])
        lines[f"{who} migrated/run"] = dist([r.migrated for r in rs])
        lines[f"{who} migrate failed"] = str(sum(r.failed for r in rs))
        # the migration scanner ended below its start: a fast search
        # (fast_find_migrateblock) took a block behind the cached position
        back = [r for r in rs if r.end and r.end[0] != "?" and int(r.end[0], 16) < int(r.start[0], 16)]
        lines[f"{who} runs ending below their start pfn"] = str(len(back))
    if fast is None and runs and all(r.fast_scanned is not None for r in runs):
        fast = (sum(r.fast_scanned for r in runs), sum(r.fast_isolated for r in runs))
        lines["fast search: blocks taken"] = str(sum(r.fast_hits for r in runs))
    calls = sum(r.fast_calls for r in runs)
    if calls:
        lines["fast search: calls"] = str(calls)
    if fast is not None:
        lines["fast search: scanned (all runs)"] = str(fast[0])
        lines["fast search: pages isolated"] = str(fast[1])
        lines["fast search: entries looked at - blocks taken"] = str(fast[0] - fast[1])
    att = {}
    for a in attempts:
        att[a.label()] = att.get(a.label(), 0) + 1
    for k, n in sorted(att.items()):
        lines[f"tries {k}"] = str(n)
    lines["tries (stalls)"] = str(sum(a.counted != "none" for a in attempts))
    lines["compact_success"] = str(sum(a.counted == "success" for a in attempts))
    lines["compact_fail"] = str(sum(a.counted == "fail" for a in attempts))
    ok, last = allocations(attempts)
    lines["allocations served by compaction"] = str(len(ok))
    lines["failed tries before a success"] = str(sum(len(g) - 1 for g in ok))
    lines["last allocation: tries"] = str(len(last)) if last else "0 (ended in success)"
    if last:
        seq, prev, n = [], None, 0
        for a in last + [None]:
            lab = a and a.label()
            if lab == prev:
                n += 1
                continue
            if prev:
                seq.append(f"{prev}" + (f" x{n}" if n > 1 else ""))
            prev, n = lab, 1
        lines["last allocation: sequence"] = " -> ".join(seq)
    return lines


def fmt_run(r):
    if r.end is None:
        r.end = ("?", "?")
    return (f"{r.who:9} {r.mode:10} {r.status:16} mig {r.start[0]}->{r.end[0]} "
            f"free {r.start[1]}->{r.end[1]} scanned {r.migrate_scanned}/{r.free_scanned} "
            f"migrated {r.migrated} failed {r.failed}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kernel", help="data.txt of a kharness.py run --trace")
    ap.add_argument("fragsim", nargs="?", help="stderr of a fragsim run with compaction.trace=true")
    ap.add_argument("--pass", dest="tag", default="hugetlb1", help="the test pass (default hugetlb1)")
    ap.add_argument("--order", type=int, default=9, help="the pass's order in fragsim's trace")
    ap.add_argument("--runs", action="store_true", help="also list every compaction run")
    args = ap.parse_args(argv)
    k_att, k_runs, _ = kernel_trace(args.kernel, args.tag)
    cols = [("kernel", summary(k_att, k_runs, kernel_fast_search(args.kernel, args.tag, k_runs)))]
    f_att = f_runs = None
    if args.fragsim:
        f_att, f_runs, _ = fragsim_trace(args.fragsim, args.order)
        cols.append(("fragsim", summary(f_att, f_runs)))
    keys = []
    for _, d in cols:
        keys += [k for k in d if k not in keys]
    w = max(len(k) for k in keys)
    print(f"{'':{w}}  " + "  |  ".join(n for n, _ in cols))
    for k in keys:
        print(f"{k:{w}}  " + "  |  ".join(d.get(k, "-") for _, d in cols))
    if args.runs:
        for name, runs in (("kernel", k_runs), ("fragsim", f_runs)):
            if runs is None:
                continue
            print(f"\n{name}: every run")
            for r in runs:
                print("  " + fmt_run(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
