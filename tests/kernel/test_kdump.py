#!/usr/bin/env python3
"""Unit tests of the dump parsers (kdump.py), the run metrics (kharness.py)
and the scenario reader (scenario.py), without booting anything.

The fixture data/m512-hugetlb-after-free-s1.txt is a real run's output
(hugetlb-after-free, 512 MB, seed 1, Debian 6.1.0-57) with its dmesg
trimmed; the expected numbers below were read off it by hand.
Speaks TAP when run with --tap (as meson runs it), unittest otherwise.
"""

import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import kdump  # noqa: E402
import kharness  # noqa: E402
import ktrace  # noqa: E402
import scenario  # noqa: E402

FIXTURE = os.path.join(HERE, "data", "m512-hugetlb-after-free-s1.txt")


def load_run():
    with open(FIXTURE) as f:
        return kdump.Run(f.read())


class RunSplit(unittest.TestCase):
    def test_dumps_in_order(self):
        run = load_run()
        self.assertEqual(list(run.dumps), ["boot", "after_fill", "after_free", "hugetlb1"])
        self.assertTrue(run.done)
        self.assertEqual(run.exit_code, 0)
        self.assertEqual(run.uname, "6.1.0-57-amd64")
        self.assertEqual(run.params["seed"], 1)
        self.assertEqual(run.dump_times["boot"], 0.008)

    def test_sections(self):
        d = load_run().dumps["after_free"]
        for name in (kdump.SECTION_BUDDYINFO, kdump.SECTION_PAGETYPEINFO, kdump.SECTION_MEMINFO,
                     kdump.SECTION_VMSTAT, kdump.SECTION_ZONEINFO, kdump.SECTION_EXTFRAG,
                     kdump.SECTION_UNUSABLE, kdump.SECTION_HIST, kdump.SECTION_KNOBS):
            self.assertIn(name, d)

    def test_results(self):
        run = load_run()
        fill = run.phase("fill")
        self.assertEqual(fill["pages"], 93023)
        self.assertEqual(fill["pipe_pages"], 8760)
        (h,) = run.tests("hugetlb")
        self.assertEqual((h["requested"], h["got"], h["free_order9plus_before"]), (118, 86, 27))
        self.assertEqual(h["d_compact_stall"], 74)

    def test_unterminated_dump(self):
        with self.assertRaisesRegex(kdump.ParseError, "no '=== END x'"):
            kdump.Run("=== DUMP x t=0.1\n--- /proc/vmstat\nnr_free_pages 1\n")


