"""Parsers for what the guest workload (fskwl.c) writes to its serial port.

A run's output is a sequence of "=== DUMP <tag>" blocks, each holding
"--- <file>" sections (the kernel's own /proc and debugfs text, verbatim),
plus "RESULT", "SAMPLE" and "SET" lines.  This module turns those into plain
dicts and lists; it computes nothing the kernel did not print, except the
sums that metrics() documents.  It does not know about scenarios or the cache.

Every parser takes the section's text and raises ParseError naming the file
and the offending line when the text is not what Linux 6.1 prints.
"""

import re

MIGRATETYPES = ("Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate")
# enum migratetype in include/linux/mmzone.h as Debian builds 6.1: no
# CONFIG_CMA, so MIGRATE_ISOLATE is 4 (the hist prints the numbers)
MIGRATETYPE_BY_NUMBER = {0: "unmovable", 1: "movable", 2: "reclaimable",
                         3: "highatomic", 4: "isolate"}

SECTION_BUDDYINFO = "/proc/buddyinfo"
SECTION_PAGETYPEINFO = "/proc/pagetypeinfo"
SECTION_MEMINFO = "/proc/meminfo"
SECTION_VMSTAT = "/proc/vmstat"
SECTION_ZONEINFO = "/proc/zoneinfo"
SECTION_EXTFRAG = "/sys/kernel/debug/extfrag/extfrag_index"
SECTION_UNUSABLE = "/sys/kernel/debug/extfrag/unusable_index"
SECTION_HIST = "/sys/kernel/debug/tracing/events/kmem/mm_page_alloc_extfrag/hist"
SECTION_KNOBS = "knobs"


class ParseError(ValueError):
    """Text that does not look like what the kernel prints."""

    def __init__(self, what, lineno, line, why):
        super().__init__(f"{what}:{lineno}: {why}: {line.strip()!r}")


_ZONE_LINE = re.compile(r"^Node\s+(\d+),\s+zone\s+(\S+)\s*(.*)$")


def _zone_rows(text, what, conv):
    """Lines 'Node N, zone NAME v0 v1 ...' -> {(node, zone): [values]}"""
    rows = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = _ZONE_LINE.match(line)
        if not m:
            raise ParseError(what, lineno, line, "expected 'Node N, zone NAME values'")
        try:
            rows[(int(m.group(1)), m.group(2))] = [conv(v) for v in m.group(3).split()]
        except ValueError:
            raise ParseError(what, lineno, line, "a value is not a number") from None
    return rows


def parse_buddyinfo(text):
    """{(node, zone): [nr_free at order 0..MAX_ORDER-1]}"""
    return _zone_rows(text, SECTION_BUDDYINFO, int)


def parse_index(text, what=SECTION_UNUSABLE):
    """extfrag_index or unusable_index: {(node, zone): [float per order]}.
    extfrag_index prints -1.000 where an order can be satisfied."""
    return _zone_rows(text, what, float)


def parse_pagetypeinfo(text):
    """{'pageblock_order', 'pages_per_block',
        'free': {(node, zone, migratetype): [nr_free per order]},
        'blocks': {(node, zone): {migratetype: nr_pageblocks}}}"""
    out = {"pageblock_order": None, "pages_per_block": None, "free": {}, "blocks": {}}
    block_types = None
    free_re = re.compile(r"^Node\s+(\d+),\s+zone\s+(\S+),\s+type\s+(\S+)\s+(.*)$")
    for lineno, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s:
            continue
        try:
            if s.startswith("Page block order:"):
                out["pageblock_order"] = int(s.split(":")[1])
            elif s.startswith("Pages per block:"):
                out["pages_per_block"] = int(s.split(":")[1])
            elif s.startswith("Free pages count per migrate type"):
                continue
            elif s.startswith("Number of blocks type"):
                block_types = s[len("Number of blocks type"):].split()
            elif s.startswith("Number of mixed blocks"):
                # only with CONFIG_PAGE_OWNER, absent from Debian's kernel
                block_types = None
            else:
                m = free_re.match(s)
                if m:
                    key = (int(m.group(1)), m.group(2), m.group(3))
                    out["free"][key] = [int(v) for v in m.group(4).split()]
                    continue
                m = _ZONE_LINE.match(s)
                if m and block_types is not None:
                    counts = [int(v) for v in m.group(3).split()]
                    if len(counts) != len(block_types):
                        raise ParseError(SECTION_PAGETYPEINFO, lineno, line,
                                         f"{len(counts)} counts for {len(block_types)} types")
                    out["blocks"][(int(m.group(1)), m.group(2))] = dict(zip(block_types, counts))
                    continue
                raise ParseError(SECTION_PAGETYPEINFO, lineno, line, "unrecognised line")
        except ValueError as e:
            if isinstance(e, ParseError):
                raise
            raise ParseError(SECTION_PAGETYPEINFO, lineno, line, "a value is not a number") from None
    if out["pageblock_order"] is None or not out["blocks"]:
        raise ParseError(SECTION_PAGETYPEINFO, 0, text[:60],
                         "no 'Page block order' or no 'Number of blocks type' table")
    return out


