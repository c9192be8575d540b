#!/usr/bin/env python3
"""The published shapes (reference anchors §B), measured on fragsim.

Runs the published protocols over seeds with `fragsim compare` and prints,
for each published figure, fragsim's mean (with its 95% interval), the
published value, and whether the shape holds:

  B.1a  ols2006-highalloc on linux-2.6.16 (vanilla), linux-2.6.16-lists
        (list-based grouping) and linux-2.6.16-zones (zone-based): success %
        in pass 1, pass 2 and at rest, each within +-15 points of the
        published value, and the kernels ranked as published in each phase;
        and, for information (not a shape that must hold), the huge pages
        each phase took from ZONE_NORMAL (published: vanilla 5 / 5 / 16,
        lists 0 / 0 / 83, zones - / - / 8).
  2010  compaction2010 (test 1: dd, delete every second file, nr_hugepages
        in 5% steps) and stress-highalloc (test 2: under load) on
        linux-2.6.34 (lumpy reclaim alone, the kernel the compaction
        series was measured against) and linux-2.6.35 (the same with
        compaction): similar huge pages (test 1: the last step's pool within
        10%; test 2: success under load within 10 points, or better) and at
        least 2x fewer pages reclaimed (test 1: direct reclaim while the
        pool grows, the posting's per-increment "rclm" summed, which it
        describes as "how many direct reclaims took place"; kswapd and
        direct together printed for information; test 2: direct).

Usage: scripts/shapes.py [--seeds N] [--jobs J] [--out DIR] [--fragsim PATH]
Exit status 0 when every shape holds, 1 otherwise.  Run from the project
root after building (build/); it sets the uninstalled paths itself.
"""
import argparse, csv, os, subprocess, sys

B1A = {  # published (Gorman & Whitcroft, 2006-01, lkml; table B.1a)
    "linux-2.6.16": (21, 36, 51),
    "linux-2.6.16-lists": (31, 37, 88),
    "linux-2.6.16-zones": (38, 56, 77),
}
# huge pages that came from ZONE_NORMAL in each phase (the same postings: the
# list-based cover letter's per-zone tables for vanilla and lists; the
# zone-based posting gives only the pass at rest)
B1A_NORMAL = {"linux-2.6.16": (5, 5, 16), "linux-2.6.16-lists": (0, 0, 83), "linux-2.6.16-zones": (None, None, 8)}
PHASES = ("pass1", "pass2", "rest")


