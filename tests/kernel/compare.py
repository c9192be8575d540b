#!/usr/bin/env python3
"""fragsim against the real kernel: every scenario, both worlds, metric by metric.

For each scenario x memory size x seed of tests/kernel/scenarios/, take the
kernel run (through kharness's cache: boots only what is missing), calibrate
fragsim's machine from the run's boot dump (calibrate.py), translate the
scenario (scenario.to_fragsim_workload), run fragsim with the same seed and
the matching stack (linux-6.1), check that the two machines match (zone spans,
managed pages, watermarks, protection), and compare the metrics.

Verdicts (docs/validation.md says the same):
  stable    the quantities that do not depend on how direct compaction,
            kswapd and kcompactd interleave: PASS when fragsim's mean is
            within +-10% of the kernel's mean (counts whose kernel mean is
            below 10: within 1).
  chaotic   other quantities of scenarios marked chaotic: PASS when
            fragsim's mean is inside the kernel's seed range widened by 10%
            of its ends.
  direct    direct-compaction outcomes (a hugetlb yield or THP faults not
            preceded by compact_memory or proactive compaction), as a yield
            in % of the target: PASS when fragsim's mean is inside the
            kernel's seed range widened by 10 percentage points each side.
  info      reported, no verdict (no kernel counterpart, or raw counts
            whose verdict is on the yield).

Commands:
  compare.py run [--csv F] [--md F] [--figure PREFIX] [--docs docs/validation.md]
                 [--expected F [--update-expected]] [SCENARIO...]
  compare.py workload SCENARIO --mem MB --seed N   print the fragsim workload and --set list
Exit codes: 0 ok, 1 a regression against the expected verdicts or a failed
run, 2 bad input, 77 qemu or the kernel absent (skip).
"""

import argparse
import concurrent.futures
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import calibrate  # noqa: E402
import kdump  # noqa: E402
import kharness  # noqa: E402
import scenario  # noqa: E402

STACK = "linux-6.1"
HEADER = ("scenario", "mem", "metric", "kernel_min", "kernel_mean", "kernel_max",
          "fragsim_min", "fragsim_mean", "fragsim_max", "ratio", "tolerance", "verdict")
COUNTERS = ("compact_migrate_scanned", "compact_free_scanned", "compact_stall")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- kernel side

def kernel_metrics(run):
    """the kharness metrics of one run plus derived yields, {metric: value}"""
    m = dict(kharness.run_metrics(run))
    passes = {}
    for r in run.results:
        test = r.get("test")
        if test not in ("hugetlb", "thp"):
            continue
        passes[test] = passes.get(test, 0) + 1
        where = f"{test}{passes[test]}"
        if test == "hugetlb" and r.get("requested"):
            m[f"{where}.yield_pct"] = 100.0 * r["got"] / r["requested"]
        if test == "thp" and r.get("tries"):
            m[f"{where}.yield_pct"] = 100.0 * r.get("d_thp_fault_alloc", 0) / r["tries"]
    return m


def thp_tries(run):
    out, n = {}, 0
    for r in run.results:
        if r.get("test") == "thp":
            n += 1
            out[n] = r.get("tries")
    return out


# ---------------------------------------------------------------- fragsim side

class FragsimEnv:
    def __init__(self, fragsim, policy_path, data_path, extra_sets=()):
        self.fragsim = fragsim
        self.extra_sets = list(extra_sets)
        self.env = dict(os.environ, FRAGSIM_POLICY_PATH=policy_path, FRAGSIM_DATA_PATH=data_path)


def run_fragsim(fenv, wl, seed, outdir):
    path = os.path.join(outdir, "workload.ini")
    with open(path, "w") as f:
        f.write(wl.text)
    args = [fenv.fragsim, "run", "-q", "-f", "-w", path, "-p", STACK, "-s", str(seed),
            "-o", os.path.join(outdir, "out")]
    for s in wl.sets + fenv.extra_sets:
        args += ["--set", s]
    r = subprocess.run(args, capture_output=True, text=True, env=fenv.env)
    if r.returncode:
        raise RuntimeError(f"fragsim failed ({r.returncode}): {' '.join(args)}\n{r.stderr}")
    if fenv.extra_sets:
        # what the extra settings made fragsim say (compaction.trace=true: the trace)
        with open(os.path.join(outdir, "stderr.txt"), "w") as f:
            f.write(r.stderr)
    return os.path.join(outdir, "out")


