/* Bad input (issue #16): the table of malformed inputs a user or a careless
 * script gives fragsim, each with the exit code and a fragment of the one
 * line of error it must produce.  Every row runs the fragsim binary in a
 * fresh directory (its working directory, with TMPDIR inside it), and after
 * the run that directory must hold exactly what it held before: no result
 * directory, no temporary directory, no stray file.
 *
 * A row: its name (the test path), the command line (shell quoting; @D is
 * the row's directory, @IN its input file), the input file's name and text
 * (or NULL), what the directory holds before the run ("d:NAME" a directory,
 * "f:NAME" an empty file, "r:NAME" a finished result directory of a tiny
 * run), the exit code, the fragment of stderr, and whether the output is a
 * report or usage text instead of one line of error (check-policy's report
 * on stdout, the usage of a missing or unknown command): then the fragment
 * is looked for in stdout and stderr.
 * The inputs live here, inline, so a row reads as one case. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "helpers.h"

typedef struct {
  const char *name;
  const char *args;
  const char *file, *text;
  const char *pre;
  int exit;
  const char *frag;
  bool multiline;
} Row;

/* the smallest workload file that runs; rows below break one thing in it */
#define WL_HEAD "[workload]\nphases = a\n"
#define WL_PHASE "[phase.a]\nduration = 1s\nstreams = s\n"
#define WL_STREAM "[stream.s]\nkind = anon\nlifetime = forever\n"
#define WL_OK WL_HEAD WL_PHASE WL_STREAM
#define RUN_WL "run -q -p vanilla -o out --set machine.memory=64M -w @IN"
#define RUN_TRACE "run -q -p vanilla -o out --set machine.memory=64M -w trace:@IN"
#define RUN_SET "run -q -w churn -p vanilla -o out --set machine.memory=64M --set"
#define RUN_P "run -q -w churn -o out --set machine.memory=64M -p"
#define TR_A(ts, rest) "  cc1-1 [000] ..... " ts ": mm_page_alloc: page=0x1 " rest "\n"
#define TR_F(ts, rest) "  cc1-1 [000] ..... " ts ": mm_page_free: page=0x1 " rest "\n"
#define TR_OK_A TR_A("1.0", "pfn=0x10 order=0 migratetype=0 gfp_flags=GFP_KERNEL")

#define W(n, text, frag) {"/badinput/workload/" n, RUN_WL, "w.ini", text, NULL, 1, frag, false}
#define WN(n, text, frag) {"/badinput/workload/" n, "run -q -p vanilla -o out -w @IN", "w.ini", text, NULL, 1, frag, false}
#define T(n, text, frag) {"/badinput/trace/" n, RUN_TRACE, "t.trace", text, NULL, 1, frag, false}
#define S(n, set, frag) {"/badinput/set/" n, RUN_SET " '" set "'", NULL, NULL, NULL, 1, frag, false}
#define P(n, stack, frag) {"/badinput/stack/" n, RUN_P " '" stack "'", NULL, NULL, NULL, 1, frag, false}
#define M(n, set, frag) {"/badinput/machine/" n, RUN_SET " '" set "'", NULL, NULL, NULL, 1, frag, false}
#define C(n, args, frag) {"/badinput/cli/" n, args, NULL, NULL, NULL, 1, frag, false}
#define CP(n, args, pre, frag) {"/badinput/cli/" n, args, NULL, NULL, pre, 1, frag, false}

