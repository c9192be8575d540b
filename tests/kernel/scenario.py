"""Scenario files for the real-kernel harness: one scenario, two worlds.

A scenario file (tests/kernel/scenarios/NAME.ini) describes a machine, the
fskwl workload and its tests once.  This module reads it, checks every key
(errors name file, line, section and key), and turns it into the guest's
kernel command line.  It will also turn it into a fragsim workload:
to_fragsim_workload() is the point where that goes, and FRAGSIM_GAPS lists
what fragsim's workload format cannot yet express (docs/kernel-harness.md).
It does not boot anything (kharness.py does) nor parse results (kdump.py).

Format: '[section]' lines, 'key = value' lines, '#' or ';' comments; a key
given twice is an error.  Keys not given take the defaults in SCHEMA.
"""

import os

# trace_event/trace_clock: kcompactd's sleeps are traced from boot on the
# CLOCK_MONOTONIC clock, so the guest can tell where its 500 ms proactive
# timer stands relative to the workload (fskwl prints them at the end).
BASE_CMDLINE = ("console=ttyS0 loglevel=4 panic=-1 nokaslr rdinit=/init "
                "trace_event=compaction:mm_compaction_kcompactd_sleep trace_clock=mono")

THP_MODES = ("always", "madvise", "never", "keep")
THP_DEFRAG_MODES = ("always", "defer", "defer+madvise", "madvise", "never")
TESTS = ("hugetlb", "compact", "thp", "drop", "dump")
KINDS = ("anon", "shmem", "pipe")


class ScenarioError(ValueError):
    pass


def _int_range(lo, hi):
    def conv(v):
        try:
            n = int(v, 10)
        except ValueError:
            raise ValueError(f"expected an integer, got {v!r}") from None
        if not lo <= n <= hi:
            raise ValueError(f"expected an integer in {lo}..{hi}, got {n}")
        return n
    return conv


def _int_list(lo, hi):
    one = _int_range(lo, hi)

    def conv(v):
        items = [s.strip() for s in v.split(",") if s.strip()]
        if not items:
            raise ValueError("expected a comma-separated list of integers")
        out = [one(s) for s in items]
        if len(set(out)) != len(out):
            raise ValueError("a value is listed twice")
        return out
    return conv


def _choice(options):
    def conv(v):
        if v not in options:
            raise ValueError(f"expected one of {', '.join(options)}, got {v!r}")
        return v
    return conv


def _bool(v):
    if v in ("true", "yes", "1"):
        return True
    if v in ("false", "no", "0"):
        return False
    raise ValueError(f"expected true or false, got {v!r}")


def _mix(v):
    """'anon:60, shmem:30, pipe:10' -> (60, 30, 10); omitted kinds weigh 0"""
    weights = dict.fromkeys(KINDS, 0)
    seen = set()
    for part in (p.strip() for p in v.split(",")):
        kind, sep, w = part.partition(":")
        kind = kind.strip()
        if not sep or kind not in weights:
            raise ValueError(f"expected kind:weight with kind in {', '.join(KINDS)}, got {part!r}")
        if kind in seen:
            raise ValueError(f"kind {kind} given twice")
        seen.add(kind)
        weights[kind] = _int_range(0, 1000)(w.strip())
    if not sum(weights.values()):
        raise ValueError("all weights are zero")
    return tuple(weights[k] for k in KINDS)


def _tests(v):
    out = [s.strip() for s in v.split(",") if s.strip()]
    for t in out:
        if t not in TESTS and not (t.startswith("sleep") and t[5:].isdigit()):
            raise ValueError(f"unknown test {t!r} (known: {', '.join(TESTS)}, sleepN)")
    if not out:
        raise ValueError("expected at least one test")
    return out


def _kernel_args(v):
    toks = v.split()
    for t in toks:
        if t.startswith("fsk.") or t.split("=")[0] in ("console", "rdinit", "panic"):
            raise ValueError(f"{t!r} is set by the harness")
    return " ".join(toks)


def _text(v):
    return v


