"""Calibrate fragsim's machine from a kernel run's boot dump, and check that
the two machines match before anything is compared.

from_boot_dump() reads the guest's own zoneinfo, knobs, meminfo and vmstat at
boot and returns a Calibration: the engine keys (--set) that give fragsim the
kernel's zone layout (machine.zone_ends), reserved memory (machine.reserved:
so managed pages match zone by zone), min_free_kbytes (from the knobs, never a
formula: writing THP's 'enabled' recomputes it), watermark_scale_factor and
the lowmem_reserve protection arrays (vm.lowmem_reserve: the kernel computed
them before it freed its init memory, so no formula over the final managed
pages gives them); and the kernel memory in use at boot, which the fragsim
workload allocates in a boot phase.

check_match() compares fragsim's run.ini [derived] zone lines with the
kernel's zoneinfo; the comparator refuses to compare a pair that does not
match.

Where a kernel number cannot be reproduced exactly, this module says so in
Calibration.notes; docs/validation.md lists them.
"""

import kdump

PAGE_KB = 4
ZONES = ("DMA", "DMA32", "Normal", "Movable")
# 6.1 x86-64: struct page is 64 bytes and memblock allocates the memmap top-down
MEMMAP_BYTES_PER_PAGE = 64
# nokaslr: the kernel image is loaded at 16 MiB (pfn 4096), the start of DMA32
KERNEL_IMAGE_PFN = 4096
# x86 reserves the whole first MiB at boot (reserve_real_mode and friends)
LOW_RESERVED_PAGES = 256
# how far fragsim's zone numbers may be from the kernel's: the kernel's DMA
# starts at pfn 1 (pfn 0 is firmware's), fragsim's at 0
SPAN_TOLERANCE = 2
WMARK_TOLERANCE = 2


class CalibrationError(ValueError):
    pass


class Calibration:
    """sets: [(key, value)] engine settings; boot_pages: {what: pages} the
    kernel had in use at boot; zones: the kernel's zone numbers by name;
    notes: what does not match exactly and why."""

    def __init__(self):
        self.sets = []
        self.boot_pages = {}
        self.zones = {}
        self.min_free_kbytes = None
        self.memfree_pages = None
        self.total_pages = None
        self.notes = []

    def set_args(self):
        return [f"{k}={v}" for k, v in self.sets]


def _zones(zi):
    """populated zones in kernel order: name -> dict"""
    out = {}
    for (_, name), z in zi["zones"].items():
        if z["spanned"]:
            out[name] = z
    unknown = [n for n in out if n not in ZONES]
    if unknown:
        raise CalibrationError(f"zones fragsim does not model: {', '.join(unknown)}")
    return out