static const Row rows[] = {
    /* ---- workload files: ini syntax ------------------------------------------------ */
    W("empty", "", "w.ini: the file is empty"),
    W("only-comments", "# nothing\n; here\n\n", "w.ini: the file is empty"),
    W("bom-only", "\xef\xbb\xbf", "w.ini: the file is empty"),
    W("key-before-section", "phases = a\n" WL_OK, "w.ini:1: a key before any [section]"),
    W("unclosed-section", "[workload\nphases = a\n", "w.ini:1: \"[workload\" is not a [section] line"),
    W("section-trailing", "[workload] x\nphases = a\n", "w.ini:1: \"[workload] x\" is not a [section] line"),
    W("no-equals", WL_HEAD "duration 1s\n", "w.ini:3: \"duration 1s\" is not a key = value line"),
    W("dup-key", WL_OK "kind = file\n", "w.ini:9: stream.s.kind is set again (first at line 7)"),
    W("dup-section", WL_OK "[stream.s]\nkind = file\n", "w.ini:9: [stream.s] appears again (first at line 6)"),
    W("binary", "\x01\x02\x03\xff\xfe", "w.ini:1:"),
    W("control-char", WL_HEAD "name = a\x01" "b\n" WL_PHASE WL_STREAM, "w.ini:3: the line holds a control character (0x01)"),
    /* found by fuzz-workload: GKeyFile unescapes \n into the value, and the
     * value's error message then spanned two lines */
    W("escaped-newline", WL_HEAD WL_PHASE "[stream.s]\nkind = a\\\\\\non\nlifetime = forever\n",
      "w.ini:7: stream.s.kind: the escape \\n would put a control character in the value"),
    W("escaped-tab", WL_HEAD "name = a\\tb\n" WL_PHASE WL_STREAM,
      "w.ini:3: workload.name: the escape \\t would put a control character in the value"),
    /* found by fuzz-workload: an unknown escape then a trailing backslash
     * makes GKeyFile 2.74 set its error twice (a GLib warning) */
    W("lone-backslash", WL_HEAD "name = ab\\\n" WL_PHASE WL_STREAM,
      "w.ini:3: workload.name: the value ends in a lone backslash (write \\\\ for a backslash)"),
    W("unknown-escape", WL_HEAD "name = a\\qb\n" WL_PHASE WL_STREAM,
      "w.ini:3: workload.name: \\q is not an escape a workload file may use"),
    W("unknown-escape-then-lone-backslash", WL_HEAD "name = a\\qb\\\n" WL_PHASE WL_STREAM,
      "w.ini:3: workload.name: \\q is not an escape"),
    W("bad-utf8", WL_HEAD "name = \xff\xfe\n" WL_PHASE WL_STREAM, "w.ini:3: the line is not valid UTF-8"),
    W("empty-section-name", "[]\nx = 1\n" WL_OK, "w.ini:1: \"[]\" is not a [section] line"),
    W("empty-key", WL_HEAD " = 1\n" WL_PHASE WL_STREAM, "w.ini:3: \"= 1\" has no key before '='"),
    /* ---- workload files: sections and keys ------------------------------------------- */
    W("unknown-section", WL_OK "[bogus.x]\nk = 1\n", "w.ini:10: unknown section [bogus.x]"),
    W("unknown-engine-section", WL_OK "[compaction2]\nk = 1\n", "compaction2"),
    W("unknown-workload-key", "[workload]\nphases = a\nphasse = b\n" WL_PHASE WL_STREAM, "w.ini:3: unknown key workload.phasse"),
    W("unknown-phase-key", WL_HEAD WL_PHASE "durration = 2s\n" WL_STREAM, "w.ini:6: unknown key phase.a.durration"),
    W("unknown-stream-key", WL_OK "kinds = file\n", "w.ini:9: unknown key stream.s.kinds"),
    W("unknown-machine-key", WL_OK "[machine]\nmemroy = 1G\n", "w.ini:10"),
    W("no-phases", "[workload]\nname = x\n" WL_PHASE WL_STREAM, "[workload] needs phases"),
    W("phases-empty", "[workload]\nphases = ,\n" WL_PHASE WL_STREAM, "workload.phases is empty"),
    W("phase-undefined", "[workload]\nphases = a, b\n" WL_PHASE WL_STREAM, "phase.b"),
    W("stream-undefined", WL_HEAD "[phase.a]\nduration = 1s\nstreams = s, nope\n" WL_STREAM, "nope"),
    W("phase-no-duration", WL_HEAD "[phase.a]\nstreams = s\n" WL_STREAM, "phase.a.duration"),
    W("stream-no-kind", WL_HEAD WL_PHASE "[stream.s]\norders = 0\n", "stream.s"),
    /* ---- workload files: values ----------------------------------------------------- */
    W("duration-no-unit", WL_HEAD "[phase.a]\nduration = 10\nstreams = s\n" WL_STREAM, "w.ini:4: phase.a.duration"),
    W("duration-negative", WL_HEAD "[phase.a]\nduration = -1s\nstreams = s\n" WL_STREAM, "w.ini:4: phase.a.duration"),
    W("duration-zero", WL_HEAD "[phase.a]\nduration = 0s\nstreams = s\n" WL_STREAM, "phase.a.duration"),
    W("duration-text", WL_HEAD "[phase.a]\nduration = soon\nstreams = s\n" WL_STREAM, "w.ini:4: phase.a.duration"),
    W("duration-huge", WL_HEAD "[phase.a]\nduration = 99999999999999999999s\nstreams = s\n" WL_STREAM, "w.ini:4: phase.a.duration"),
    W("duration-2to63", WL_HEAD "[phase.a]\nduration = 9223372036854775808ns\nstreams = s\n" WL_STREAM, "w.ini:4: phase.a.duration: \"9223372036854775808ns\" is not a duration with a unit (ns, us, ms, s, m, h) under 2^62 ns"),
    W("duration-sum-wraps", "[workload]\nphases = a, b\n[phase.a]\nduration = 3000000000000000000ns\nstreams = s\n"
      "[phase.b]\nduration = 3000000000000000000ns\n" WL_STREAM, "w.ini:2: the phases up to phase.b last more than 2^62 ns"),
    W("duration-unit-typo", WL_HEAD "[phase.a]\nduration = 1sec\nstreams = s\n" WL_STREAM, "w.ini:4: phase.a.duration"),
    W("kind-unknown", WL_HEAD WL_PHASE "[stream.s]\nkind = anonymous\n", "w.ini:7: stream.s.kind"),
    W("orders-bad", WL_OK "orders = 0:90, x:10\n", "w.ini:9: stream.s.orders"),
    W("orders-too-high", WL_OK "orders = 11\n", "w.ini:9: stream.s.orders"),
    W("orders-negative", WL_OK "orders = -1\n", "w.ini:9: stream.s.orders"),
    W("orders-zero-weights", WL_OK "orders = 0:0, 1:0\n", "w.ini:9: stream.s.orders"),
    W("orders-negative-weight", WL_OK "orders = 0:-5, 1:10\n", "w.ini:9: stream.s.orders"),
    W("think-no-unit", WL_OK "think = 20\n", "w.ini:9: stream.s.think"),
    W("rate-zero", WL_OK "rate = 0\n", "w.ini:9: stream.s.rate: \"0\" is not a rate above 0 per second"),
    W("think-zero", WL_OK "think = 0s\n", "w.ini:9: stream.s.think: \"0s\" is not a think time above 0"),
    W("rate-negative", WL_OK "rate = -5\n", "w.ini:9: stream.s.rate"),
    W("rate-tiny", WL_OK "rate = 1e-300\n", "w.ini:9: stream.s.rate"),
    W("rate-nan", WL_OK "rate = nan\n", "w.ini:9: stream.s.rate"),
    W("rate-inf", WL_OK "rate = inf\n", "w.ini:9: stream.s.rate"),
    W("rate-and-think", WL_OK "rate = 10\nthink = 1ms\n", "w.ini:9: stream.s.rate: give think or rate, not both (think is set at "),
    W("tasks-zero", WL_OK "tasks = 0\n", "w.ini:9: stream.s.tasks"),
    W("tasks-huge", WL_OK "tasks = 99999999999999999999\n", "w.ini:9: stream.s.tasks"),
    W("tasks-text", WL_OK "tasks = many\n", "w.ini:9: stream.s.tasks"),
    W("footprint-above-4", WL_OK "footprint = 5\n", "w.ini:9: stream.s.footprint"),
    W("footprint-negative", WL_OK "footprint = -0.1\n", "w.ini:9: stream.s.footprint"),
    W("pinned-text", WL_OK "pinned = half\n", "w.ini:9: stream.s.pinned"),
    W("dirty-above-1", WL_OK "dirty = 2\n", "w.ini:9: stream.s.dirty"),
    W("fill-not-bool", WL_OK "fill = maybe\n", "w.ini:9: stream.s.fill"),
    W("lifetime-unknown", WL_HEAD WL_PHASE "[stream.s]\nkind = anon\nlifetime = weibull:1s\n", "w.ini:8: stream.s.lifetime"),
    W("lifetime-exp-bad", WL_HEAD WL_PHASE "[stream.s]\nkind = anon\nlifetime = exp:soon\n", "w.ini:8: stream.s.lifetime"),
    W("lifetime-lognormal-args", WL_HEAD WL_PHASE "[stream.s]\nkind = anon\nlifetime = lognormal:1s\n", "w.ini:8: stream.s.lifetime"),
    W("lifetime-pareto-alpha", WL_HEAD WL_PHASE "[stream.s]\nkind = anon\nlifetime = pareto:1s,-1\n", "w.ini:8: stream.s.lifetime"),
    W("lifetime-fixed-negative", WL_HEAD WL_PHASE "[stream.s]\nkind = anon\nlifetime = fixed:-1s\n", "w.ini:8: stream.s.lifetime"),
    W("gfp-unknown-flag", WL_OK "gfp = GFP_KERNEL|__GFP_BOGUS\n", "__GFP_BOGUS"),
    W("mix-and-kind", WL_OK "mix = anon:50, file:50\n", "stream.s"),
    W("mix-bad-weight", WL_HEAD WL_PHASE "[stream.s]\nmix = anon:x, file:50\n", "w.ini:7: stream.s.mix"),
    W("mix-unknown-kind", WL_HEAD WL_PHASE "[stream.s]\nmix = anon:50, bogus:50\n", "w.ini:7: stream.s.mix"),
    W("item-pages-bad", WL_OK "item_pages = uniform:5,1\n", "w.ini:9: stream.s.item_pages"),
    W("item-pages-zero", WL_OK "item_pages = 0\n", "w.ini:9: stream.s.item_pages"),
    W("cache-unknown", WL_HEAD WL_PHASE "[stream.s]\nkind = slab_reclaimable\nlifetime = forever\ncache = kmalloc-7\n", "w.ini:9: stream.s.cache"),
    W("objects-zero", WL_HEAD WL_PHASE "[stream.s]\nkind = slab_unmovable\nlifetime = forever\nobjects = 0\n", "w.ini:9: stream.s.objects"),
    W("footprint-of-unknown", WL_OK "footprint_of = everything\n", "w.ini:9: stream.s.footprint_of"),
    W("drop-caches-4", WL_HEAD WL_PHASE "drop_caches = 4\n" WL_STREAM, "w.ini:6: phase.a.drop_caches"),
    W("hugepage-order-11", WL_HEAD WL_PHASE "hugepages = 1\nhugepage_order = 11\n" WL_STREAM, "w.ini:7: phase.a.hugepage_order"),
    W("hugepages-negative", WL_HEAD WL_PHASE "hugepages = -1\n" WL_STREAM, "w.ini:6: phase.a.hugepages"),
    W("hugepage-kind-unknown", WL_HEAD WL_PHASE "hugepages = 1\nhugepage_kind = gigantic\n" WL_STREAM, "w.ini:7: phase.a.hugepage_kind"),
    W("nr-hugepages-text", WL_HEAD WL_PHASE "nr_hugepages = lots\n" WL_STREAM, "w.ini:6: phase.a.nr_hugepages"),
    W("thp-enabled-unknown", WL_HEAD WL_PHASE "thp_enabled = sometimes\n" WL_STREAM, "w.ini:6: phase.a.thp_enabled"),
    W("thp-defrag-unknown", WL_HEAD WL_PHASE "thp_defrag = hard\n" WL_STREAM, "w.ini:6: phase.a.thp_defrag"),
    W("contig-size-text", WL_HEAD WL_PHASE "contig = 1\ncontig_size = big\n" WL_STREAM, "w.ini:7: phase.a.contig_size"),
    W("offline-size-zero", WL_HEAD WL_PHASE "offline = 1\noffline_size = 0\n" WL_STREAM, "w.ini:7: phase.a.offline_size"),
    W("fragment-stream-unknown", WL_HEAD WL_PHASE "fragment_stream = nope\n" WL_STREAM, "nope"),
    W("fragment-fraction-2", WL_HEAD WL_PHASE "fragment_stream = s\nfragment_fraction = 2\n" WL_STREAM, "w.ini:7: phase.a.fragment_fraction"),
    W("fragment-mode-unknown", WL_HEAD WL_PHASE "fragment_stream = s\nfragment_mode = blocks\n" WL_STREAM, "w.ini:7: phase.a.fragment_mode"),
    W("phase-set-engine-key", WL_HEAD WL_PHASE "set = machine.memory=1G\n" WL_STREAM, "machine.memory"),
    W("phase-set-unknown-param", WL_HEAD WL_PHASE "set = kcompactd.bogus=1\n" WL_STREAM, "kcompactd.bogus"),
    W("phase-set-no-equals", WL_HEAD WL_PHASE "set = kcompactd.proactiveness\n" WL_STREAM, "w.ini:6: phase.a.set"),
    W("compact-not-bool", WL_HEAD WL_PHASE "compact = perhaps\n" WL_STREAM, "w.ini:6: phase.a.compact"),
    W("boot-hugepages-huge", "[workload]\nphases = a\nboot_hugepages = 99999999\n" WL_PHASE WL_STREAM, "w.ini:3: workload.boot_hugepages"),
    W("vmap-stack-not-bool", "[workload]\nphases = a\nvmap_stack = 2\n" WL_PHASE WL_STREAM, "w.ini:3: workload.vmap_stack"),
    WN("machine-memory-bad", WL_OK "[machine]\nmemory = lots\n", "w.ini:10: machine.memory"),
    WN("machine-memory-small", WL_OK "[machine]\nmemory = 1M\n", "w.ini:10: machine.memory"),
    W("sim-duration-bad", WL_OK "[sim]\nduration = forever\n", "w.ini:10: sim.duration"),
    W("vm-swappiness-range", WL_OK "[vm]\nswappiness = 500\n", "w.ini:10: vm.swappiness: 500 is outside [0, 200]"),
    W("policy-not-in-stack", WL_OK "[compaction]\nbogus = 1\n", "w.ini:10: unknown section [compaction]"),
    {"/badinput/workload/policy-param-unknown", "run -q -p migratetype+compaction -o out --set machine.memory=64M -w @IN", "w.ini",
     WL_OK "[compaction]\nbogus = 1\n", NULL, 1, "bogus", false},
    {"/badinput/workload/not-found", "run -q -p vanilla -o out -w nonesuch.ini", NULL, NULL, NULL, 1, "nonesuch.ini", false},
    {"/badinput/workload/preset-unknown", "run -q -p vanilla -o out -w stress-highaloc", NULL, NULL, NULL, 1, "stress-highaloc", false},
    {"/badinput/workload/directory", "run -q -p vanilla -o out -w sub/", NULL, NULL, "d:sub", 1, "sub", false},
    {"/badinput/workload/set-only-stream", "run -q -p vanilla -o out -w @IN --set stream.t.kind=anon", "w.ini", WL_OK, NULL, 1,
     "stream.t", false},

    /* ---- traces ---------------------------------------------------------------------- */
    T("empty", "", "t.trace: no mm_page_alloc or mm_page_free events"),
    T("comments-only", "# tracer: nop\n#\n", "t.trace: no mm_page_alloc or mm_page_free events"),
    T("other-events-only", "  cc1-1 [000] ..... 1.0: sched_switch: prev=a next=b\n", "no mm_page_alloc"),
    T("no-timestamp", "  cc1-1 [000] ..... mm_page_alloc: page=0x1 pfn=0x10 order=0 gfp_flags=GFP_KERNEL\n",
      "t.trace:1: malformed mm_page_alloc line: expected a timestamp"),
    T("timestamp-text", TR_A("abc", "pfn=0x10 order=0 gfp_flags=GFP_KERNEL"), "t.trace:1: malformed mm_page_alloc line: expected a timestamp"),
    T("timestamp-negative", TR_A("-1.0", "pfn=0x10 order=0 gfp_flags=GFP_KERNEL"), "t.trace:1: malformed mm_page_alloc line: expected a timestamp"),
    T("timestamp-inf", TR_A("inf", "pfn=0x10 order=0 gfp_flags=GFP_KERNEL"), "t.trace:1: malformed mm_page_alloc line: expected a timestamp"),
    T("timestamp-nan", TR_A("nan", "pfn=0x10 order=0 gfp_flags=GFP_KERNEL"), "t.trace:1: malformed mm_page_alloc line: expected a timestamp"),
    T("timestamp-huge", TR_A("1e300", "pfn=0x10 order=0 gfp_flags=GFP_KERNEL"), "t.trace:1: malformed mm_page_alloc line: expected a timestamp"),
    T("timestamp-backwards", TR_A("2.0", "pfn=0x10 order=0 gfp_flags=GFP_KERNEL") TR_F("1.0", "pfn=0x10 order=0"),
      "t.trace:2: timestamp goes backwards"),
    T("pfn-missing", TR_A("1.0", "order=0 gfp_flags=GFP_KERNEL"), "t.trace:1: malformed mm_page_alloc line: expected pfn="),
    T("pfn-text", TR_A("1.0", "pfn=zz order=0 gfp_flags=GFP_KERNEL"), "t.trace:1: malformed mm_page_alloc line: expected pfn="),
    T("pfn-overflow", TR_A("1.0", "pfn=0x1ffffffffffffffff order=0 gfp_flags=GFP_KERNEL"), "t.trace:1: malformed mm_page_alloc line: expected pfn="),
    T("pfn-negative", TR_A("1.0", "pfn=-16 order=0 gfp_flags=GFP_KERNEL"), "t.trace:1: malformed mm_page_alloc line: expected pfn="),
    T("free-pfn-missing", TR_OK_A TR_F("1.5", "order=0"), "t.trace:2: malformed mm_page_free line: expected pfn="),
    T("order-missing", TR_A("1.0", "pfn=0x10 gfp_flags=GFP_KERNEL"), "t.trace:1: malformed mm_page_alloc line: expected order="),
    T("order-11", TR_A("1.0", "pfn=0x10 order=11 gfp_flags=GFP_KERNEL"), "t.trace:1: malformed mm_page_alloc line: expected order="),
    T("order-text", TR_A("1.0", "pfn=0x10 order=two gfp_flags=GFP_KERNEL"), "t.trace:1: malformed mm_page_alloc line: expected order="),
    T("order-negative", TR_A("1.0", "pfn=0x10 order=-1 gfp_flags=GFP_KERNEL"), "t.trace:1: malformed mm_page_alloc line: expected order="),
    {"/badinput/trace/order-above-max-order", RUN_TRACE " --set machine.max_order=5", "t.trace",
     TR_A("1.0", "pfn=0x10 order=7 gfp_flags=GFP_KERNEL"), NULL, 1, "t.trace:1: order=7 is above machine.max_order 5 (--set)", false},
    T("gfp-missing", TR_A("1.0", "pfn=0x10 order=0"), "t.trace:1: malformed mm_page_alloc line: expected gfp_flags="),
    T("gfp-unknown", TR_A("1.0", "pfn=0x10 order=0 gfp_flags=GFP_KERNEL|__GFP_NOPE"), "t.trace:1: unknown gfp flag \"__GFP_NOPE\""),
    T("bad-after-good", TR_OK_A TR_OK_A TR_A("1.2", "pfn=0x11 order=x gfp_flags=GFP_KERNEL"), "t.trace:3:"),
    {"/badinput/trace/not-found", "run -q -p vanilla -o out -w trace:nonesuch.trace", NULL, NULL, NULL, 1,
     "trace \"nonesuch.trace\" not found", false},
    {"/badinput/trace/directory", "run -q -p vanilla -o out -w trace:sub", NULL, NULL, "d:sub", 1, "trace \"sub\" not found", false},
    {"/badinput/trace/workload-key", RUN_TRACE " --set workload.fill=0.5", "t.trace", TR_OK_A, NULL, 1,
     "--set: unknown key workload.fill for a trace", false},

    /* ---- --set: names ---------------------------------------------------------------- */
    S("no-equals", "machine.memory", "is not of the form section.key=value"),
    S("no-dot", "memory=1G", "is not of the form section.key=value"),
    S("empty", "", "is not of the form section.key=value"),
    S("empty-section", ".memory=1G", "section.key=value"),
    S("empty-key", "machine.=1G", "section.key=value"),
    S("unknown-section", "bogus.x=1", "[bogus]"),
    S("unknown-key", "machine.bogus=1", "machine.bogus"),
    S("unknown-key-case", "machine.Memory=1G", "machine.Memory"),
    S("bracket", "sim.dur[ation=1s", "the key may contain only"),
    S("space-in-name", "sim.dur ation=1s", "the key may contain only"),
    S("newline-in-name", "sim.dur\nation=1s", "--set: \"sim.dur\\nation=1s\": the key may contain only"),
    S("control-in-value", "sim.duration=1s\n[x]", "--set: \"sim.duration=1s\\n[x]\": the value may contain no control characters"),
    S("tab-in-value", "sim.duration=1\ts", "no control characters"),
    S("unknown-workload-key", "workload.fil=0.5", "workload.fil"),
    S("policy-not-in-stack", "migratetype.bogus=1", "--set: unknown section [migratetype]"),
    {"/badinput/set/unknown-policy-param", "run -q -w churn -p migratetype -o out --set machine.memory=64M --set migratetype.bogus=1", NULL, NULL, NULL, 1, "bogus", false},
    /* ---- --set: values, ranges, units, overflow ---------------------------------------- */
    S("int-text", "machine.cpus=two", "machine.cpus"),
    S("int-zero", "machine.cpus=0", "machine.cpus"),
    S("int-above", "machine.cpus=5000", "machine.cpus"),
    S("int-overflow", "machine.cpus=99999999999999999999", "machine.cpus"),
    S("int-float", "machine.cpus=1.5", "machine.cpus"),
    S("int-range-negative", "vm.swappiness=-1", "vm.swappiness"),
    S("int-range-above", "vm.swappiness=201", "vm.swappiness"),
    S("min-free-huge", "vm.min_free_kbytes=99999999", "vm.min_free_kbytes 99999999 is not below the machine's memory"),
    S("min-free-below", "vm.min_free_kbytes=-2", "vm.min_free_kbytes"),
    S("bool-text", "sim.check=perhaps", "sim.check"),
    S("enum-unknown", "vm.writeback=sometimes", "vm.writeback"),
    S("enum-case", "vm.watermark_check=Modern", "vm.watermark_check"),
    S("duration-no-unit", "sim.duration=10", "unit"),
    S("duration-zero", "sim.duration=0s", "sim.duration must be greater than zero"),
    S("duration-negative", "sim.duration=-5s", "sim.duration"),
    S("duration-unit-unknown", "sim.duration=5y", "sim.duration"),
    S("duration-overflow", "sim.duration=99999999999999999999s", "sim.duration"),
    S("duration-2to63", "sim.duration=9223372036854775808ns", "too long a duration (the limit is 2^62 ns, 146 years)"),
    S("duration-mul-overflow", "sim.duration=9999999999999m", "sim.duration"),
    S("duration-empty", "sim.duration=", "sim.duration"),
    S("duration-nan", "sim.duration=nans", "sim.duration"),
    S("sample-zero", "sim.sample_interval=0s", "sim.sample_interval"),
    S("size-unit-unknown", "vm.swap=4Q", "vm.swap"),
    S("size-negative", "vm.swap=-1G", "vm.swap"),
    S("size-overflow", "vm.swap=99999999999T", "vm.swap"),
    S("size-text", "vm.swap=some", "vm.swap"),
    S("cost-above", "cost.scan_ns=1e13", "cost.scan_ns"),
    S("cost-negative", "cost.scan_ns=-1", "cost.scan_ns"),
    S("lowmem-ratio-text", "vm.lowmem_reserve_ratio=a,b,c,d", "vm.lowmem_reserve_ratio"),
    S("lowmem-ratio-short", "vm.lowmem_reserve_ratio=256", "vm.lowmem_reserve_ratio"),
    {"/badinput/set/policy-param-value", "run -q -w churn -p linux-6.1 -o out --set machine.memory=64M --set kcompactd.proactiveness=lots", NULL, NULL, NULL, 1, "kcompactd.proactiveness", false},
    S("stall-events-zero", "sim.stall_events=0", "sim.stall_events"),
    S("check-interval-negative", "sim.check_interval=-1", "sim.check_interval"),
    {"/badinput/set/workload-value", "run -q -p vanilla -o out -w @IN --set stream.s.rate=-3", "w.ini", WL_OK, NULL, 1,
     "--set: stream.s.rate", false},

    /* ---- stacks ------------------------------------------------------------------------ */
    P("unknown", "nonesuch", "nonesuch"),
    P("typo", "linux-6.2", "linux-6.1"),
    P("empty", "", "stack \"\": empty element"),
    P("plus-leading", "+migratetype", "+migratetype"),
    P("plus-trailing", "migratetype+", "migratetype+"),
    P("plus-double", "migratetype++compaction", "migratetype++compaction"),
    P("plus-only", "+", "\"+\""),
    P("unknown-member", "migratetype+nopolicy", "nopolicy"),
    P("duplicate-member", "migratetype+migratetype", "migratetype"),
    P("stack-twice", "linux-6.1+linux-6.1", "linux-6.1"),
    P("comma", "migratetype,compaction", "migratetype,compaction"),
    P("path-missing", "./nonesuch.so", "nonesuch.so"),
    P("path-directory", "/tmp", "/tmp"),
    {"/badinput/stack/path-not-module", RUN_P " @IN", "fake.so", "not a shared object\n", NULL, 1, "fake.so", false},
    {"/badinput/stack/path-not-policy", RUN_P " /lib/x86_64-linux-gnu/libm.so.6", NULL, NULL, NULL, 1, "libm.so.6", false},
    {"/badinput/stack/policy-path-empty", RUN_P " nopolicy --policy-path sub", NULL, NULL, "d:sub", 1, "nopolicy", false},

    /* ---- machine sizes ------------------------------------------------------------------ */
    M("memory-zero", "machine.memory=0", "machine.memory"),
    M("memory-small", "machine.memory=16M", "64M"),
    M("memory-huge", "machine.memory=32T", "machine.memory"),
    M("page-size-odd", "machine.page_size=3000", "machine.page_size"),
    M("page-size-zero", "machine.page_size=0", "machine.page_size"),
    M("max-order-zero", "machine.max_order=0", "machine.max_order"),
    M("pageblock-above-max", "machine.pageblock_order=11", "machine.pageblock_order"),
    M("reserved-low-all", "machine.reserved_low=64M",
      "--set: machine.reserved_low and the memmap (machine.memmap_bytes_per_page, default) reserve 16640 of 16384 pages"),
    M("reserved-explicit-half", "machine.reserved=0+10000", "--set: machine.reserved reserves 10000 of 16384 pages"),
    M("memory-2to32-pages", "machine.memory=16T", "--set: machine.memory: more than 2^32 pages per node"),
    M("reserved-ranges-text", "machine.reserved=abc", "machine.reserved"),
    M("reserved-beyond", "machine.reserved=0+99999999", "machine.reserved"),
    M("zone-ends-text", "machine.zone_ends=a,b,c,d", "machine.zone_ends"),
    M("zone-ends-short", "machine.zone_ends=100", "machine.zone_ends"),
    M("memmap-huge", "machine.memmap_bytes_per_page=5000", "machine.memmap_bytes_per_page"),
    {"/badinput/machine/file-and-set", "run -q -p vanilla -o out -w @IN --set machine.dma32_limit=1G", "w.ini",
     WL_OK "[machine]\nmemory = 64M\npageblock_order = 8\nmax_order = 5\n", NULL, 1, "pageblock_order", false},

    /* ---- the command line: run -------------------------------------------------------------- */
    C("run-no-workload", "run -p vanilla -o out", "run: -w WORKLOAD and -p STACK are required"),
    C("run-no-stack", "run -w churn -o out", "run: -w WORKLOAD and -p STACK are required"),
    C("run-extra-arg", "run -w churn -p vanilla -o out extra", "run: unexpected argument \"extra\""),
    C("run-unknown-option", "run -w churn -p vanilla -o out --bogus", "run: unknown option --bogus (fragsim run --help lists the options)"),
    /* one parser for every subcommand: fragsim's words, the nearest option, values checked */
    C("run-option-typo", "run -w churn -p vanilla -o out --seeed 3", "run: unknown option --seeed; did you mean --seed?"),
    C("run-unknown-short", "run -w churn -p vanilla -o out -Z", "run: unknown option -Z"),
    C("run-seed-word", "run -w churn -p vanilla -o out -s x", "run: -s/--seed wants a whole number, not \"x\""),
    C("run-seed-attached-text", "run -w churn -p vanilla -o out -sx", "run: -s/--seed wants a whole number, not \"x\""),
    C("run-seed-huge", "run -w churn -p vanilla -o out --seed=99999999999999999999", "run: -s/--seed 99999999999999999999: out of range"),
    C("run-value-missing", "run -p vanilla -o out -w", "run: -w needs a value (WORKLOAD)"),
    C("run-flag-with-value", "run -w churn -p vanilla -o out --quiet=yes", "run: --quiet takes no value (\"yes\")"),
    C("run-workload-typo", "run -w chrun -p vanilla -o out", "unknown workload \"chrun\"; did you mean \"churn\"?"),
    C("run-policy-typo", "run -w churn -p vanilla+compactoin -o out", "did you mean \"compaction\"? The policies: "),
    C("compare-seeds-text", "compare -w churn -p vanilla -r x -o out", "compare: -r/--seeds wants a whole number, not \"x\""),
    C("compare-option-typo", "compare -w churn -p vanilla --jbos 2 -o out", "compare: unknown option --jbos; did you mean --jobs?"),
    C("plot-column-missing", "plot --column", "plot: --column needs a value (single|double)"),
    C("run-seed-negative", "run -w churn -p vanilla -o out -s -1", "--seed must be non-negative"),
    C("run-seed-text", "run -w churn -p vanilla -o out -s abc", "run: -s/--seed wants a whole number, not \"abc\""),
    C("run-seed-overflow", "run -w churn -p vanilla -o out -s 99999999999999999999", "run: -s/--seed 99999999999999999999: out of range"),
    C("run-seed-empty", "run -w churn -p vanilla -o out -s ''", "run: -s/--seed wants a whole number, not \"\""),
    C("run-missing-value", "run -w churn -p vanilla -o", "-o"),
    C("run-set-missing-value", "run -w churn -p vanilla -o out --set", "--set"),
    CP("run-output-exists", "run -q -w churn -p vanilla -o out --set machine.memory=64M --set sim.duration=1s", "d:out", "exists"),
    CP("run-output-is-file", "run -q -w churn -p vanilla -o out --set machine.memory=64M --set sim.duration=1s", "f:out", "out"),
    /* ---- compare ---------------------------------------------------------------------------- */
    C("compare-no-output", "compare -w churn -p vanilla", "-w WORKLOAD, -p STACK and -o DIR are required"),
    C("compare-no-workload", "compare -p vanilla -o cmp", "-w WORKLOAD, -p STACK and -o DIR are required"),
    C("compare-no-stack", "compare -w churn -o cmp", "-w WORKLOAD, -p STACK and -o DIR are required"),
    C("compare-extra-arg", "compare -w churn -p vanilla -o cmp x", "unexpected argument \"x\""),
    C("compare-jobs-zero", "compare -w churn -p vanilla -o cmp -j 0", "-j/--jobs: 0 is not a number of jobs"),
    C("compare-jobs-negative", "compare -w churn -p vanilla -o cmp -j -3", "-j/--jobs: -3 is not a number of jobs"),
    C("compare-jobs-text", "compare -w churn -p vanilla -o cmp -j many", "many"),
    C("compare-seeds-zero", "compare -w churn -p vanilla -o cmp -r 0", "-r/--seeds: 0 is not a number of seeds"),
    C("compare-seeds-negative", "compare -w churn -p vanilla -o cmp -r -2", "-r/--seeds: -2 is not a number of seeds"),
    C("compare-seed-base-negative", "compare -w churn -p vanilla -o cmp --seed-base -1", "--seed-base must be non-negative"),
    C("compare-seed-list-text", "compare -w churn -p vanilla -o cmp --seed-list a,b", "--seed-list"),
    C("compare-seed-list-range", "compare -w churn -p vanilla -o cmp --seed-list 5..1", "--seed-list"),
    C("compare-seed-list-empty", "compare -w churn -p vanilla -o cmp --seed-list ''", "a comparison needs at least one workload, stack and seed"),
    C("compare-seed-list-negative", "compare -w churn -p vanilla -o cmp --seed-list -1", "--seed-list"),
    C("compare-run-negative", "compare -w churn -p vanilla -o cmp --run -1", "--run: -1 is not a run number"),
    C("compare-run-beyond", "compare -w churn -p vanilla -o cmp -r 2 --run 7", "--run: there is no run 7"),
    C("compare-run-and-collect", "compare -w churn -p vanilla -o cmp --run 0 --collect", "--list-runs, --run and --collect exclude each other"),
    C("compare-list-and-run", "compare -w churn -p vanilla -o cmp --run 0 --list-runs", "exclude each other"),
    C("compare-collect-new-dir", "compare -w churn -p vanilla -o cmp --collect", "5 of 5 runs are not complete (run numbers 0-4"),
    CP("compare-collect-empty-dir", "compare -w churn -p vanilla -o cmp --collect", "d:cmp", "5 of 5 runs are not complete (run numbers 0-4"),
    C("compare-bad-workload", "compare -w churn,nonesuch -p vanilla -o cmp", "nonesuch"),
    C("compare-empty-workload", "compare -w , -p vanilla -o cmp", "-w WORKLOAD, -p STACK and -o DIR are required"),
    C("compare-bad-stack", "compare -w churn -p vanilla -p nonesuch -o cmp", "nonesuch"),
    C("compare-bad-set", "compare -w churn -p vanilla -o cmp --set machine.memory=lots", "machine.memory"),
    C("compare-run-bad-set", "compare -w churn -p vanilla -o cmp --run 0 --set sim.duration=10", "--set: sim.duration: \"10\" is not a duration"),
    CP("compare-output-is-file", "compare -w churn -p vanilla -o cmp", "f:cmp", "cmp"),
    /* ---- plot ------------------------------------------------------------------------------- */
    C("plot-no-dir", "plot", "which directory?"),
    C("plot-missing-dir", "plot nonesuch", "nonesuch"),
    CP("plot-empty-dir", "plot res", "d:res", "res"),
    CP("plot-two-dirs", "plot res res", "d:res", "res"),
    CP("plot-format-unknown", "plot res --format gif", "r:res", "gif"),
    CP("plot-format-empty", "plot res --format ''", "r:res", "--format"),
    CP("plot-size-text", "plot res --size big", "r:res", "--size"),
    CP("plot-size-zero", "plot res --size 0x0", "r:res", "--size"),
    CP("plot-size-huge", "plot res --size 100000x100000", "r:res", "--size"),
    CP("plot-size-negative", "plot res --size -800x600", "r:res", "--size"),
    CP("plot-times-bad", "plot res --times soon", "r:res", "--times: \"soon\" is neither seconds"),
    CP("plot-times-negative", "plot res --times -1", "r:res", "--times"),
    CP("plot-figures-unknown", "plot res --figures nonesuch", "r:res", "nonesuch"),
    CP("plot-font-empty", "plot res --font ''", "r:res", "--font: \"\" is not a font"),
    CP("plot-unknown-option", "plot res --bogus", "r:res", "--bogus"),
    /* ---- report ------------------------------------------------------------------------------ */
    C("report-no-dir", "report", "report: which directory?"),
    C("report-missing-dir", "report nonesuch", "report: nonesuch: no such directory"),
    CP("report-empty-dir", "report res", "d:res", "report: res is not a comparison directory (no compare.ini"),
    CP("report-run-dir", "report res", "r:res", "it is one run's directory"),
    CP("report-two-dirs", "report res res", "d:res", "one directory at a time"),
    CP("report-unknown-option", "report res --bogus", "r:res", "--bogus"),
    CP("report-column-bad", "report res --column triple", "r:res", "--column: \"triple\" is neither single nor double"),
    CP("report-figures-unknown", "report res --figures nonesuch", "r:res", "--figures: unknown figure \"nonesuch\""),
    CP("report-size-bad", "report res --size big", "r:res", "--size"),
    /* ---- list, check-policy, the command ---------------------------------------------------- */
    C("list-unknown-topic", "list bogus", "list: unknown topic \"bogus\""),
    C("list-unknown-option", "list --bogus", "--bogus"),
    C("list-two-topics", "list stacks bogus", "list: one topic at a time (unexpected \"bogus\")"),
    {"/badinput/cli/check-policy-none", "check-policy", NULL, NULL, NULL, 2, "give exactly one policy module", false},
    {"/badinput/cli/check-policy-two", "check-policy a b", NULL, NULL, NULL, 2, "give exactly one policy module", false},
    {"/badinput/cli/check-policy-missing", "check-policy ./nonesuch.so", NULL, NULL, NULL, 1, "FAIL load: policy \"./nonesuch.so\" not found", true},
    {"/badinput/cli/check-policy-not-module", "check-policy @IN", "fake.so", "not a shared object\n", NULL, 1, "FAIL load:", true},
    {"/badinput/cli/check-policy-unknown-option", "check-policy --bogus x", NULL, NULL, NULL, 2, "check-policy: unknown option --bogus (fragsim check-policy --help lists the options)", false},
    {"/badinput/cli/unknown-command", "rnu", NULL, NULL, NULL, 2, "fragsim: unknown command \"rnu\"", true},
    {"/badinput/cli/no-command", "", NULL, NULL, NULL, 2, "Usage:", true},
    W("objects-negative", WL_HEAD WL_PHASE "[stream.s]\nkind = slab_unmovable\nlifetime = forever\nobjects = -1\n", "w.ini:9: stream.s.objects"),
};