def _read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return 0.0


def fragsim_metrics(outdir, wl, scn):
    """fragsim's values under the kernel metrics' names"""
    summary = _read_csv(os.path.join(outdir, "summary.csv"))[0]
    ts = _read_csv(os.path.join(outdir, "timeseries.csv"))
    by_t = {}
    for r in ts:
        by_t.setdefault(int(r["time_ns"]), []).append(r)
    names = [n for n, _, _ in wl.phases]

    def state_before_ms(t_ms):
        t = (t_ms - scenario.SAMPLE_MS // 2) * 1_000_000
        rows = by_t.get(t)
        if rows is None:
            raise RuntimeError(f"{outdir}: no timeseries sample at {t} ns")
        return rows

    def after(phase):
        i = names.index(phase)
        nxt = wl.phases[i + 1][1] if i + 1 < len(names) else wl.end_ms()
        return state_before_ms(nxt)

    def node(rows):
        return next(r for r in rows if r["scope"] == "node")

    def zones(rows):
        return [r for r in rows if r["scope"] != "node"]

    def counter(rows, c):
        n = node(rows)
        if c == "compact_migrate_scanned":
            return _num(n["compaction.compact_migrate_scanned"]) + \
                _num(n["kcompactd.compact_daemon_migrate_scanned"])
        if c == "compact_free_scanned":
            return _num(n["compaction.compact_free_scanned"]) + \
                _num(n["kcompactd.compact_daemon_free_scanned"])
        return _num(n["compaction." + c])

    m = {}
    for phase, tag in (("fill", "after_fill"), ("free", "after_free"), ("refill", "after_refill"),
                       ("settle", "after_settle")):
        if phase not in names:
            continue
        rows = after(phase)
        for mt in ("unmovable", "movable", "reclaimable"):
            m[f"{tag}.blocks_{mt}"] = sum(_num(r[f"blocks_{mt}"]) for r in zones(rows))
        m[f"{tag}.free_order9plus"] = sum(_num(r["buddy_o9"]) + 2 * _num(r["buddy_o10"])
                                          for r in zones(rows))
        for r in zones(rows):
            if _num(r["managed_pages"]):
                m[f"{tag}.unusable_o9.{r['scope']}"] = _num(r["unusable_o9"]) / 1000
        m[f"{tag}.mixed_blocks"] = _num(node(rows)["mixed_blocks"])

    ext = _read_csv(os.path.join(outdir, "extfrag.csv")) if os.path.exists(
        os.path.join(outdir, "extfrag.csv")) else []
    for phase in ("fill", "refill"):
        if phase not in names:
            continue
        i = names.index(phase)
        t0, t1 = wl.phases[i][1] * 1_000_000, (wl.phases[i][1] + wl.phases[i][2]) * 1_000_000
        ev = [e for e in ext if t0 <= int(e["time_ns"]) < t1]
        m[f"{phase}.extfrag_events"] = len(ev)
        m[f"{phase}.extfrag_steals"] = sum(1 for e in ev if e["change_ownership"] == "1")

    for name in names:
        if name.startswith("hugetlb"):
            got = _num(summary.get(f"phase_{name}_nr_hugepages"))
            target = _num(summary.get(f"phase_{name}_nr_hugepages_target"))
            m[f"{name}.got"] = got
            m[f"{name}.requested"] = target
            if target:
                m[f"{name}.yield_pct"] = 100.0 * got / target
        elif name.startswith("thp"):
            a = _num(summary.get(f"phase_{name}_thp_fault_alloc"))
            fb = _num(summary.get(f"phase_{name}_thp_fault_fallback"))
            m[f"{name}.thp_fault_alloc"] = a
            m[f"{name}.thp_fault_fallback"] = fb
            if a + fb:
                m[f"{name}.yield_pct"] = 100.0 * a / (a + fb)
        elif name.startswith("compact"):
            rows = after(name)
            m[f"{name}.free_order9plus_after"] = sum(
                _num(r["buddy_o9"]) + 2 * _num(r["buddy_o10"]) for r in zones(rows))
    first = state_before_ms(wl.phase_start_ms("fill"))
    last = state_before_ms(wl.end_ms())
    for c in COUNTERS:
        m[f"run.{c}"] = counter(last, c) - counter(first, c)
    return m


# ---------------------------------------------------------------- what to compare

def metric_plan(scn, kmetrics):
    """[(metric, class)] compared for a scenario, in a fixed order"""
    plan = [(f"after_fill.blocks_{t}", "stable") for t in ("unmovable", "movable", "reclaimable")]
    plan += [("after_free.free_order9plus", "stable"), ("fill.extfrag_events", "stable"),
             ("fill.extfrag_steals", "stable")]
    for z in ("DMA32", "Movable"):
        if f"after_free.unusable_o9.{z}" in kmetrics:
            plan.append((f"after_free.unusable_o9.{z}", "stable"))
    later = "chaotic" if scn.chaotic else "stable"
    if scn.refill_pct:
        plan += [("after_refill.blocks_unmovable", later), ("refill.extfrag_events", later),
                 ("after_refill.mixed_blocks", "info")]
    if scn.settle_s:
        plan.append(("after_settle.free_order9plus", "stable"))
    compacted = scn.settle_s and scn.proactiveness == 100
    counts = {}
    for test in scn.run:
        counts[test] = counts.get(test, 0) + 1
        where = f"{test}{counts[test]}"
        if test == "compact":
            plan.append((f"{where}.free_order9plus_after", "stable"))
            compacted = True
        elif test == "hugetlb":
            plan += [(f"{where}.got", "info"),
                     (f"{where}.yield_pct", "stable" if compacted else "direct")]
        elif test == "thp":
            direct = scn.thp_defrag != "never"
            plan += [(f"{where}.thp_fault_alloc", "info" if direct else "stable"),
                     (f"{where}.thp_fault_fallback", "info" if direct else "stable"),
                     (f"{where}.yield_pct", "direct" if direct else "stable")]
    plan += [(f"run.{c}", later) for c in COUNTERS]
    return plan


def verdict(cls, k, f, metric_is_count=True):
    """(ratio, tolerance text, verdict) for kernel values k and fragsim values f"""
    if not k or not f:
        return "", "", "NA"
    km, fm = statistics.mean(k), statistics.mean(f)
    ratio = fm / km if km else (1.0 if fm == 0 else float("inf"))
    if cls == "info":
        return ratio, "", "INFO"
    if cls == "direct":
        lo, hi = min(k) - 10, max(k) + 10
        return ratio, f"[{lo:.1f}, {hi:.1f}] %", "PASS" if lo <= fm <= hi else "FAIL"
    if cls == "chaotic":
        lo, hi = min(k) * 0.9, max(k) * 1.1
        return ratio, f"[{lo:.4g}, {hi:.4g}]", "PASS" if lo <= fm <= hi else "FAIL"
    if km < 10 and metric_is_count:
        return ratio, "+-1", "PASS" if abs(fm - km) <= 1 else "FAIL"
    return ratio, "+-10%", "PASS" if abs(fm - km) <= 0.1 * abs(km) else "FAIL"


# ---------------------------------------------------------------- the matrix

def kernel_runs(scns, mems, jobs, workdir):
    machine = kharness.Machine(workdir)
    todo = [(scn, mem, seed) for scn in scns for mem, seed in scn.runs(mems)]
    paths = {}

    def one(job):
        scn, mem, seed = job
        path, booted = kharness.run_cached(machine, scenario.kernel_cmdline(scn, seed), mem,
                                           900, True, f"{scn.name} {mem}MB seed {seed}")
        if booted:
            log(f"  booted {scn.name} {mem}MB seed {seed}")
        return path

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futs = {pool.submit(one, j): j for j in todo}
        try:
            for fut in concurrent.futures.as_completed(futs):
                scn, mem, seed = futs[fut]
                paths[(scn.name, mem, seed)] = fut.result()
        except BaseException:
            for f in futs:
                f.cancel()
            kharness.kill_live_vms()
            raise
    return todo, paths


def compare(scns, mems, fenv, jobs, workdir, keep=None):
    todo, paths = kernel_runs(scns, mems, jobs, workdir)
    values = {}      # (scn, mem) -> metric -> ([kernel], [fragsim])
    notes = {}       # (scn, mem) -> notes
    mismatches = []
    tmp = keep or tempfile.mkdtemp(prefix="fragsim-compare-")
    try:
        for scn, mem, seed in todo:
            with open(os.path.join(paths[(scn.name, mem, seed)], "data.txt")) as f:
                run = kdump.Run(f.read())
            km = kernel_metrics(run)
            cal = calibrate.from_boot_dump(run.dumps["boot"])
            wl = scenario.to_fragsim_workload(scn, mem, seed, cal, thp_tries(run),
                                              [t for _, t in run.dump_seq],
                                              scenario.kcompactd_first_check_ns(run))
            outdir = os.path.join(tmp, f"{scn.name}-{mem}-s{seed}")
            os.makedirs(outdir, exist_ok=True)
            fdir = run_fragsim(fenv, wl, seed, outdir)
            with open(os.path.join(fdir, "run.ini")) as f:
                bad = calibrate.check_match(calibrate.parse_derived(f.read()), cal)
            if bad:
                mismatches.append(f"{scn.name} {mem}MB seed {seed}: " + "; ".join(bad))
                continue
            fm = fragsim_metrics(fdir, wl, scn)
            notes[(scn.name, mem)] = wl.notes
            g = values.setdefault((scn.name, mem), {})
            for metric, cls in metric_plan(scn, km):
                kv, fv = g.setdefault(metric, (cls, [], []))[1:]
                if metric in km:
                    kv.append(float(km[metric]))
                if metric in fm:
                    fv.append(float(fm[metric]))
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    rows = []
    for (name, mem), g in values.items():
        for metric, (cls, kv, fv) in g.items():
            ratio, tol, v = verdict(cls, kv, fv, not metric.endswith("_pct") and ".unusable_o9." not in metric)

            def stats(xs):
                return (min(xs), statistics.mean(xs), max(xs)) if xs else ("", "", "")
            rows.append((name, mem, metric) + stats(kv) + stats(fv) + (ratio, tol, v))
    return rows, notes, mismatches


def _fmt(v):
    if v == "" or v is None:
        return ""
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return "inf"
        if v == int(v) and abs(v) < 1e12:
            return str(int(v))
        return f"{v:.4g}"
    return str(v)


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for r in rows:
            w.writerow([_fmt(v) for v in r])


def _spread(lo, mean, hi):
    if lo == "":
        return ""
    if lo == hi:
        return _fmt(mean)
    return f"{_fmt(lo)}–{_fmt(hi)} (mean {_fmt(mean)})"


def markdown(rows):
    lines = ["| scenario | MB | metric | kernel | fragsim | ratio | tolerance | verdict |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append("| " + " | ".join([r[0], str(r[1]), f"`{r[2]}`", _spread(*r[3:6]),
                                        _spread(*r[6:9]), _fmt(r[9]), r[10], r[11]]) + " |")
    return "\n".join(lines) + "\n"