class Parsers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = load_run().dumps["after_free"]

    def test_buddyinfo(self):
        b = kdump.parse_buddyinfo(self.d[kdump.SECTION_BUDDYINFO])
        self.assertEqual(b[(0, "DMA")], [0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 3])
        self.assertEqual(b[(0, "DMA32")][0], 2806)
        self.assertEqual(b[(0, "DMA32")][10], 10)
        # order 9: 1, order 10: 3 + 10, counted in pageblocks
        self.assertEqual(kdump.free_order9plus(b), 1 + 2 * 3 + 2 * 10)

    def test_pagetypeinfo(self):
        p = kdump.parse_pagetypeinfo(self.d[kdump.SECTION_PAGETYPEINFO])
        self.assertEqual((p["pageblock_order"], p["pages_per_block"]), (9, 512))
        self.assertEqual(p["blocks"][(0, "DMA32")],
                         {"Unmovable": 33, "Movable": 209, "Reclaimable": 6,
                          "HighAtomic": 0, "Isolate": 0})
        self.assertEqual(kdump.blocks_by_type(p)["Movable"], 216)
        self.assertEqual(len(p["free"][(0, "DMA32", "Movable")]), 11)
        # free pages per type add up to buddyinfo's per order
        b = kdump.parse_buddyinfo(self.d[kdump.SECTION_BUDDYINFO])
        for order in range(11):
            self.assertEqual(sum(p["free"][(0, "DMA32", t)][order] for t in kdump.MIGRATETYPES),
                             b[(0, "DMA32")][order])

    def test_pagetypeinfo_count_mismatch(self):
        text = ("Page block order: 9\nPages per block:  512\n\n"
                "Number of blocks type     Unmovable      Movable\n"
                "Node 0, zone      DMA            1            7            0\n")
        with self.assertRaisesRegex(kdump.ParseError, ":5: 3 counts for 2 types"):
            kdump.parse_pagetypeinfo(text)

    def test_zoneinfo(self):
        z = kdump.parse_zoneinfo(self.d[kdump.SECTION_ZONEINFO])
        dma32 = z["zones"][(0, "DMA32")]
        self.assertEqual((dma32["spanned"], dma32["present"], dma32["managed"]),
                         (126944, 126944, 113264))
        self.assertEqual((dma32["min"], dma32["low"], dma32["high"]), (658, 822, 986))
        self.assertEqual(dma32["start_pfn"], 4096)
        self.assertEqual(dma32["nr_free_pages"], dma32["pages_free"])
        self.assertEqual(z["zones"][(0, "DMA")]["protection"], [0, 433, 433, 433, 433])
        self.assertEqual(list(z["zones"]), [(0, "DMA"), (0, "DMA32"), (0, "Normal"),
                                            (0, "Movable"), (0, "Device")])
        self.assertNotIn("start_pfn", z["zones"][(0, "Normal")])
        self.assertIn("nr_inactive_anon", z["nodes"][0])
        self.assertNotIn("nr_inactive_anon", z["zones"][(0, "DMA")])

    def test_zoneinfo_missing_field(self):
        text = "Node 0, zone      DMA\n  pages free     3808\n        min      22\n"
        with self.assertRaisesRegex(kdump.ParseError, "zone lacks .*protection"):
            kdump.parse_zoneinfo(text)

    def test_vmstat_meminfo(self):
        v = kdump.parse_vmstat(self.d[kdump.SECTION_VMSTAT])
        m = kdump.parse_meminfo(self.d[kdump.SECTION_MEMINFO])
        self.assertEqual(m["MemTotal"], 468416)
        self.assertEqual(m["MemFree"], 242088)
        self.assertEqual(v["nr_free_pages"] * 4, m["MemFree"])
        self.assertIn("compact_stall", v)
        self.assertIn("HugePages_Total", m)

    def test_vmstat_bad_line(self):
        with self.assertRaisesRegex(kdump.ParseError, r"/proc/vmstat:2: value is not an integer"):
            kdump.parse_vmstat("nr_free_pages 1\ncompact_stall x\n")

    def test_indexes(self):
        u = kdump.parse_index(self.d[kdump.SECTION_UNUSABLE])
        e = kdump.parse_index(self.d[kdump.SECTION_EXTFRAG], kdump.SECTION_EXTFRAG)
        self.assertEqual(u[(0, "DMA32")][9], 0.819)
        self.assertEqual(len(u[(0, "DMA")]), 11)
        self.assertEqual(set(e[(0, "DMA32")]), {-1.0})

    def test_extfrag_hist(self):
        h = kdump.parse_extfrag_hist(self.d[kdump.SECTION_HIST])
        self.assertEqual(set(h), {"fsk_order", "fsk_steal"})
        self.assertEqual(h["fsk_order"]["keys"],
                         ["alloc_migratetype", "fallback_migratetype", "fallback_order"])
        self.assertEqual(h["fsk_order"]["entries"],
                         [({"alloc_migratetype": 0, "fallback_migratetype": 1,
                            "fallback_order": 10}, 10)])
        self.assertEqual(h["fsk_steal"]["hits"], 10)
        t = kdump.hist_totals(h)
        self.assertEqual((t["events"], t["steals"], t["alloc_unmovable"]), (10, 10, 10))

    def test_extfrag_hist_empty_at_boot(self):
        h = kdump.parse_extfrag_hist(load_run().dumps["boot"][kdump.SECTION_HIST])
        self.assertEqual(kdump.hist_totals(h), {"events": 0, "steals": 0})


