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

BASE_CMDLINE = "console=ttyS0 loglevel=4 panic=-1 nokaslr rdinit=/init"

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


# What fragsim's workload format (docs/workloads.md) lacks to express a
# scenario faithfully; docs/kernel-harness.md explains each.
FRAGSIM_GAPS = (
    "items of k order-0 pages allocated together and freed together "
    "(a tmpfs file, a pipe's buffers, an anonymous mapping), k drawn from a distribution",
    "shmem/tmpfs pages: movable, swap-backed, not dropped like clean page cache",
    "slab objects that stay in use while their owner lives (the dentry and inode "
    "of each tmpfs file), as distinct from freeable cache objects",
    "a fill sized from MemFree at run time and a free phase that frees each "
    "item with probability P (not pages by lifetime)",
    "the hugetlb pool: nr_hugepages = N with N computed at run time from MemFree, "
    "stopping at the first failure; pool pages never reclaimed nor moved by compaction",
    "a sysctl changed at a point in the run (vm.compaction_proactiveness at the "
    "start of the settle phase); THP 'enabled' changed between phases",
)


def to_fragsim_workload(scn, mem_mb, seed, zoneinfo=None):
    """The same scenario as a fragsim workload file (text).  Not written yet:
    fragsim's format cannot express FRAGSIM_GAPS.  When it can, build the
    [machine] section from the boot dump's zoneinfo (zone spans, managed
    pages, watermarks, lowmem_reserve), one [stream] per item kind and one
    [phase] per fskwl phase, and drop this exception."""
    raise NotImplementedError(
        f"scenario {scn.name}: no fragsim workload yet; the format lacks:\n  - "
        + "\n  - ".join(FRAGSIM_GAPS))