def figure(rows, prefix):
    """gnuplot: fragsim / kernel per metric, with the kernel's spread"""
    gp = shutil.which("gnuplot")
    if not gp:
        log("compare: gnuplot not found, no figure")
        return
    pts = [r for r in rows if r[11] in ("PASS", "FAIL") and r[4] not in ("", 0)]
    dat = prefix + ".dat"
    with open(dat, "w") as f:
        for i, r in enumerate(pts):
            km = r[4]
            lo, hi = r[3] / km, r[5] / km
            ratio = max(min(r[7] / km, 100), 0.01) if r[7] != "" else 0.01
            f.write(f'{i} {ratio:.6g} {max(lo, 0.01):.6g} {hi:.6g} {1 if r[11] == "PASS" else 0} '
                    f'"{r[0]} {r[1]} {r[2]}"\n')
    h = max(6, 0.16 * len(pts) + 1.5)
    script = f"""
set datafile separator whitespace
set logscale x
set xrange [0.01:100]
set yrange [-1:{len(pts)}]
set ytics font ",6"
set xlabel "fragsim / kernel (mean over seeds); bar: the kernel's own range over seeds"
set grid x
set key top right
set arrow from 1, graph 0 to 1, graph 1 nohead dt 2
plot '{dat}' using 2:1:3:4:ytic(6) with xerrorbars lc rgb "#999999" pt 0 title "kernel min..max", \\
     '' using ($5==1?$2:1/0):1 with points pt 7 lc rgb "#1a9850" title "fragsim, PASS", \\
     '' using ($5==0?$2:1/0):1 with points pt 9 lc rgb "#d73027" title "fragsim, FAIL"
"""
    for term, ext, size in (("pngcairo", "png", f"1400,{int(h * 100)}"),
                            ("pdfcairo", "pdf", f"14cm,{h * 2.54:.1f}cm")):
        body = f"set terminal {term} size {size}\nset output '{prefix}.{ext}'\n"
        # the kernel's spread bar around 1 (its own mean) is drawn from lo to hi
        s = body + script.replace("using 2:1:3:4", "using (1):1:3:4")
        r = subprocess.run([gp], input=s, text=True, capture_output=True)
        if r.returncode:
            log(f"compare: gnuplot failed: {r.stderr}")
    os.unlink(dat)