def parse_vmstat(text):
    """{counter: int}"""
    out = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2:
            raise ParseError(SECTION_VMSTAT, lineno, line, "expected 'name value'")
        try:
            out[parts[0]] = int(parts[1])
        except ValueError:
            raise ParseError(SECTION_VMSTAT, lineno, line, "value is not an integer") from None
    return out


def parse_meminfo(text):
    """{field: int}, in kB for fields printed with 'kB', else a count"""
    out = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = re.match(r"^([^:]+):\s+(\d+)(?:\s+kB)?\s*$", line)
        if not m:
            raise ParseError(SECTION_MEMINFO, lineno, line, "expected 'Field: value [kB]'")
        out[m.group(1)] = int(m.group(2))
    return out


_ZONEINFO_SCALARS = ("spanned", "present", "managed", "cma", "boost", "min", "low", "high")


def parse_zoneinfo(text):
    """{'nodes': {node: {per-node stat: int}},
        'zones': {(node, zone): {'pages_free', 'min', 'low', 'high', 'boost',
                                 'spanned', 'present', 'managed', 'cma',
                                 'protection': [lowmem_reserve per zone],
                                 'start_pfn' (populated zones only),
                                 'nr_free_pages' and the other zone stats}}}
    Zone order is the kernel's (dict insertion order)."""
    nodes, zones = {}, {}
    zone = node_stats = None
    in_pagesets = False
    for lineno, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s:
            continue
        m = _ZONE_LINE.match(s)
        if m and s.startswith("Node"):
            key = (int(m.group(1)), m.group(2))
            zone = zones.setdefault(key, {})
            node_stats = None
            in_pagesets = False
            continue
        if zone is None:
            raise ParseError(SECTION_ZONEINFO, lineno, line, "text before the first zone")
        try:
            if s == "per-node stats":
                node_stats = nodes.setdefault(key[0], {})
            elif s.startswith("pages free"):
                node_stats = None
                zone["pages_free"] = int(s.split()[2])
            elif s.startswith("protection:"):
                inner = s[s.index("(") + 1:s.index(")")]
                zone["protection"] = [int(v) for v in inner.split(",")]
            elif s == "pagesets":
                in_pagesets = True
            elif s.startswith("start_pfn:"):
                zone["start_pfn"] = int(s.split()[1])
                in_pagesets = False
            elif s.startswith("node_unreclaimable:"):
                zone["node_unreclaimable"] = int(s.split()[1])
                in_pagesets = False
            elif s.startswith("vm stats threshold:"):
                zone["vm_stats_threshold"] = int(s.split()[-1])
            elif in_pagesets:
                continue  # per-cpu lists: count/high/batch, not needed
            else:
                parts = s.split()
                if len(parts) != 2:
                    raise ParseError(SECTION_ZONEINFO, lineno, line, "expected 'name value'")
                target = node_stats if node_stats is not None else zone
                target[parts[0]] = int(parts[1])
        except (ValueError, IndexError):
            raise ParseError(SECTION_ZONEINFO, lineno, line, "malformed value") from None
    for key, z in zones.items():
        missing = [f for f in ("pages_free", "protection") + _ZONEINFO_SCALARS if f not in z]
        if missing:
            raise ParseError(SECTION_ZONEINFO, 0, f"Node {key[0]}, zone {key[1]}",
                             "zone lacks " + ", ".join(missing))
    return {"nodes": nodes, "zones": zones}


def parse_extfrag_hist(text):
    """The hist file of kmem:mm_page_alloc_extfrag, one or more triggers:
    {trigger name: {'keys': [key names], 'entries': [({key: int}, hitcount)],
                    'hits': int, 'dropped': int}}"""
    out = {}
    cur = None
    for lineno, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s.startswith("# trigger info:"):
            m = re.search(r"hist:name=([^:]+):keys=([^:]+):", s)
            if not m:
                raise ParseError(SECTION_HIST, lineno, line, "trigger info without name/keys")
            cur = out[m.group(1)] = {"keys": m.group(2).split(","), "entries": [],
                                     "hits": None, "dropped": None}
        elif s.startswith("{"):
            if cur is None:
                raise ParseError(SECTION_HIST, lineno, line, "entry before trigger info")
            m = re.match(r"^\{(.*)\}\s+hitcount:\s+(\d+)$", s)
            if not m:
                raise ParseError(SECTION_HIST, lineno, line, "malformed entry")
            keys = {}
            for part in m.group(1).split(","):
                k, _, v = part.partition(":")
                keys[k.strip()] = int(v)
            cur["entries"].append((keys, int(m.group(2))))
        elif s.startswith("Hits:") and cur is not None:
            cur["hits"] = int(s.split()[1])
        elif s.startswith("Dropped:") and cur is not None:
            cur["dropped"] = int(s.split()[1])
    return out


def parse_knobs(text):
    """'path value' lines -> {path: value string}"""
    out = {}
    for line in text.splitlines():
        if line.strip():
            path, _, value = line.partition(" ")
            out[path] = value.strip()
    return out