class Metrics(unittest.TestCase):
    def test_run_metrics(self):
        m = dict(kharness.run_metrics(load_run()))
        self.assertEqual(m["after_free.blocks_unmovable"], 34)
        self.assertEqual(m["after_free.free_order9plus"], 27)
        self.assertEqual(m["fill.extfrag_events"], 10)
        self.assertEqual(m["hugetlb1.got"], 86)
        self.assertEqual(m["hugetlb1.compact_stall"], 74)
        self.assertEqual(m["after_free.unusable_o9.DMA32"], 0.819)
        self.assertEqual(m["boot.managed_pages.DMA32"], 113264)
        self.assertNotIn("after_refill.blocks_movable", m)
        self.assertGreaterEqual(m["run.compact_stall"], m["hugetlb1.compact_stall"])

    def test_metric_order_is_stable(self):
        a = [k for k, _ in kharness.run_metrics(load_run())]
        self.assertEqual(a, [k for k, _ in kharness.run_metrics(load_run())])
        self.assertEqual(len(a), len(set(a)))

    def test_table(self):
        rows = [("s", 512, 1, "hugetlb1.got", 80), ("s", 512, 2, "hugetlb1.got", 90)]
        self.assertIn("| s | 512 | 2 |", kharness.table(rows))
        self.assertIn("80/85.0/90", kharness.table(rows))


class Trace(unittest.TestCase):
    """tests/kernel/ktrace.py: the fast free-list search's share"""

    KERNEL = ("=== DUMP after_free t=0.100\n--- /proc/vmstat\ncompact_free_scanned 1000\n"
              "compact_isolated 500\n=== END after_free\n"
              "=== DUMP hugetlb1 t=0.200\n--- /proc/vmstat\ncompact_free_scanned 5000\n"
              "compact_isolated 900\n=== END hugetlb1\n=== DONE t=0.3\n=== TRACE\n"
              "  init-1 [000] ..... 5.000000: tracing_mark_write: fskwl start\n"
              "  fskwl-9 [000] ..... 5.150000: mm_compaction_begin: zone_start=0x1000 "
              "migrate_pfn=0x1000 free_pfn=0x1fe00 zone_end=0x1ffe0, mode=async\n"
              "  fskwl-9 [000] ..... 5.150001: mm_compaction_isolate_migratepages: "
              "range=(0x1000 ~ 0x1200) nr_scanned=300 nr_taken=100\n"
              "  fskwl-9 [000] ..... 5.150002: mm_compaction_isolate_freepages: "
              "range=(0x1fe00 ~ 0x20000) nr_scanned=700 nr_taken=60\n"
              "  fskwl-9 [000] ..... 5.150002: calloc: (compaction_alloc+0x0/0x1a0) nr=0\n"
              "  fskwl-9 [000] ..... 5.150002: calloc: (compaction_alloc+0x0/0x1a0) nr=0\n"
              "  fskwl-9 [000] ..... 5.150003: mm_compaction_migratepages: nr_migrated=90 nr_failed=10\n"
              "  fskwl-9 [000] ..... 5.150004: mm_compaction_end: zone_start=0x1000 "
              "migrate_pfn=0x1200 free_pfn=0x1fe00 zone_end=0x1ffe0, mode=async status=success\n"
              "=== END TRACE\n")

    def test_kernel_fast_search_from_vmstat(self):
        """vmstat over the pass less what the traced scanners did"""
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write(self.KERNEL)
        try:
            _, runs, _ = ktrace.kernel_trace(f.name, "hugetlb1")
            self.assertEqual([(r.migrate_taken, r.free_taken, r.failed) for r in runs], [(100, 60, 10)])
            # the kprobe on compaction_alloc: one line per call of the fast search
            self.assertEqual(ktrace.summary([], runs)["fast search: calls"], "2")
            # scanned 4000 - 700; isolated 400 - 100 - 60
            self.assertEqual(ktrace.kernel_fast_search(f.name, "hugetlb1", runs), (3300, 240))
        finally:
            os.unlink(f.name)

    def test_fragsim_fast_fields(self):
        line = ("trace: t=100 compact_zone who=direct zone=DMA32 order=9 mode=async whole_zone=0 "
                "status=success migrate_pfn=0x1000->0x1200 free_pfn=0x1fe00->0x1fe00 "
                "migrate_scanned=300 free_scanned=900 isolated=400 migrated=200 failed=40 captured=1 "
                "fast_scanned=800 fast_isolated=64 fast_hits=3 fast_calls=5\n"
                "trace: t=100 try_to_compact_pages order=9 prio=async stage=early result=success "
                "counted=success outcome=captured migrated=200\n")
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write(line)
        try:
            attempts, runs, _ = ktrace.fragsim_trace(f.name, 9)
            lines = ktrace.summary(attempts, runs)
            self.assertEqual(lines["fast search: blocks taken"], "3")
            self.assertEqual(lines["fast search: calls"], "5")
            self.assertEqual(lines["fast search: scanned (all runs)"], "800")
            self.assertEqual(lines["fast search: entries looked at - blocks taken"], "736")
            self.assertEqual(lines["direct migrate failed"], "40")
        finally:
            os.unlink(f.name)