def read_expected(path):
    with open(path, newline="") as f:
        return {(r["scenario"], r["mem"], r["metric"]): r["verdict"] for r in csv.DictReader(f)}


def write_expected(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(("scenario", "mem", "metric", "verdict"))
        for r in rows:
            if r[11] in ("PASS", "FAIL"):
                w.writerow((r[0], r[1], r[2], r[11]))


def check_expected(rows, expected):
    """(regressions, improvements): a committed PASS that no longer passes
    (or is gone) regresses; a committed FAIL that passes improves"""
    now = {(r[0], str(r[1]), r[2]): r[11] for r in rows}
    reg, imp = [], []
    for key, v in sorted(expected.items()):
        cur = now.get(key, "missing")
        if v == "PASS" and cur != "PASS":
            reg.append(f"{' '.join(key)}: expected PASS, now {cur}")
        elif v == "FAIL" and cur == "PASS":
            imp.append(f"{' '.join(key)}: expected FAIL, now PASS")
    return reg, imp


DOC_BEGIN = "<!-- BEGIN compare.py table -->"
DOC_END = "<!-- END compare.py table -->"


def update_docs(path, rows):
    with open(path) as f:
        text = f.read()
    a, b = text.index(DOC_BEGIN) + len(DOC_BEGIN), text.index(DOC_END)
    npass = sum(r[11] == "PASS" for r in rows)
    nfail = sum(r[11] == "FAIL" for r in rows)
    body = f"\n\n{npass} PASS, {nfail} FAIL.\n\n" + markdown(rows) + "\n"
    with open(path, "w") as f:
        f.write(text[:a] + body + text[b:])


# ---------------------------------------------------------------- commands

def _scns(names):
    if names:
        return [kharness._scenario_arg(n) for n in names]
    return scenario.load_dir(os.path.join(HERE, "scenarios"))


def _fenv(args):
    build = args.build_dir
    return FragsimEnv(args.fragsim or os.path.join(build, "cli", "fragsim"),
                      os.path.join(build, "policies"), os.path.join(REPO, "data"),
                      getattr(args, "set", None) or ())


def cmd_run(args):
    scns = _scns(args.scenarios)
    fenv = _fenv(args)
    if not os.access(fenv.fragsim, os.X_OK):
        log(f"compare: {fenv.fragsim} is not an executable (build first, or --fragsim)")
        return 2
    try:
        rows, notes, mismatches = compare(scns, set(args.mem) if args.mem else None, fenv,
                                          args.jobs, args.workdir, args.keep)
    except kharness.ToolsMissing as e:
        if os.environ.get("FRAGSIM_KERNEL_REQUIRED"):
            log(f"compare: {e} (FRAGSIM_KERNEL_REQUIRED is set: failing)")
            return 1
        log(f"compare: SKIP: {e}")
        return kharness.EXIT_SKIP
    if mismatches:
        log("compare: the machines do not match; refusing to compare these runs:\n  "
            + "\n  ".join(mismatches))
    if args.csv:
        write_csv(args.csv, rows)
    if args.md:
        with open(args.md, "w") as f:
            f.write(markdown(rows))
            f.write("\nNotes (what fragsim approximates or cannot express):\n\n")
            for (name, mem), ns in sorted(notes.items()):
                for n in ns:
                    f.write(f"- {name} {mem}: {n}\n")
    if args.figure:
        figure(rows, args.figure)
    if args.docs:
        update_docs(args.docs, rows)
    npass = sum(r[11] == "PASS" for r in rows)
    nfail = sum(r[11] == "FAIL" for r in rows)
    log(f"compare: {len(rows)} metrics, {npass} PASS, {nfail} FAIL")
    rc = 1 if mismatches else 0
    if args.expected:
        if args.update_expected:
            write_expected(args.expected, rows)
            log(f"compare: wrote {args.expected}")
        else:
            reg, imp = check_expected(rows, read_expected(args.expected))
            for line in imp:
                log(f"  improved: {line}")
            if imp:
                log(f"compare: {len(imp)} metrics now pass; update {args.expected} with "
                    "compare.py run --expected FILE --update-expected")
            for line in reg:
                log(f"  REGRESSION: {line}")
            if reg:
                rc = 1
    return rc


def cmd_workload(args):
    scn = kharness._scenario_arg(args.scenario)
    wl = scenario.to_fragsim_workload(scn, args.mem, args.seed)
    print(wl.text)
    print("# --set " + " --set ".join(wl.sets))
    for n in wl.notes:
        print(f"# note: {n}")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", default=kharness._default_workdir())
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    ap.add_argument("--fragsim", help="the fragsim binary (default: BUILD/cli/fragsim)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("run", help="compare the matrix")
    p.add_argument("scenarios", nargs="*")
    p.add_argument("--mem", type=int, action="append")
    p.add_argument("--jobs", type=int, default=2, help="VMs at a time when booting")
    p.add_argument("--csv")
    p.add_argument("--md")
    p.add_argument("--figure", help="PREFIX: writes PREFIX.png and PREFIX.pdf")
    p.add_argument("--docs", help="rewrite the table in this markdown file")
    p.add_argument("--expected", help="the committed expected verdicts (CSV)")
    p.add_argument("--update-expected", action="store_true")
    p.add_argument("--keep", help="keep fragsim's run directories here")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="an extra fragsim --set for every run (e.g. compaction.trace=true; "
                        "its stderr is kept as stderr.txt beside the run with --keep)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("workload", help="print a scenario's fragsim workload")
    p.add_argument("scenario")
    p.add_argument("--mem", type=int, default=512)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_workload)
    args = ap.parse_args(argv)
    try:
        return args.func(args)
    except scenario.ScenarioError as e:
        log(f"error: {e}")
        return 2
    except (kharness.HarnessError, kdump.ParseError, calibrate.CalibrationError,
            RuntimeError) as e:
        log(f"error: {e}")
        return 1
    finally:
        kharness.kill_live_vms()


if __name__ == "__main__":
    sys.exit(main())