# section -> key -> (converter, default)
SCHEMA = {
    "scenario": {
        "description": (_text, ""),
        "memory_mb": (_int_list(256, 65536), [512, 1024]),
        "seeds": (_int_list(0, 2**63 - 1), [1]),
        "kernel_args": (_kernel_args, ""),
        # informative: the outcome depends on how direct compaction, kswapd
        # and kcompactd interleave; compare it as a distribution over seeds
        "chaotic": (_bool, False),
    },
    "workload": {
        "fill_pct": (_int_range(0, 100), 85),
        "mix": (_mix, (60, 30, 10)),
        "maxpg": (_int_range(1, 64), 16),
        "free_pct": (_int_range(0, 100), 50),
        "refill_pct": (_int_range(0, 100), 0),
        "refill_mix": (_mix, (0, 0, 100)),
        "settle_s": (_int_range(0, 3600), 0),
        "sample_s": (_int_range(0, 3600), 5),
        "proactiveness": (_int_range(-1, 100), -1),
        "proactiveness_at": (_choice(("boot", "settle")), "boot"),
        "thp_fill": (_choice(THP_MODES), "never"),
    },
    "tests": {
        "run": (_tests, ["hugetlb"]),
        "hugetlb_pages": (_int_range(0, 1 << 30), 0),
        "hugetlb_keep": (_bool, False),
        "thp_enabled": (_choice(THP_MODES), "always"),
        "thp_defrag": (_choice(THP_DEFRAG_MODES), "madvise"),
    },
}


class Scenario:
    """A parsed scenario: .name, .path and one attribute per key."""

    def __init__(self, name, path, values):
        self.name = name
        self.path = path
        self.values = values
        for section in values.values():
            for k, v in section.items():
                setattr(self, k, v)

    def runs(self, mems=None, seeds=None):
        """(mem_mb, seed) pairs, memory-major, optionally restricted"""
        return [(m, s) for m in self.memory_mb if mems is None or m in mems
                for s in self.seeds if seeds is None or s in seeds]


def parse_text(text, path, name=None):
    values = {sec: {} for sec in SCHEMA}
    seen = {}
    section = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        where = f"{path}:{lineno}"
        if line.startswith("["):
            if not line.endswith("]"):
                raise ScenarioError(f"{where}: malformed section header {line!r}")
            section = line[1:-1].strip()
            if section not in SCHEMA:
                raise ScenarioError(f"{where}: unknown section [{section}] "
                                    f"(known: {', '.join(SCHEMA)})")
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise ScenarioError(f"{where}: expected 'key = value', got {line!r}")
        if section is None:
            raise ScenarioError(f"{where}: key {key!r} outside any section")
        if key not in SCHEMA[section]:
            raise ScenarioError(f"{where}: [{section}] unknown key {key!r} "
                                f"(known: {', '.join(SCHEMA[section])})")
        if (section, key) in seen:
            raise ScenarioError(f"{where}: [{section}] {key} already set on line "
                                f"{seen[(section, key)]}")
        seen[(section, key)] = lineno
        try:
            values[section][key] = SCHEMA[section][key][0](value)
        except ValueError as e:
            raise ScenarioError(f"{where}: [{section}] {key}: {e}") from None
    for sec, keys in SCHEMA.items():
        for key, (_, default) in keys.items():
            values[sec].setdefault(key, default)
    if name is None:
        name = os.path.splitext(os.path.basename(path))[0]
    scn = Scenario(name, path, values)
    if scn.proactiveness < 0 and ("workload", "proactiveness_at") in seen:
        raise ScenarioError(f"{path}:{seen[('workload', 'proactiveness_at')]}: [workload] "
                            "proactiveness_at needs proactiveness >= 0")
    if "thp" in scn.run and scn.thp_enabled in ("never", "keep"):
        raise ScenarioError(f"{path}: [tests] run has thp but thp_enabled = {scn.thp_enabled}")
    return scn


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise ScenarioError(f"{path}: {e.strerror}") from None
    return parse_text(text, path)


def load_dir(directory):
    """every *.ini in directory, sorted by name"""
    names = sorted(n for n in os.listdir(directory) if n.endswith(".ini"))
    if not names:
        raise ScenarioError(f"{directory}: no scenario files (*.ini)")
    return [load(os.path.join(directory, n)) for n in names]


def _mix_arg(mix):
    return ":".join(str(w) for w in mix)


def fskwl_args(scn, seed):
    """the guest workload's arguments, every key, in a fixed order"""
    return [
        ("seed", seed),
        ("fill_pct", scn.fill_pct),
        ("mix", _mix_arg(scn.mix)),
        ("maxpg", scn.maxpg),
        ("free_pct", scn.free_pct),
        ("refill_pct", scn.refill_pct),
        ("refill_mix", _mix_arg(scn.refill_mix)),
        ("settle_s", scn.settle_s),
        ("sample_s", scn.sample_s),
        ("proactiveness", scn.proactiveness),
        ("proactiveness_at", scn.proactiveness_at),
        ("thp_fill", scn.thp_fill),
        ("tests", ",".join(scn.run)),
        ("hugetlb_pages", scn.hugetlb_pages),
        ("hugetlb_keep", int(scn.hugetlb_keep)),
        ("thp_enabled", scn.thp_enabled),
        ("thp_defrag", scn.thp_defrag),
    ]