class Scenarios(unittest.TestCase):
    def parse(self, text):
        return scenario.parse_text(text, "x.ini")

    def test_defaults_and_cmdline(self):
        s = self.parse("[scenario]\nmemory_mb = 512\nkernel_args = movablecore=50%\n")
        self.assertEqual(s.runs(), [(512, 1)])
        cmd = scenario.kernel_cmdline(s, 7)
        self.assertTrue(cmd.startswith(scenario.BASE_CMDLINE + " movablecore=50% fsk.seed=7 "))
        self.assertIn(" fsk.mix=60:30:10 ", cmd)
        self.assertIn(" fsk.tests=hugetlb ", cmd)

    def test_every_fskwl_key_on_the_cmdline(self):
        s = self.parse("")
        keys = [t.split("=")[0][4:] for t in scenario.kernel_cmdline(s, 1).split()
                if t.startswith("fsk.")]
        self.assertEqual(keys, [k for k, _ in scenario.fskwl_args(s, 1)])

    def test_errors_name_file_line_key(self):
        cases = {
            "[workload]\nfill_pct = 120\n": r"x.ini:2: \[workload\] fill_pct: .*0\.\.100",
            "[workload]\nfil_pct = 20\n": r"x.ini:2: \[workload\] unknown key 'fil_pct'",
            "[tests]\nrun = hugetlb, bogus\n": r"x.ini:2: \[tests\] run: unknown test 'bogus'",
            "[tests]\nthp_defrag = sometimes\n": r"x.ini:2: \[tests\] thp_defrag: expected one of",
            "[workload]\nmix = anon:1, rock:2\n": r"x.ini:2: \[workload\] mix: .*'rock:2'",
            "[nope]\n": r"x.ini:1: unknown section \[nope\]",
            "fill_pct = 1\n": r"x.ini:1: key 'fill_pct' outside any section",
            "[scenario]\nseeds = 1\nseeds = 2\n": r"x.ini:3: \[scenario\] seeds already set on line 2",
            "[scenario]\nkernel_args = fsk.seed=3\n": r"x.ini:2: \[scenario\] kernel_args: .*harness",
            "[workload]\nproactiveness_at = settle\n": r"x.ini:2: .*needs proactiveness",
            "[workload]\nsettle_s\n": r"x.ini:2: expected 'key = value'",
        }
        for text, pattern in cases.items():
            with self.subTest(text=text):
                with self.assertRaisesRegex(scenario.ScenarioError, pattern):
                    self.parse(text)

    def test_shipped_scenarios_parse(self):
        scns = scenario.load_dir(os.path.join(HERE, "scenarios"))
        self.assertGreaterEqual(len(scns), 10)
        for s in scns:
            for mem, seed in s.runs():
                self.assertIn(mem, (512, 1024))
                scenario.kernel_cmdline(s, seed)

    def test_fragsim_workload_phases(self):
        """the guest's protocol, phase by phase, tests in order"""
        scn = self.parse("[workload]\nrefill_pct = 50\nsettle_s = 60\nproactiveness = 100\n"
                         "proactiveness_at = settle\n[tests]\nrun = hugetlb, compact, thp, hugetlb\n"
                         "thp_defrag = never\n")
        wl = scenario.to_fragsim_workload(scn, 512, 1, thp_tries={1: 100})
        self.assertEqual([n for n, _, _ in wl.phases],
                         ["boot", "fill", "free", "refill", "settle", "hugetlb1", "compact1",
                          "thp1", "hugetlb2"])
        text = wl.text
        self.assertIn("fragment_fraction = 0.5", text)
        self.assertIn("footprint_of = freed", text)
        self.assertIn("[phase.settle]\nduration = 60000ms\nset = kcompactd.proactiveness=100", text)
        self.assertIn("thp_faults = 100", text)
        self.assertIn("thp_defrag = never", text)
        self.assertIn("thp_madvise = true", text)  # the guest madvises its region
        self.assertIn("thp_enabled = always", text)
        self.assertIn("nr_hugepages = memfree", text)
        # phases start half a sample after a sample: the state before a
        # phase is an exact sample
        for _, start, dur in wl.phases[1:]:
            self.assertEqual((start - scenario.BOOT_MS) % scenario.SAMPLE_MS, 0)
        self.assertTrue(any("THP 'enabled'" in n for n in wl.notes))

    def test_fragsim_workload_kernel_times(self):
        """with the kernel run's dump times, each phase lasts what the
        guest's did (rounded to a sample), so kcompactd's 500 ms checks fall
        in the same phases; a run whose dumps do not match the phases is an
        error, not a silent misalignment"""
        scn = self.parse("[tests]\nrun = hugetlb, thp\n")
        times = [0.008, 0.501, 0.672, 0.814, 0.8415]
        wl = scenario.to_fragsim_workload(scn, 512, 1, thp_tries={1: 100}, kernel_times=times)
        self.assertEqual([(n, d) for n, _, d in wl.phases],
                         [("boot", scenario.BOOT_MS), ("fill", 490), ("free", 170),
                          ("hugetlb1", 140), ("thp1", 30)])
        self.assertIn("[phase.thp1]\nduration = 30ms\n", wl.text)
        self.assertFalse(any("fixed times" in n for n in wl.notes))
        for _, start, _ in wl.phases[1:]:
            self.assertEqual((start - scenario.BOOT_MS) % scenario.SAMPLE_MS, 0)
        # a phase shorter than a sample still lasts one
        wl = scenario.to_fragsim_workload(scn, 512, 1, thp_tries={1: 100},
                                          kernel_times=[0.008, 0.501, 0.672, 0.673, 0.70])
        self.assertEqual(wl.phases[3][2], scenario.SAMPLE_MS)
        with self.assertRaises(ValueError):
            scenario.to_fragsim_workload(scn, 512, 1, thp_tries={1: 100}, kernel_times=times[:4])
        # without a kernel run the fixed lengths are used, and said
        wl = scenario.to_fragsim_workload(scn, 512, 1, thp_tries={1: 100})
        self.assertEqual(wl.phases[1][2], scenario.FILL_MS)
        self.assertTrue(any("fixed times" in n for n in wl.notes))

    def test_dump_sequence_keeps_repeated_tags(self):
        run = kdump.Run("=== DUMP boot t=0.008\n=== END boot\n=== DUMP sleep1 t=1.010\n"
                        "=== END sleep1\n=== DUMP sleep1 t=2.012\n=== END sleep1\n=== DONE\n")
        self.assertEqual(run.dump_seq, [("boot", 0.008), ("sleep1", 1.01), ("sleep1", 2.012)])

    def test_kcompactd_first_check(self):
        """the guest's clock and kcompactd's traced sleeps put fragsim's
        first proactive check where the guest's was, relative to the fill"""
        text = ("=== CLOCK t0_mono=1.782476\n=== DUMP boot t=0.008\n=== END boot\n"
                "=== KTRACE\n"
                "      kcompactd0-28      [000] .....     1.560061: mm_compaction_kcompactd_sleep: nid=0\n"
                "      kcompactd0-28      [000] .....     2.072014: mm_compaction_kcompactd_sleep: nid=0\n"
                "=== END KTRACE\n=== DONE t=0.712\n")
        run = kdump.Run(text)
        self.assertEqual(run.t0_mono, 1.782476)
        self.assertEqual(run.kcompactd_sleeps, [1.560061, 2.072014])
        # the fill begins at 1.790476; the next sleep is 281.538 ms later
        ns = scenario.kcompactd_first_check_ns(run)
        self.assertEqual(ns, scenario.BOOT_MS * 1_000_000 + 281_538_000)
        scn = self.parse("[tests]\nrun = thp\n")
        wl = scenario.to_fragsim_workload(scn, 512, 1, thp_tries={1: 100}, kcompactd_first_ns=ns)
        self.assertIn(f"kcompactd.first_check_ns={ns}", wl.sets)
        # an older run (no clock, no trace) gives no alignment
        self.assertIsNone(scenario.kcompactd_first_check_ns(
            kdump.Run("=== DUMP boot t=0.008\n=== END boot\n=== DONE\n")))
        with self.assertRaises(kdump.ParseError):
            kdump.Run("=== KTRACE\n x: mm_compaction_kcompactd_sleep: nid=0\n")

    def test_fragsim_workload_proactiveness_at_boot(self):
        scn = self.parse("[workload]\nproactiveness = 0\n")
        wl = scenario.to_fragsim_workload(scn, 512, 1)
        self.assertIn("kcompactd.proactiveness=0", wl.sets)
        self.assertNotIn("set =", wl.text)

    def test_load_missing_file(self):
        with self.assertRaisesRegex(scenario.ScenarioError, "nope.ini: No such file"):
            scenario.load(os.path.join(tempfile.gettempdir(), "nope.ini"))