def from_boot_dump(boot):
    """boot: the run's 'boot' dump ({section: text}, kdump.Run.dumps['boot'])"""
    zi = kdump.parse_zoneinfo(boot[kdump.SECTION_ZONEINFO])
    knobs = kdump.parse_knobs(boot.get(kdump.SECTION_KNOBS, ""))
    meminfo = kdump.parse_meminfo(boot[kdump.SECTION_MEMINFO])
    vmstat = kdump.parse_vmstat(boot[kdump.SECTION_VMSTAT])
    zones = _zones(zi)
    cal = Calibration()
    cal.zones = zones

    # zone layout: each zone ends where the kernel's does; DMA starts at 0
    ends, prev = [], 0
    for name in ZONES:
        z = zones.get(name)
        if z is not None:
            start = z["start_pfn"]
            if name != "DMA" and start != prev:
                raise CalibrationError(f"zone {name} starts at pfn {start}, not where the "
                                       f"previous zone ends ({prev}): a hole fragsim cannot lay out")
            prev = start + z["spanned"]
        ends.append(prev)
    total = ends[-1]
    cal.total_pages = total
    cal.sets.append(("machine.memory", f"{total * PAGE_KB}K"))
    cal.sets.append(("machine.zone_ends", ",".join(str(e) for e in ends)))

    # reserved pages, zone by zone, so that managed = present - reserved
    # matches: DMA's low MiB; at the top of the highest zone the memmap;
    # the rest of a zone's reserve at its bottom (the kernel image at 16 MiB
    # in DMA32; what memblock put elsewhere is not known from the dumps)
    ranges = []
    names = [n for n in ZONES if n in zones]
    memmap = -(-total * MEMMAP_BYTES_PER_PAGE // 4096)
    for i, name in enumerate(names):
        z = zones[name]
        zstart = 0 if name == "DMA" else z["start_pfn"]
        zend = z["start_pfn"] + z["spanned"]
        deficit = (zend - zstart) - z["managed"]
        if deficit < 0:
            raise CalibrationError(f"zone {name}: managed {z['managed']} exceeds its span")
        bottom = top = 0
        if name == "DMA":
            bottom = min(deficit, LOW_RESERVED_PAGES)
            top = deficit - bottom
        elif name == "Movable":
            top = deficit  # no kernel image up there: memblock's top-down allocations
        elif i == len(names) - 1:
            top = min(deficit, memmap)
            bottom = deficit - top
        else:
            bottom = deficit
        if bottom:
            ranges.append((zstart, bottom))
        if top:
            ranges.append((zend - top, top))
    cal.sets.append(("machine.reserved", ", ".join(f"{s}+{n}" for s, n in ranges)))

    mfk = knobs.get("/proc/sys/vm/min_free_kbytes")
    if mfk is None:
        raise CalibrationError("the boot dump has no min_free_kbytes knob")
    cal.min_free_kbytes = int(mfk)
    cal.sets.append(("vm.min_free_kbytes", str(cal.min_free_kbytes)))
    for knob, key in (("/proc/sys/vm/watermark_scale_factor", "vm.watermark_scale_factor"),
                      ("/proc/sys/vm/watermark_boost_factor", "vm.watermark_boost_factor")):
        if knob in knobs:
            cal.sets.append((key, str(int(knobs[knob]))))
    prot = []
    for name in ZONES:
        z = zones.get(name)
        # zoneinfo prints one entry per zone type, Device included: keep four
        p = z["protection"][:4] if z is not None else [0, 0, 0, 0]
        prot.append(" ".join(str(v) for v in p))
    cal.sets.append(("vm.lowmem_reserve", ", ".join(prot)))
    # the guest has one vCPU
    cal.sets.append(("machine.cpus", "1"))

    # kernel memory in use at boot, in pages, from vmstat (nr_kernel_stack
    # is in kB); what vmstat does not name (vmalloc, percpu, the per-CPU
    # free lists, DMA pools) is the remainder of MemTotal - MemFree
    used = meminfo["MemTotal"] // PAGE_KB - meminfo["MemFree"] // PAGE_KB
    bp = {
        "slab_reclaimable": vmstat.get("nr_slab_reclaimable", 0),
        "slab_unmovable": vmstat.get("nr_slab_unreclaimable", 0),
        "kernel_stack": vmstat.get("nr_kernel_stack", 0) // PAGE_KB,
        "pagetable": vmstat.get("nr_page_table_pages", 0),
        "shmem": vmstat.get("nr_shmem", 0),
        "file": max(0, vmstat.get("nr_file_pages", 0) - vmstat.get("nr_shmem", 0)),
        "anon": vmstat.get("nr_anon_pages", 0),
    }
    bp["other_unmovable"] = max(0, used - sum(bp.values()))
    cal.boot_pages = bp
    cal.memfree_pages = meminfo["MemFree"] // PAGE_KB
    if zones["DMA"]["start_pfn"] if "DMA" in zones else 0:
        cal.notes.append(f"DMA starts at pfn {zones['DMA']['start_pfn']} in the kernel, at 0 in "
                         "fragsim (the pfns below are reserved in both)")
    holes = {n: z["spanned"] - z["present"] for n, z in zones.items() if z["spanned"] != z["present"]}
    if holes:
        cal.notes.append("holes inside zones are reserved pages in fragsim (present = spanned): "
                         + ", ".join(f"{n} {h} pages" for n, h in holes.items()))
    return cal


def parse_derived(run_ini_text):
    """fragsim's run.ini [derived]: {'min_free_kbytes': int, 'zones': {name: {...}}}"""
    out = {"zones": {}}
    section = None
    for line in run_ini_text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line[1:-1]
            continue
        if section != "derived" or "=" not in line:
            continue
        key, _, value = line.partition("=")
        if key == "min_free_kbytes":
            out["min_free_kbytes"] = int(value)
        elif key.startswith("zone."):
            z = {}
            for tok in value.split():
                k, _, v = tok.partition("=")
                z[k] = [int(x) for x in v.split("/")] if "/" in v else int(v)
            out["zones"][key[5:]] = z
    return out


def check_match(derived, cal):
    """[] when fragsim's machine (parse_derived of run.ini) is the kernel's,
    else one line per difference.  Spans and watermarks may differ by a
    page or two (the kernel's DMA starts at pfn 1); managed pages,
    min_free_kbytes and the protection arrays must be equal."""
    bad = []
    if derived.get("min_free_kbytes") != cal.min_free_kbytes:
        bad.append(f"min_free_kbytes: fragsim {derived.get('min_free_kbytes')}, "
                   f"kernel {cal.min_free_kbytes}")
    fz = {n: z for n, z in derived["zones"].items() if z.get("managed") or z.get("end_pfn", 0) >
          z.get("start_pfn", 0)}
    for name in ZONES:
        k = cal.zones.get(name)
        f = fz.get(name)
        if k is None and f is None:
            continue
        if k is None or f is None:
            bad.append(f"zone {name}: {'fragsim' if k is None else 'kernel'} only")
            continue
        kend = k["start_pfn"] + k["spanned"]
        checks = (("start_pfn", f["start_pfn"], k["start_pfn"], SPAN_TOLERANCE),
                  ("end_pfn", f["end_pfn"], kend, SPAN_TOLERANCE),
                  ("spanned", f["end_pfn"] - f["start_pfn"], k["spanned"], SPAN_TOLERANCE),
                  ("managed", f["managed"], k["managed"], 0),
                  ("min", f["min"], k["min"], WMARK_TOLERANCE),
                  ("low", f["low"], k["low"], WMARK_TOLERANCE),
                  ("high", f["high"], k["high"], WMARK_TOLERANCE))
        for what, fv, kv, tol in checks:
            if abs(fv - kv) > tol:
                bad.append(f"zone {name} {what}: fragsim {fv}, kernel {kv} (tolerance {tol})")
        fp = f.get("protection")
        if fp is not None and list(fp) != list(k["protection"][:4]):
            bad.append(f"zone {name} protection: fragsim {fp}, kernel {k['protection'][:4]}")
    return bad
