#!/usr/bin/env python3
"""Calibration of fragsim's machine from a kernel boot dump, and the check
that the two machines match (suite kernel-unit: no VM).  With --fragsim it
also runs fragsim on the calibration of the checked-in run and checks that
the machine it builds (run.ini [derived]) is the kernel's, for every shipped
scenario's translation."""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import calibrate  # noqa: E402
import kdump  # noqa: E402
import scenario  # noqa: E402
from test_kdump import TapResult  # noqa: E402

FRAGSIM = None


def boot_dump():
    with open(os.path.join(HERE, "data", "m512-hugetlb-after-free-s1.txt")) as f:
        return kdump.Run(f.read()).dumps["boot"]


class Calibrate(unittest.TestCase):
    def setUp(self):
        self.cal = calibrate.from_boot_dump(boot_dump())
        self.sets = dict(self.cal.sets)

    def test_layout_from_zoneinfo(self):
        # DMA32 starts at 4096 and spans 126944 pages: it ends at 131040
        self.assertEqual(self.sets["machine.zone_ends"], "4096,131040,131040,131040")
        self.assertEqual(self.sets["machine.memory"], f"{131040 * 4}K")

    def test_reserved_gives_managed(self):
        ranges = [tuple(int(x) for x in r.split("+")) for r in self.sets["machine.reserved"].split(",")]
        dma = sum(n for s, n in ranges if s < 4096)
        dma32 = sum(n for s, n in ranges if s >= 4096)
        self.assertEqual(4096 - dma, 3840)
        self.assertEqual(126944 - dma32, 113264)

    def test_knobs_not_formulas(self):
        self.assertEqual(self.sets["vm.min_free_kbytes"], "2725")
        # 433, not 113264 / 256 = 442: computed before init memory was freed
        self.assertEqual(self.sets["vm.lowmem_reserve"], "0 433 433 433, 0 0 0 0, 0 0 0 0, 0 0 0 0")

    def test_boot_memory(self):
        bp = self.cal.boot_pages
        self.assertEqual(bp["slab_reclaimable"], 2192)
        self.assertEqual(bp["kernel_stack"], 184)
        self.assertEqual(bp["shmem"], 651)
        self.assertEqual(sum(bp.values()), (468416 - 437816) // 4)

    def test_check_match(self):
        good = {"min_free_kbytes": 2725, "zones": {
            "DMA": {"start_pfn": 0, "end_pfn": 4096, "managed": 3840, "min": 22, "low": 27,
                    "high": 32, "protection": [0, 433, 433, 433]},
            "DMA32": {"start_pfn": 4096, "end_pfn": 131040, "managed": 113264, "min": 658,
                      "low": 822, "high": 986, "protection": [0, 0, 0, 0]}}}
        self.assertEqual(calibrate.check_match(good, self.cal), [])
        bad = {"min_free_kbytes": 2870, "zones": dict(good["zones"])}
        bad["zones"]["DMA32"] = dict(good["zones"]["DMA32"], managed=124928, min=695)
        errs = calibrate.check_match(bad, self.cal)
        self.assertTrue(any("min_free_kbytes" in e for e in errs))
        self.assertTrue(any("DMA32 managed" in e for e in errs))
        self.assertTrue(any("DMA32 min" in e for e in errs))

    def test_parse_derived(self):
        d = calibrate.parse_derived("[derived]\nmin_free_kbytes=5\nzone.DMA=start_pfn=0 end_pfn=4096 "
                                    "present=4096 managed=3840 min=1 low=2 high=3 protection=0/4/4/4\n")
        self.assertEqual(d["zones"]["DMA"]["protection"], [0, 4, 4, 4])
        self.assertEqual(d["min_free_kbytes"], 5)


class FragsimMachine(unittest.TestCase):
    """fragsim's machine from the calibration is the kernel's, for every
    shipped scenario's translation (the workload must also be accepted)"""

    def test_every_scenario(self):
        if not FRAGSIM:
            self.skipTest("no --fragsim given")
        cal = calibrate.from_boot_dump(boot_dump())
        build = os.path.dirname(os.path.dirname(FRAGSIM))
        env = dict(os.environ, FRAGSIM_POLICY_PATH=os.path.join(build, "policies"),
                   FRAGSIM_DATA_PATH=os.path.join(os.path.dirname(os.path.dirname(HERE)), "data"))
        for scn in scenario.load_dir(os.path.join(HERE, "scenarios")):
            with self.subTest(scenario=scn.name), tempfile.TemporaryDirectory() as tmp:
                wl = scenario.to_fragsim_workload(scn, 512, 1, cal, {1: 100})
                path = os.path.join(tmp, "w.ini")
                with open(path, "w") as f:
                    f.write(wl.text)
                # the machine only: one short run is enough
                args = [FRAGSIM, "run", "-q", "-w", path, "-p", "linux-6.1", "-o",
                        os.path.join(tmp, "out"), "--set", "sim.duration=100ms"]
                for s in wl.sets:
                    args += ["--set", s]
                r = subprocess.run(args, capture_output=True, text=True, env=env)
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(os.path.join(tmp, "out", "run.ini")) as f:
                    derived = calibrate.parse_derived(f.read())
                self.assertEqual(calibrate.check_match(derived, cal), [])


if __name__ == "__main__":
    if "--fragsim" in sys.argv:
        FRAGSIM = sys.argv[sys.argv.index("--fragsim") + 1]
    if "--tap" in sys.argv:
        suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
        print(f"1..{suite.countTestCases()}", flush=True)
        stream = open(os.devnull, "w")
        result = unittest.TextTestRunner(stream=stream, resultclass=TapResult).run(suite)
        sys.exit(0 if result.wasSuccessful() else 1)
    unittest.main(argv=[sys.argv[0]])