class Initramfs(unittest.TestCase):
    def test_cpio_record_layout(self):
        rec = kharness._cpio_entry("init", 0o100755, b"abc", ino=3)
        self.assertTrue(rec.startswith(b"070701"))
        self.assertEqual(len(rec) % 4, 0)
        self.assertEqual(rec[110:115], b"init\0")
        self.assertEqual(int(rec[54:62], 16), 3)  # filesize
        self.assertEqual(int(rec[46:54], 16), 0)  # mtime


class TapResult(unittest.TextTestResult):
    """Minimal TAP: one line per test, for meson's protocol 'tap'."""
    n = 0

    def _line(self, ok, test, extra=""):
        TapResult.n += 1
        print(f"{'ok' if ok else 'not ok'} {TapResult.n} {test.id()}{extra}", flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(False, test)
        print("# " + self._exc_info_to_string(err, test).replace("\n", "\n# "))

    def addError(self, test, err):
        super().addError(test, err)
        self._line(False, test)
        print("# " + self._exc_info_to_string(err, test).replace("\n", "\n# "))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(True, test, f" # SKIP {reason}")


if __name__ == "__main__":
    if "--tap" in sys.argv:
        suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
        print(f"1..{suite.countTestCases()}", flush=True)
        stream = open(os.devnull, "w")
        result = unittest.TextTestRunner(stream=stream, resultclass=TapResult).run(suite)
        sys.exit(0 if result.wasSuccessful() else 1)
    unittest.main()