def parse_kv(line):
    """'WORD k=v k=v ...' -> {k: int, float or str}"""
    out = {}
    for tok in line.split()[1:]:
        k, sep, v = tok.partition("=")
        if not sep:
            continue
        for conv in (int, float):
            try:
                out[k] = conv(v)
                break
            except ValueError:
                pass
        else:
            out[k] = v
    return out


class Run:
    """One run's output: .dumps {tag: {section: text}} in order, .results,
    .samples (lists of dicts), .params, .cmdline, .done, .exit_code."""

    def __init__(self, text):
        self.dumps = {}
        self.dump_times = {}
        self.dump_seq = []      # [(tag, t)] in output order (tags may repeat)
        self.t0_mono = None     # fskwl's start, CLOCK_MONOTONIC seconds
        self.kcompactd_sleeps = []  # CLOCK_MONOTONIC seconds, from the boot-time trace
        self.results = []
        self.samples = []
        self.sets = []
        self.params = {}
        self.cmdline = None
        self.uname = None
        self.done = False
        self.exit_code = None
        self.errors = []
        lines = text.replace("\r", "").split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("=== DUMP "):
                parts = line.split()
                tag = parts[2]
                self.dump_times[tag] = parse_kv("x " + " ".join(parts[3:])).get("t")
                self.dump_seq.append((tag, self.dump_times[tag]))
                sections, name, body = {}, None, []
                i += 1
                while i < len(lines) and lines[i] != f"=== END {tag}":
                    if lines[i].startswith("--- "):
                        if name is not None:
                            sections[name] = "\n".join(body) + "\n"
                        name, body = lines[i][4:].split(" (unreadable")[0], []
                    elif name is not None:
                        body.append(lines[i])
                    i += 1
                if i == len(lines):
                    raise ParseError("run output", i, line, f"dump {tag} has no '=== END {tag}'")
                if name is not None:
                    sections[name] = "\n".join(body) + "\n"
                self.dumps[tag] = sections
            elif line.startswith("=== CLOCK "):
                self.t0_mono = parse_kv(line[4:]).get("t0_mono")
            elif line == "=== KTRACE":
                i += 1
                while i < len(lines) and lines[i] != "=== END KTRACE":
                    head = lines[i].split(": mm_compaction_kcompactd_sleep:")[0]
                    if head != lines[i]:
                        try:
                            self.kcompactd_sleeps.append(float(head.split()[-1]))
                        except ValueError:
                            raise ParseError("run output", i + 1, lines[i],
                                             "a kcompactd_sleep line without a time")
                    i += 1
                if i == len(lines):
                    raise ParseError("run output", i, line, "'=== KTRACE' has no '=== END KTRACE'")
            elif line.startswith("RESULT "):
                self.results.append(parse_kv(line))
            elif line.startswith("SAMPLE "):
                self.samples.append(parse_kv(line))
            elif line.startswith("SET "):
                self.sets.append(parse_kv(line))
            elif line.startswith("=== PARAMS "):
                self.params = parse_kv(line[4:])
            elif line.startswith("=== CMDLINE "):
                self.cmdline = line[len("=== CMDLINE "):]
            elif line.startswith("=== UNAME "):
                self.uname = line[len("=== UNAME "):]
            elif line.startswith("=== DONE"):
                self.done = True
            elif line.startswith("=== EXIT "):
                self.exit_code = int(line.split()[2])
            elif line.startswith("ERROR "):
                self.errors.append(line)
            i += 1

    def section(self, tag, name):
        try:
            return self.dumps[tag][name]
        except KeyError:
            raise KeyError(f"run output has no section {name} in dump {tag}") from None

    def tests(self, name):
        return [r for r in self.results if r.get("test") == name]

    def phase(self, name):
        for r in self.results:
            if r.get("phase") == name:
                return r
        return None


def free_order9plus(buddy, pageblock_order=9):
    """free memory in blocks of order >= pageblock_order, in pageblocks"""
    return sum(n << (o - pageblock_order)
               for counts in buddy.values()
               for o, n in enumerate(counts) if o >= pageblock_order)


def blocks_by_type(pti):
    """pageblocks per migratetype summed over zones"""
    out = {}
    for per_type in pti["blocks"].values():
        for t, n in per_type.items():
            out[t] = out.get(t, 0) + n
    return out


def hist_totals(hist):
    """From parse_extfrag_hist: total fallback events, steals (change_ownership=1),
    and events by alloc migratetype name."""
    tot = {"events": 0, "steals": 0}
    for name, h in hist.items():
        if "change_ownership" in h["keys"]:
            for keys, n in h["entries"]:
                if keys.get("change_ownership"):
                    tot["steals"] += n
        if "fallback_order" in h["keys"]:
            for keys, n in h["entries"]:
                tot["events"] += n
                mt = MIGRATETYPE_BY_NUMBER.get(keys.get("alloc_migratetype"), "other")
                tot["alloc_" + mt] = tot.get("alloc_" + mt, 0) + n
    return tot