def kernel_cmdline(scn, seed):
    """The whole kernel command line of one run.  It is part of the cache key
    and, in deterministic mode, of the result: any byte changes the run."""
    parts = [BASE_CMDLINE]
    if scn.kernel_args:
        parts.append(scn.kernel_args)
    parts.extend(f"fsk.{k}={v}" for k, v in fskwl_args(scn, seed))
    return " ".join(parts)


# What fragsim cannot express of a scenario, even with the workload format of
# docs/workloads.md: to_fragsim_workload() returns the ones that apply to a
# scenario as notes, and docs/validation.md explains each.
FRAGSIM_GAPS = {
    "thp_enabled": "THP 'enabled' is written between phases (the thp test writes it, then "
                   "thp_fill); the kernel then recomputes min_free_kbytes and the watermarks "
                   "(set_recommended_min_free_kbytes), fragsim keeps the boot ones: engine "
                   "keys cannot change during a run",
    "thp_tries": "the thp test's fault count is 90% of MemFree / 2 MiB at run time; fragsim's "
                 "thp_faults is a number, taken from the kernel run's tries= (or estimated)",
    "item_metadata": "an item's kernel metadata (metadata = true: a tmpfs file's xarray node, "
                     "a pipe's inode, pipe_inode_info, buffer ring, dentry and two struct files, "
                     "a page-table page per 512 anonymous pages) is allocated from fragsim's "
                     "caches, whose inodes are 1 KiB objects (the kernel's pipefs and shmem "
                     "inodes are smaller); the anonymous mappings' VMAs (merged, being "
                     "adjacent) and the upper page-table levels are not",
    "phase_times": "no kernel run given: phases last fixed times (fill 1 s, free 150 ms, tests "
                   "250 ms, thp 1 s), not the guest's, so kcompactd's 500 ms checks fall "
                   "elsewhere",
    "boot_placement": "the kernel memory in use at boot is allocated in a boot phase from the "
                      "free lists, not where the kernel's own boot put it",
}

# Phase timing of the fragsim translation.  The sampler runs every
# SAMPLE_MS; phases start at BOOT_MS + k * SAMPLE_MS, so the state "after" a
# phase is the sample SAMPLE_MS / 2 before the next phase starts.  With the
# kernel run's dump times (kernel_times) each phase lasts what the guest's
# did, rounded to SAMPLE_MS; the fixed lengths below are for a translation
# without a kernel run (compare.py workload).
SAMPLE_MS = 10
BOOT_MS = 25
FILL_MS = 1000
FREE_MS = 150
TEST_MS = 250
THP_MS = 1000


class FragsimWorkload:
    """text: the workload file; sets: ['section.key=value'] for --set;
    phases: [(name, start_ms, duration_ms)]; notes: what is approximated."""

    def __init__(self, text, sets, phases, notes):
        self.text = text
        self.sets = sets
        self.phases = phases
        self.notes = notes

    def phase_start_ms(self, name):
        for n, start, _ in self.phases:
            if n == name:
                return start
        raise KeyError(name)

    def end_ms(self):
        n, start, dur = self.phases[-1]
        return start + dur


def _mix_text(mix):
    return ", ".join(f"{k}:{w}" for k, w in zip(KINDS, mix) if w)


def kernel_phase_ms(times, nphases):
    """Phase lengths (ms) from the guest's dump times: times[i] (seconds
    since fskwl started) is the dump that ends phase i (the boot dump ends
    the boot phase), so phase i >= 1 lasted times[i] - times[i-1] of the
    guest's virtual time.  Rounded to SAMPLE_MS, at least one SAMPLE_MS.
    None for the boot phase (the guest's boot before fskwl is not timed)."""
    if len(times) != nphases:
        raise ValueError(f"the kernel run has {len(times)} dumps for {nphases} phases")
    out = [None]
    for i in range(1, nphases):
        if times[i] is None or times[i - 1] is None:
            raise ValueError(f"the kernel run's dump {i} has no time")
        ms = (times[i] - times[i - 1]) * 1000
        out.append(max(SAMPLE_MS, int(round(ms / SAMPLE_MS)) * SAMPLE_MS))
    return out