/* ---- the directory before and after --------------------------------------------------- */

static void list_tree(const char *root, const char *rel, GPtrArray *ret) {
  char *path = rel ? g_build_filename(root, rel, NULL) : g_strdup(root);
  GDir *d = g_dir_open(path, 0, NULL);
  if (d) {
    const char *n;
    while ((n = g_dir_read_name(d))) {
      char *r = rel ? g_build_filename(rel, n, NULL) : g_strdup(n);
      char *full = g_build_filename(root, r, NULL);
      bool dir = g_file_test(full, G_FILE_TEST_IS_DIR) && !g_file_test(full, G_FILE_TEST_IS_SYMLINK);
      g_ptr_array_add(ret, g_strdup_printf("%s%s", r, dir ? "/" : ""));
      if (dir) list_tree(root, r, ret);
      g_free(full);
      g_free(r);
    }
    g_dir_close(d);
  }
  g_free(path);
}

static int cmp_strp(gconstpointer a, gconstpointer b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* every path below root, sorted, directories with a trailing '/' */
static char *tree(const char *root) {
  GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
  list_tree(root, NULL, a);
  g_ptr_array_sort(a, cmp_strp);
  g_ptr_array_add(a, NULL);
  char *s = g_strjoinv(" ", (char **)a->pdata);
  g_ptr_array_free(a, TRUE);
  return s;
}

/* a finished result directory: the smallest run there is */
static void make_result(const char *dir, const char *name) {
  char *out = g_build_filename(dir, name, NULL);
  const char *args[] = {"run", "-q", "-w", "churn", "-p", "vanilla", "-o", out, "--set", "machine.memory=64M",
                        "--set", "sim.duration=500ms", "--set", "sim.sample_interval=100ms", NULL};
  char *err = NULL;
  if (ft_fragsim(args, NULL, NULL, &err) != 0) g_error("making %s: %s", out, err);
  g_free(err);
  g_free(out);
}

static void prepare(const char *dir, const char *pre) {
  char **items = g_strsplit(pre ? pre : "", " ", -1);
  for (char **it = items; *it; it++) {
    if (!**it) continue;
    char *p = g_build_filename(dir, *it + 2, NULL);
    if (g_str_has_prefix(*it, "d:")) g_assert_cmpint(g_mkdir(p, 0755), ==, 0);
    else if (g_str_has_prefix(*it, "f:")) ft_write(p, "");
    else if (g_str_has_prefix(*it, "r:")) make_result(dir, *it + 2);
    else g_error("bad pre item %s", *it);
    g_free(p);
  }
  g_strfreev(items);
}

static char *substitute(const char *args, const char *dir, const char *in) {
  GString *s = g_string_new(NULL);
  for (const char *p = args; *p; p++) {
    if (g_str_has_prefix(p, "@D")) {
      g_string_append(s, dir);
      p++;
    } else if (g_str_has_prefix(p, "@IN")) {
      g_string_append(s, in ? in : "(no input)");
      p += 2;
    } else g_string_append_c(s, *p);
  }
  return g_string_free(s, FALSE);
}

/* a failed row is reported and the table goes on */
#define FAIL(...)                \
  do {                           \
    g_test_fail_printf(__VA_ARGS__); \
    goto done;                   \
  } while (0)

static void run_row(gconstpointer data) {
  const Row *row = data;
  char *dir = ft_tmpdir("fragsim-badinput");
  char *tmp = g_build_filename(dir, "tmp", NULL);
  g_assert_cmpint(g_mkdir(tmp, 0700), ==, 0);
  char *in = NULL;
  if (row->file) in = ft_write_in(dir, row->file, row->text);
  prepare(dir, row->pre);
  char *before = tree(dir);

  char *cmdline = substitute(row->args, dir, in);
  int argc = 0;
  char **argv = NULL;
  GError *e = NULL;
  if (*cmdline) {
    g_shell_parse_argv(cmdline, &argc, &argv, &e);
    g_assert_no_error(e);
  } else {
    argv = g_new0(char *, 1);
  }
  /* a row that hangs fails alone, after 60 s (timeout(1) exits 124) */
  GPtrArray *full = g_ptr_array_new();
  g_ptr_array_add(full, "timeout");
  g_ptr_array_add(full, "-k");
  g_ptr_array_add(full, "5");
  g_ptr_array_add(full, "60");
  g_ptr_array_add(full, (char *)g_getenv("FRAGSIM_BIN"));
  for (int i = 0; i < argc; i++) g_ptr_array_add(full, argv[i]);
  g_ptr_array_add(full, NULL);
  g_assert_nonnull(full->pdata[4]);
  char **envp = g_get_environ();
  envp = g_environ_setenv(envp, "TMPDIR", tmp, TRUE);
  envp = g_environ_setenv(envp, "LC_ALL", "C", TRUE);
  char *out = NULL, *err = NULL, *after = NULL;
  int status = 0;
  g_spawn_sync(dir, (char **)full->pdata, envp, G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &e);
  g_assert_no_error(e);
  if (g_test_verbose()) g_printerr("$ fragsim %s\n%s", cmdline, err);
  if (!WIFEXITED(status)) FAIL("fragsim %s: did not exit (wait status 0x%x); stderr: %s", cmdline, status, err);
  int code = WEXITSTATUS(status);
  if (code == 124 || code == 137) FAIL("fragsim %s: did not finish in 60 s; stderr: %s", cmdline, err);
  if (code > 128) FAIL("fragsim %s: killed by signal %d; stderr: %s", cmdline, code - 128, err);
  if (code != row->exit) FAIL("fragsim %s: exit %d, expected %d; stderr: %s", cmdline, code, row->exit, err);
  char *both = g_strconcat(out, err, NULL);
  bool found = strstr(row->multiline ? both : err, row->frag) != NULL;
  g_free(both);
  if (!found) FAIL("fragsim %s: expected \"%s\" in stderr: %s", cmdline, row->frag, err);
  if (!row->multiline && !g_str_has_prefix(err, "fragsim: ")) FAIL("fragsim %s: stderr does not start with \"fragsim: \": %s", cmdline, err);
  const char *nl = strchr(err, '\n');
  if (!row->multiline && (!nl || nl[1])) FAIL("fragsim %s: the error is not one line: %s", cmdline, err);

  /* nothing left behind, nothing changed */
  after = tree(dir);
  if (strcmp(before, after)) FAIL("fragsim %s: left the directory changed:\n  before: %s\n  after:  %s", cmdline, before, after);

done:
  g_free(before);
  g_free(after);
  g_free(out);
  g_free(err);
  g_strfreev(envp);
  g_ptr_array_free(full, TRUE);
  g_strfreev(argv);
  g_free(cmdline);
  ft_rm_tree(dir);
  g_free(in);
  g_free(tmp);
  g_free(dir);
}

static void test_count(void) {
  /* the issue asks for at least 150 */
  g_assert_cmpuint(G_N_ELEMENTS(rows), >=, 150);
}

int main(int argc, char **argv) {
  /* every row runs and reports, whatever the rows before it did (-k) */
  char **args = g_new0(char *, (gsize)argc + 2);
  for (int i = 0; i < argc; i++) args[i] = argv[i];
  args[argc++] = "--keep-going";
  argv = args;
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/badinput/count", test_count);
  for (unsigned i = 0; i < G_N_ELEMENTS(rows); i++) {
    for (unsigned j = 0; j < i; j++)
      if (!strcmp(rows[i].name, rows[j].name)) g_error("two rows named %s", rows[i].name);
    g_test_add_data_func(rows[i].name, &rows[i], run_row);
  }
  return g_test_run();
}