def compare(fragsim, workload, stacks, seeds, jobs, out):
    env = dict(os.environ)
    env.setdefault("FRAGSIM_POLICY_PATH", "build/policies")
    env.setdefault("FRAGSIM_DATA_PATH", "data")
    env.setdefault("FRAGSIM_WORKLOAD_PATH", "workloads")
    # --force: the shapes measure the model as built now, never runs kept from another
    cmd = [fragsim, "compare", "-w", workload, "-r", str(seeds), "-j", str(jobs), "-q", "-o", out, "--force"]
    for s in stacks:
        cmd += ["-p", s]
    print("$ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, env=env)
    agg = {}
    with open(os.path.join(out, "compare.csv")) as f:
        for r in csv.DictReader(f):
            agg[(r["stack"], r["metric"])] = r
    return agg


def val(agg, stack, metric):
    r = agg[(stack, metric)]
    mean = float(r["mean"])
    half = (float(r["ci95_hi"]) - mean) if r["ci95_hi"] else 0.0
    return mean, half


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default="build/shapes")
    ap.add_argument("--fragsim", default="build/cli/fragsim")
    a = ap.parse_args()
    ok = True

    agg = compare(a.fragsim, "ols2006-highalloc", list(B1A), a.seeds, a.jobs, os.path.join(a.out, "b1a"))
    print("\nB.1a  ols2006-highalloc, success % (fragsim mean +- 95% CI / published), +-15 points")
    print(f"{'stack':22}" + "".join(f"{p:>22}" for p in PHASES))
    got = {}
    for s, pub in B1A.items():
        cells = []
        for i, p in enumerate(PHASES):
            m, h = val(agg, s, f"phase_{p}_huge_success_pct")
            got[(s, p)] = m
            hold = abs(m - pub[i]) <= 15
            ok &= hold
            cells.append(f"{m:5.1f}+-{h:4.1f} / {pub[i]:3d} {'ok' if hold else 'NO'}")
        print(f"{s:22}" + "".join(f"{c:>22}" for c in cells))
    for i, p in enumerate(PHASES):
        want = sorted(B1A, key=lambda s: B1A[s][i])
        have = sorted(B1A, key=lambda s: got[(s, p)])
        hold = want == have
        ok &= hold
        print(f"rank {p:6} published {' < '.join(want)}; fragsim {' < '.join(have)}: {'ok' if hold else 'NO'}")
    print("huge pages from ZONE_NORMAL (fragsim mean / published; information, not a shape):")
    print(f"{'stack':22}" + "".join(f"{p:>16}" for p in PHASES))
    for s, pubs in B1A_NORMAL.items():
        cells = []
        for p, pub in zip(PHASES, pubs):
            key = f"phase_{p}_huge_zone_normal"
            have = f"{val(agg, s, key)[0]:6.1f}" if (s, key) in agg else "     -"
            cells.append(f"{have} / {'-' if pub is None else pub:>3}")
        print(f"  {s:20}" + "".join(f"{c:>16}" for c in cells))

    agg = compare(a.fragsim, "stress-highalloc", ["linux-2.6.34", "linux-2.6.35"], a.seeds, a.jobs,
                  os.path.join(a.out, "c2010"))
    print("\n2010  stress-highalloc (test 2), lumpy reclaim alone (linux-2.6.34) vs compaction (linux-2.6.35)")
    s0 = sum(val(agg, "linux-2.6.34", f"phase_{p}_huge_success_pct")[0] for p in ("pass1", "pass2")) / 2
    s1 = sum(val(agg, "linux-2.6.35", f"phase_{p}_huge_success_pct")[0] for p in ("pass1", "pass2")) / 2
    r0 = val(agg, "linux-2.6.34", "pgsteal_direct")[0]
    r1 = val(agg, "linux-2.6.35", "pgsteal_direct")[0]
    hold = abs(s1 - s0) <= 10 or s1 > s0
    ok &= hold
    print(f"success under load {s0:.1f} -> {s1:.1f} %: similar or better: {'ok' if hold else 'NO'}")
    hold = r1 * 2 <= r0
    ok &= hold
    print(f"pgsteal_direct {r0:.0f} -> {r1:.0f} ({r1 / r0:.2f}x): at most 0.5x: {'ok' if hold else 'NO'}")
    agg = compare(a.fragsim, "compaction2010", ["linux-2.6.34", "linux-2.6.35"], a.seeds, a.jobs,
                  os.path.join(a.out, "c2010dd"))
    print("\n2010  compaction2010 (test 1), lumpy reclaim alone (linux-2.6.34) vs compaction (linux-2.6.35)")
    last = "phase_step18_nr_hugepages"
    p0, p1 = val(agg, "linux-2.6.34", last)[0], val(agg, "linux-2.6.35", last)[0]
    # the posting's "Total pages reclaimed" is the sum of its increments'
    # "rclm" (compaction v1's per-increment table adds up to it): reclaim
    # while the pool grows, not while dd loaded memory
    def steps_reclaimed(stack, upto=18, what="nr_hugepages_reclaimed"):
        return sum(val(agg, stack, f"phase_step{k:02d}_{what}")[0] for k in range(1, upto + 1))
    # the posting's counts are direct reclaim: it says the script measured
    # "how many direct reclaims took place", and its totals are too small to
    # be all of reclaim (docs/validation.md, "2010 test 1")
    direct = "nr_hugepages_reclaimed_direct"
    d0, d1 = steps_reclaimed("linux-2.6.34", what=direct), steps_reclaimed("linux-2.6.35", what=direct)
    t0, t1 = steps_reclaimed("linux-2.6.34"), steps_reclaimed("linux-2.6.35")
    hold = abs(p1 - p0) <= 0.1 * p0
    ok &= hold
    print(f"huge pages at the last step {p0:.0f} -> {p1:.0f}: within 10%: {'ok' if hold else 'NO'}")
    hold = d1 * 2 <= d0
    ok &= hold
    ratio = f"{d1 / d0:.2f}x" if d0 else "-"
    print(f"pages reclaimed directly over the steps {d0:.0f} -> {d1:.0f} ({ratio}): at most 0.5x: "
          f"{'ok' if hold else 'NO'}")
    print(f"  (published, x86-64: 112599 -> 53234 (0.47x), x86 68296 -> 9791 (0.14x), "
          f"ppc64 103216 -> 61838 (0.60x))")
    upto = ", ".join(f"{5 * k}% {steps_reclaimed('linux-2.6.34', k, direct):.0f} -> "
                     f"{steps_reclaimed('linux-2.6.35', k, direct):.0f}" for k in (6, 12, 18))
    print(f"  (information: reclaimed directly by the step that reached {upto})")
    print(f"  (information: kswapd and direct over the steps {t0:.0f} -> {t1:.0f} ({t1 / t0:.2f}x))")
    print("\nall shapes hold" if ok else "\nsome shapes do not hold")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