def kcompactd_first_check_ns(run):
    """When the guest's kcompactd first checked (its 500 ms timeout) after
    the fill began, as a time on fragsim's clock, whose fill begins at
    BOOT_MS: the first traced kcompactd sleep after the boot dump (a sleep
    follows each check at once; the kernel's timer wheel and scheduling
    delay are in it).  None when the run has no clock or trace (an older
    cached run) or kcompactd never slept after the fill began."""
    t_boot = run.dump_times.get("boot")
    if run.t0_mono is None or t_boot is None:
        return None
    fill0 = run.t0_mono + t_boot
    after = [t for t in run.kcompactd_sleeps if t > fill0]
    if not after:
        return None
    return max(1, int(round(BOOT_MS * 1e6 + (after[0] - fill0) * 1e9)))


def to_fragsim_workload(scn, mem_mb, seed, cal=None, thp_tries=None, kernel_times=None,
                        kcompactd_first_ns=None):
    """The scenario as a fragsim workload (FragsimWorkload) reproducing the
    guest's protocol phase by phase: boot (the kernel memory in use at boot,
    from cal.boot_pages), fill, free, refill, settle, then each test in
    order.  cal: a calibrate.Calibration of the kernel run's boot dump (the
    machine keys come from it); without one, fragsim's defaults for mem_mb.
    thp_tries: {pass: faults} from the kernel run (the thp test sizes itself
    from MemFree at run time); without it, 90% of the memory freed.  seed is
    the fragsim seed (-s); it is in the text for the record only.
    kernel_times: the kernel run's dump times in order (kdump.Run.dump_seq's
    t values); each phase then lasts as long as the guest's did, so
    kcompactd's 500 ms checks and the daemons' background work fall where
    they fell in the guest.  Without it, fixed lengths (FILL_MS...).
    kcompactd_first_ns: kcompactd_first_check_ns() of the kernel run; with
    it fragsim's first proactive check falls where the guest's did."""
    notes = []
    sets = list(cal.set_args()) if cal is not None else [f"machine.memory={mem_mb}M",
                                                         "machine.cpus=1"]
    if cal is not None:
        notes += cal.notes
    if scn.proactiveness >= 0 and scn.proactiveness_at == "boot":
        sets.append(f"kcompactd.proactiveness={scn.proactiveness}")
    sets.append(f"sim.sample_interval={SAMPLE_MS}ms")
    if kcompactd_first_ns is not None:
        sets.append(f"kcompactd.first_check_ns={min(kcompactd_first_ns, 1_000_000_000)}")
    phases = []        # (name, duration_ms, [lines])
    streams = {}       # name -> [lines]

    # boot: the kernel's memory in use at boot, kept for the whole run
    boot_streams = []
    bp = cal.boot_pages if cal is not None else {}
    total = cal.total_pages if cal is not None else mem_mb * 256
    boot_kinds = (("slab_reclaimable", "slab_reclaimable", "inode", 4),
                  ("slab_unmovable", "slab_unmovable", "kmalloc-1k", 4),
                  ("kernel_stack", "kernel_stack", None, 1),
                  ("pagetable", "pagetable", None, 1),
                  ("shmem", "shmem", None, 1),
                  ("file", "file", None, 1),
                  ("anon", "anon", None, 1),
                  ("other_unmovable", "module", None, 1))
    for what, kind, cache, per_page in boot_kinds:
        pages = bp.get(what, 0)
        if not pages:
            continue
        name = "boot_" + what
        lines = [f"kind = {kind}"]
        if cache:
            # slab streams count objects: 1 KiB objects, 4 to a page
            lines += [f"cache = {cache}", "in_use = true"]
        if kind == "kernel_stack":
            # 16 KiB stacks, vmalloc'd (CONFIG_VMAP_STACK=y in Debian)
            lines += ["orders = 2"]
            pages = pages  # allocated_pages counts pages for page kinds
        lines += ["lifetime = forever", "fill = true",
                  f"footprint = {pages * per_page / total:.9f}", "tasks = 1", "think = 1us"]
        streams[name] = lines
        boot_streams.append(name)
    phases.append(("boot", BOOT_MS, [f"streams = {', '.join(boot_streams)}"] if boot_streams else []))

    item = f"uniform:1,{scn.maxpg}" if scn.maxpg > 1 else "1"
    streams["items"] = [f"mix = {_mix_text(scn.mix)}", f"item_pages = {item}", "files = true",
                        "metadata = true", "lifetime = forever", "fill = true", f"footprint = {scn.fill_pct / 100}",
                        "footprint_of = memfree", "tasks = 1", "think = 1us"]
    phases.append(("fill", FILL_MS, ["streams = items"]))
    phases.append(("free", FREE_MS, ["fragment_stream = items", "fragment_mode = items",
                                     f"fragment_fraction = {scn.free_pct / 100}"]))
    if scn.refill_pct:
        streams["refill"] = [f"mix = {_mix_text(scn.refill_mix)}", f"item_pages = {item}"] + (
            ["files = true"] if scn.refill_mix[1] else []) + ["metadata = true", "lifetime = forever", "fill = true",
                             f"footprint = {scn.refill_pct / 100}", "footprint_of = freed",
                             "tasks = 1", "think = 1us"]
        phases.append(("refill", FILL_MS, ["streams = refill"]))
    pending_set = None
    if scn.proactiveness >= 0 and scn.proactiveness_at == "settle":
        pending_set = f"set = kcompactd.proactiveness={scn.proactiveness}"
    if scn.settle_s:
        lines = [pending_set] if pending_set else []
        pending_set = None
        phases.append(("settle", scn.settle_s * 1000, lines))
    counts = {}
    for test in scn.run:
        base = "sleep" if test.startswith("sleep") else test
        counts[base] = counts.get(base, 0) + 1
        name = f"{base}{counts[base]}"
        lines = [pending_set] if pending_set else []
        pending_set = None
        dur = TEST_MS
        if test == "hugetlb":
            lines.append(f"nr_hugepages = {scn.hugetlb_pages or 'memfree'}")
            if scn.hugetlb_keep:
                lines.append("nr_hugepages_keep = true")
        elif test == "compact":
            lines.append("compact = true")
        elif test == "drop":
            lines.append("drop_caches = 3")
        elif test == "thp":
            n = (thp_tries or {}).get(counts[base])
            if n is None:
                n = int(total * (1 - scn.fill_pct / 100 * (1 - scn.free_pct / 100)) * 0.9 / 512)
                notes.append(f"{name}: thp_faults = {n} estimated (no kernel tries= given)")
            # the thp test madvises its region (MADV_HUGEPAGE) and writes
            # enabled and defrag first
            lines += [f"thp_faults = {n}", "thp_interval = 1us", "thp_madvise = true",
                      f"thp_enabled = {scn.thp_enabled}", f"thp_defrag = {scn.thp_defrag}"]
            dur = THP_MS
        elif test.startswith("sleep"):
            dur = int(test[5:]) * 1000
        phases.append((name, dur, lines))
        if test == "thp":
            notes.append(FRAGSIM_GAPS["thp_enabled"])
            notes.append(FRAGSIM_GAPS["thp_tries"])
    if scn.thp_fill not in ("never", "keep"):
        notes.append(FRAGSIM_GAPS["thp_enabled"])
    notes.append(FRAGSIM_GAPS["item_metadata"])
    notes.append(FRAGSIM_GAPS["boot_placement"])

    if kernel_times is not None:
        lengths = kernel_phase_ms(kernel_times, len(phases))
        phases = [(n, dur if ms is None else ms, lines)
                  for (n, dur, lines), ms in zip(phases, lengths)]
    else:
        notes.append(FRAGSIM_GAPS["phase_times"])

    out = [f"# scenario {scn.name} ({scn.path}), {mem_mb} MB, seed {seed}: generated by",
           "# tests/kernel/scenario.py to_fragsim_workload(); machine keys come as --set",
           "# from the kernel run's boot dump (tests/kernel/calibrate.py).",
           "[workload]", f"name = kernel-{scn.name}",
           f"description = {scn.description or scn.name}",
           "protocol = fragsim kernel harness (issue #12), tests/kernel/fskwl.c",
           "phases = " + ", ".join(n for n, _, _ in phases), ""]
    timeline, t = [], 0
    for n, dur, lines in phases:
        timeline.append((n, t, dur))
        t += dur
        out += [f"[phase.{n}]", f"duration = {dur}ms"] + lines + [""]
    for n, lines in streams.items():
        out += [f"[stream.{n}]"] + lines + [""]
    seen, uniq = set(), []
    for n in notes:
        if n not in seen:
            seen.add(n)
            uniq.append(n)
    return FragsimWorkload("\n".join(out), sets, timeline, uniq)
