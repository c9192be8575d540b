/*
 * fskwl: the guest side of fragsim's real-kernel harness.
 *
 * Runs as a child of /init in a one-vCPU qemu guest booted from a tiny
 * initramfs (see kharness.py).  It fragments memory with a seeded workload,
 * runs high-order allocation tests and writes what the kernel reports about
 * its free memory to stdout, which /init points at the second serial port.
 * It owns the workload and the dumps; it deliberately owns no analysis: the
 * host parses the dumps (kdump.py), so a metric added later needs no reboot
 * of old runs.
 *
 * Arguments are key=value, one per argv entry (/init passes each "fsk.KEY=VALUE"
 * token of the kernel command line).  The host always passes every key, so
 * the command line, which is part of the cache key, describes the run whole.
 * An unknown key or a malformed value is an error: the run stops before any
 * allocation rather than measuring something nobody asked for.
 *
 *   seed=N          PRNG seed
 *   fill_pct=P      phase fill: allocate P% of MemFree
 *   mix=A:S:P       page-weighted mix anon : shmem (tmpfs files) : pipe
 *   maxpg=N         an item is k order-0 pages, k uniform in 1..N (N <= 64)
 *   free_pct=P      phase free: each item is freed with probability P%
 *   refill_pct=P    phase refill: allocate P% of the pages just freed ...
 *   refill_mix=A:S:P  ... with this mix (pipes: unmovable)
 *   settle_s=S      phase settle: idle S seconds (kcompactd, kswapd work)
 *   sample_s=S      one SAMPLE line every S seconds of the settle
 *   proactiveness=N vm.compaction_proactiveness; -1 leaves the default
 *   proactiveness_at=boot|settle  when it is written
 *   thp_fill=MODE   THP 'enabled' during the workload (keep = boot default)
 *   tests=LIST      comma list run in order: hugetlb, compact, thp, drop,
 *                   dump, sleepN
 *   hugetlb_pages=N pages asked of nr_hugepages; 0 = MemFree / 2 MiB
 *   hugetlb_keep=0|1  keep the pool after a hugetlb test
 *   thp_enabled=MODE, thp_defrag=MODE   THP settings for the thp test
 *
 * Output: "=== DUMP <tag>" ... "=== END <tag>" blocks of "--- <file>"
 * sections, "SAMPLE" lines, "RESULT" key=value lines (each test's vmstat
 * counters that moved, as d_<counter>=delta) and "=== DONE".
 *
 * Times come from CLOCK_MONOTONIC, which under qemu -icount is virtual time:
 * deterministic, and about three times slower than a real CPU.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAGE_BYTES 4096UL
#define HPAGE_BYTES (2UL << 20)
#define MAX_ITEM_PAGES 64
#define PAGEBLOCK_ORDER 9
#define MAX_ORDER_SEEN 11
#define SHMEM_DIR "/fsk"
#define TRACE_FILE "/sys/kernel/debug/tracing/trace"
#define EXTFRAG_EVENT "/sys/kernel/debug/tracing/events/kmem/mm_page_alloc_extfrag"

enum item_kind { KIND_ANON, KIND_SHMEM, KIND_PIPE, NR_KINDS };
static const char *const kind_names[NR_KINDS] = { "anon", "shmem", "pipe" };

struct params {
	uint64_t seed;
	unsigned long fill_pct, free_pct, refill_pct, maxpg;
	unsigned long mix[NR_KINDS], refill_mix[NR_KINDS];
	long settle_s, sample_s, proactiveness;
	char proactiveness_at[16];
	char thp_fill[32], thp_enabled[32], thp_defrag[32];
	char tests[256];
	long hugetlb_pages;
	bool hugetlb_keep;
};

static struct params P = {
	.seed = 1, .fill_pct = 85, .free_pct = 50, .refill_pct = 0, .maxpg = 16,
	.mix = { 60, 30, 10 }, .refill_mix = { 0, 0, 100 },
	.settle_s = 0, .sample_s = 5, .proactiveness = -1,
	.proactiveness_at = "boot", .thp_fill = "never",
	.thp_enabled = "always", .thp_defrag = "madvise",
	.tests = "hugetlb", .hugetlb_pages = 0, .hugetlb_keep = false,
};

/* ------------------------------------------------------------ output */

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("ERROR ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	exit(2);
}

static double t_start;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double elapsed_s(void)
{
	return now_s() - t_start;
}

/* ------------------------------------------------------------ PRNG */

/* splitmix64 seeds xoshiro256**: one stream per run, drawn in a fixed order
 * (kind, then size, per item; one draw per item in the free phase). */
static uint64_t rng_s[4];

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(void)
{
	uint64_t result = rotl(rng_s[1] * 5, 7) * 9;
	uint64_t t = rng_s[1] << 17;

	rng_s[2] ^= rng_s[0];
	rng_s[3] ^= rng_s[1];
	rng_s[1] ^= rng_s[2];
	rng_s[0] ^= rng_s[3];
	rng_s[2] ^= t;
	rng_s[3] = rotl(rng_s[3], 45);
	return result;
}

/* uniform in [0, n) without modulo bias (Lemire's method would do too) */
static unsigned long rng_below(unsigned long n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;

	do
		x = rng_next();
	while (x >= limit);
	return (unsigned long)(x % n);
}

/* ------------------------------------------------------------ files */

static char file_buf[1 << 20];

static long read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return (long)len;
}

static bool write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0) {
		printf("WARN open %s: %s\n", path, strerror(errno));
		return false;
	}
	n = write(fd, value, strlen(value));
	err = errno;
	close(fd);
	if (n < 0) {
		printf("WARN write %s <- %s: %s\n", path, value, strerror(err));
		return false;
	}
	return true;
}

static void print_section(const char *path)
{
	long n = read_file(path, file_buf, sizeof(file_buf));

	if (n < 0) {
		printf("--- %s (unreadable: %s)\n", path, strerror(errno));
		return;
	}
	printf("--- %s\n", path);
	fwrite(file_buf, 1, (size_t)n, stdout);
	if (n > 0 && file_buf[n - 1] != '\n')
		putchar('\n');
}

/* kcompactd's sleeps, from the boot-time trace (the kernel command line
 * enables mm_compaction_kcompactd_sleep with trace_clock=mono, so its times
 * are CLOCK_MONOTONIC like t_start): when its 500 ms proactive timer fires
 * relative to this program, which fragsim needs to put its checks in the
 * same places.  Only those lines are printed. */
static void print_kcompactd_trace(void)
{
	long n = read_file(TRACE_FILE, file_buf, sizeof(file_buf) - 1);
	char *line, *save;

	printf("=== KTRACE\n");
	if (n < 0) {
		printf("--- %s (unreadable: %s)\n", TRACE_FILE, strerror(errno));
	} else {
		file_buf[n] = 0;
		for (line = strtok_r(file_buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (strstr(line, "mm_compaction_kcompactd_sleep:"))
				printf("%s\n", line);
	}
	printf("=== END KTRACE\n");
}

/* "key value" or "Key:   value kB" files: the number after key, or -1 */
static long long lookup_key(const char *buf, const char *key)
{
	size_t key_len = strlen(key);
	const char *line = buf;

	while (line && *line) {
		if (!strncmp(line, key, key_len) &&
		    (line[key_len] == ' ' || line[key_len] == ':'))
			return strtoll(line + key_len + 1, NULL, 10);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -1;
}

static long long meminfo_kb(const char *key)
{
	static char buf[16 << 10];

	if (read_file("/proc/meminfo", buf, sizeof(buf)) < 0)
		return -1;
	return lookup_key(buf, key);
}

/* free memory in blocks of order >= pageblock_order, in 2 MiB units */
static long free_order9plus(void)
{
	static char buf[8 << 10];
	char *save, *line;
	long total = 0;

	if (read_file("/proc/buddyinfo", buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = strstr(line, "zone");

		if (!p)
			continue;
		p += 4;
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')
			p++;
		for (int order = 0; order < MAX_ORDER_SEEN; order++) {
			long nr_free = strtol(p, &p, 10);

			if (order >= PAGEBLOCK_ORDER)
				total += nr_free << (order - PAGEBLOCK_ORDER);
		}
	}
	return total;
}

/* ------------------------------------------------------------ vmstat */

#define MAX_VMSTAT 256

struct vmstat_snap {
	int nr;
	char name[MAX_VMSTAT][48];
	long long value[MAX_VMSTAT];
};

static void vmstat_take(struct vmstat_snap *snap)
{
	static char buf[32 << 10];
	char *save, *line;

	snap->nr = 0;
	if (read_file("/proc/vmstat", buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line && snap->nr < MAX_VMSTAT;
	     line = strtok_r(NULL, "\n", &save)) {
		char *space = strchr(line, ' ');

		if (!space || (size_t)(space - line) >= sizeof(snap->name[0]))
			continue;
		memcpy(snap->name[snap->nr], line, (size_t)(space - line));
		snap->name[snap->nr][space - line] = '\0';
		snap->value[snap->nr] = strtoll(space + 1, NULL, 10);
		snap->nr++;
	}
}

/* Event counters that moved across a test.  Gauges (nr_*) are left to the
 * dumps: a delta of a gauge says little without its level. */
static void print_vmstat_delta(const struct vmstat_snap *before, const struct vmstat_snap *after)
{
	for (int i = 0; i < after->nr; i++) {
		if (!strncmp(after->name[i], "nr_", 3))
			continue;
		for (int j = 0; j < before->nr; j++) {
			if (strcmp(before->name[j], after->name[i]))
				continue;
			if (after->value[i] != before->value[j])
				printf(" d_%s=%lld", after->name[i], after->value[i] - before->value[j]);
			break;
		}
	}
}

/* ------------------------------------------------------------ dumps */

static const char *const knob_paths[] = {
	"/proc/sys/vm/min_free_kbytes",
	"/proc/sys/vm/watermark_scale_factor",
	"/proc/sys/vm/watermark_boost_factor",
	"/proc/sys/vm/extfrag_threshold",
	"/proc/sys/vm/compaction_proactiveness",
	"/proc/sys/vm/nr_hugepages",
	"/sys/kernel/mm/transparent_hugepage/enabled",
	"/sys/kernel/mm/transparent_hugepage/defrag",
};

static void print_knobs(void)
{
	static char buf[256];

	printf("--- knobs\n");
	for (size_t i = 0; i < sizeof(knob_paths) / sizeof(knob_paths[0]); i++) {
		if (read_file(knob_paths[i], buf, sizeof(buf)) < 0)
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		printf("%s %s\n", knob_paths[i], buf);
	}
}

static void dump(const char *tag)
{
	printf("=== DUMP %s t=%.3f\n", tag, elapsed_s());
	print_knobs();
	print_section("/proc/buddyinfo");
	print_section("/proc/pagetypeinfo");
	print_section("/proc/meminfo");
	print_section("/proc/vmstat");
	print_section("/proc/zoneinfo");
	print_section("/sys/kernel/debug/extfrag/extfrag_index");
	print_section("/sys/kernel/debug/extfrag/unusable_index");
	print_section(EXTFRAG_EVENT "/hist");
	printf("=== END %s\n", tag);
	fflush(stdout);
}

/* ------------------------------------------------------------ items */

struct item {
	uint8_t kind;
	bool freed;
	uint16_t nr_pages;
	union {
		char *addr;
		int pipe_fds[2];
		uint32_t file_id;
	} u;
};

static struct item *items;
static size_t nr_items, items_cap;
static uint32_t next_file_id;
static char page_fill[MAX_ITEM_PAGES * PAGE_BYTES];

static bool item_alloc(struct item *it)
{
	size_t len = it->nr_pages * PAGE_BYTES;
	char path[64];
	ssize_t n;
	int fd;

	switch (it->kind) {
	case KIND_ANON:
		it->u.addr = mmap(NULL, len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (it->u.addr == MAP_FAILED)
			return false;
		/* items are order-0 pages by definition, whatever THP says */
		madvise(it->u.addr, len, MADV_NOHUGEPAGE);
		for (size_t off = 0; off < len; off += PAGE_BYTES)
			it->u.addr[off] = (char)(1 + (off >> 12));
		return true;
	case KIND_SHMEM:
		snprintf(path, sizeof(path), SHMEM_DIR "/%08u", it->u.file_id);
		fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			return false;
		n = write(fd, page_fill, len);
		close(fd);
		if (n != (ssize_t)len) {
			unlink(path);
			return false;
		}
		return true;
	case KIND_PIPE:
		/* each full-page write takes one alloc_page(GFP_HIGHUSER) page
		 * that stays until the pipe is closed unread: unmovable */
		if (pipe2(it->u.pipe_fds, O_NONBLOCK | O_CLOEXEC) < 0)
			return false;
		if (it->nr_pages > 16 &&
		    fcntl(it->u.pipe_fds[1], F_SETPIPE_SZ, (int)len) < 0)
			goto pipe_fail;
		n = write(it->u.pipe_fds[1], page_fill, len);
		if (n != (ssize_t)len)
			goto pipe_fail;
		return true;
pipe_fail:
		close(it->u.pipe_fds[0]);
		close(it->u.pipe_fds[1]);
		return false;
	}
	return false;
}

static void item_free(struct item *it)
{
	char path[64];

	switch (it->kind) {
	case KIND_ANON:
		munmap(it->u.addr, it->nr_pages * PAGE_BYTES);
		break;
	case KIND_SHMEM:
		snprintf(path, sizeof(path), SHMEM_DIR "/%08u", it->u.file_id);
		unlink(path);
		break;
	case KIND_PIPE:
		close(it->u.pipe_fds[0]);
		close(it->u.pipe_fds[1]);
		break;
	}
	it->freed = true;
}

/* Allocate items of the page-weighted mix until target_pages are held.  A
 * failed item is retried with a new draw; many in a row end the phase, which
 * the RESULT line reports (failures=) rather than hides. */
static void phase_alloc(const char *phase, unsigned long target_pages, const unsigned long *mix)
{
	unsigned long weight = mix[KIND_ANON] + mix[KIND_SHMEM] + mix[KIND_PIPE];
	unsigned long pages = 0, failures = 0, consecutive = 0;
	unsigned long kind_items[NR_KINDS] = { 0 }, kind_pages[NR_KINDS] = { 0 };
	size_t first = nr_items;
	double t0 = elapsed_s();

	while (weight && pages < target_pages) {
		struct item *it;
		unsigned long r;

		if (nr_items == items_cap) {
			items_cap = items_cap ? items_cap * 2 : 1 << 16;
			items = realloc(items, items_cap * sizeof(*items));
			if (!items)
				die("out of memory for the item table");
		}
		it = &items[nr_items];
		r = rng_below(weight);
		it->kind = r < mix[KIND_ANON] ? KIND_ANON :
			   r < mix[KIND_ANON] + mix[KIND_SHMEM] ? KIND_SHMEM : KIND_PIPE;
		it->nr_pages = (uint16_t)(1 + rng_below(P.maxpg));
		it->freed = false;
		if (it->kind == KIND_SHMEM)
			it->u.file_id = next_file_id++;
		if (!item_alloc(it)) {
			failures++;
			if (++consecutive >= 100) {
				printf("WARN %s: stopping after 100 failures in a row (%s)\n",
				       phase, strerror(errno));
				break;
			}
			continue;
		}
		consecutive = 0;
		pages += it->nr_pages;
		kind_items[it->kind]++;
		kind_pages[it->kind] += it->nr_pages;
		nr_items++;
	}
	printf("RESULT phase=%s target_pages=%lu pages=%lu items=%zu", phase, target_pages,
	       pages, nr_items - first);
	for (int k = 0; k < NR_KINDS; k++)
		printf(" %s_items=%lu %s_pages=%lu", kind_names[k], kind_items[k],
		       kind_names[k], kind_pages[k]);
	printf(" failures=%lu memfree_kb=%lld secs=%.3f\n", failures, meminfo_kb("MemFree"),
	       elapsed_s() - t0);
}

static unsigned long phase_free(void)
{
	unsigned long kind_items[NR_KINDS] = { 0 }, kind_pages[NR_KINDS] = { 0 };
	unsigned long pages = 0;
	double t0 = elapsed_s();

	for (size_t i = 0; i < nr_items; i++) {
		struct item *it = &items[i];

		if (rng_below(100) >= P.free_pct)
			continue;
		kind_items[it->kind]++;
		kind_pages[it->kind] += it->nr_pages;
		pages += it->nr_pages;
		item_free(it);
	}
	printf("RESULT phase=free pages=%lu", pages);
	for (int k = 0; k < NR_KINDS; k++)
		printf(" %s_items=%lu %s_pages=%lu", kind_names[k], kind_items[k],
		       kind_names[k], kind_pages[k]);
	printf(" memfree_kb=%lld secs=%.3f\n", meminfo_kb("MemFree"), elapsed_s() - t0);
	return pages;
}

/* ------------------------------------------------------------ tests */

static void set_proactiveness(void)
{
	char value[32];

	snprintf(value, sizeof(value), "%ld", P.proactiveness);
	write_file("/proc/sys/vm/compaction_proactiveness", value);
	printf("SET compaction_proactiveness=%ld t=%.3f\n", P.proactiveness, elapsed_s());
}

static int hugetlb_pass, thp_pass, compact_pass;

static void test_hugetlb(void)
{
	struct vmstat_snap *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	long long memfree_kb = meminfo_kb("MemFree");
	long requested = P.hugetlb_pages ? P.hugetlb_pages : (long)(memfree_kb / 2048);
	long free_blocks = free_order9plus();
	char value[32], tag[32];
	double t0;

	hugetlb_pass++;
	snprintf(value, sizeof(value), "%ld", requested);
	vmstat_take(before);
	t0 = elapsed_s();
	/* nr_hugepages stops at the first failed allocation (cf.
	 * set_max_huge_pages()); what it reads back is the yield */
	write_file("/proc/sys/vm/nr_hugepages", value);
	printf("RESULT test=hugetlb pass=%d secs=%.3f", hugetlb_pass, elapsed_s() - t0);
	vmstat_take(after);
	read_file("/proc/sys/vm/nr_hugepages", value, sizeof(value));
	printf(" memfree_kb=%lld requested=%ld got=%ld free_order9plus_before=%ld",
	       memfree_kb, requested, atol(value), free_blocks);
	print_vmstat_delta(before, after);
	printf("\n");
	snprintf(tag, sizeof(tag), "hugetlb%d", hugetlb_pass);
	dump(tag);
	if (!P.hugetlb_keep)
		write_file("/proc/sys/vm/nr_hugepages", "0");
	free(before);
	free(after);
}

static void test_compact(void)
{
	struct vmstat_snap *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	long free_blocks = free_order9plus();
	char tag[32];
	double t0;

	compact_pass++;
	vmstat_take(before);
	t0 = elapsed_s();
	write_file("/proc/sys/vm/compact_memory", "1");
	printf("RESULT test=compact pass=%d secs=%.3f", compact_pass, elapsed_s() - t0);
	vmstat_take(after);
	printf(" free_order9plus_before=%ld free_order9plus_after=%ld", free_blocks,
	       free_order9plus());
	print_vmstat_delta(before, after);
	printf("\n");
	snprintf(tag, sizeof(tag), "compact%d", compact_pass);
	dump(tag);
	free(before);
	free(after);
}

/* AnonHugePages and Rss of the mapping that starts at addr, from smaps */
static void smaps_region_kb(const void *addr, long long *ret_rss_kb, long long *ret_huge_kb)
{
	static char buf[1 << 20];
	char start[32];
	const char *p, *next;

	*ret_rss_kb = *ret_huge_kb = -1;
	if (read_file("/proc/self/smaps", buf, sizeof(buf)) < 0)
		return;
	snprintf(start, sizeof(start), "%lx-", (unsigned long)(uintptr_t)addr);
	for (p = buf; p && *p; p = next) {
		next = strchr(p, '\n');
		next = next ? next + 1 : NULL;
		if (strncmp(p, start, strlen(start)))
			continue;
		/* the entry's fields follow until the next "start-end" line */
		*ret_rss_kb = lookup_key(next, "Rss");
		*ret_huge_kb = lookup_key(next, "AnonHugePages");
		return;
	}
}

static void test_thp(void)
{
	struct vmstat_snap *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	long long memfree_kb, rss_kb, huge_kb;
	long free_blocks;
	size_t nr_tries, len;
	char *raw, *region, tag[32];
	double t0;

	thp_pass++;
	write_file("/sys/kernel/mm/transparent_hugepage/enabled", P.thp_enabled);
	write_file("/sys/kernel/mm/transparent_hugepage/defrag", P.thp_defrag);
	memfree_kb = meminfo_kb("MemFree");
	free_blocks = free_order9plus();
	/* 90% of MemFree: enough faults to exhaust free huge blocks, not
	 * so many that the OOM killer ends the measurement */
	nr_tries = (size_t)(memfree_kb * 1024 / 10 * 9 / (long long)HPAGE_BYTES);
	len = nr_tries * HPAGE_BYTES;
	raw = mmap(NULL, len + HPAGE_BYTES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED) {
		printf("RESULT test=thp pass=%d error=mmap\n", thp_pass);
		return;
	}
	region = (char *)(((uintptr_t)raw + HPAGE_BYTES - 1) & ~(HPAGE_BYTES - 1));
	if (region != raw)
		munmap(raw, (size_t)(region - raw));
	munmap(region + len, (size_t)(raw + HPAGE_BYTES - region));
	madvise(region, len, MADV_HUGEPAGE);
	vmstat_take(before);
	t0 = elapsed_s();
	/* one touch per 2 MiB: each is one THP fault, or one base page when
	 * the fault falls back */
	for (size_t i = 0; i < nr_tries; i++)
		region[i * HPAGE_BYTES] = 1;
	printf("RESULT test=thp pass=%d secs=%.3f", thp_pass, elapsed_s() - t0);
	vmstat_take(after);
	smaps_region_kb(region, &rss_kb, &huge_kb);
	printf(" enabled=%s defrag=%s memfree_kb=%lld tries=%zu free_order9plus_before=%ld"
	       " huge_pages=%lld base_pages=%lld",
	       P.thp_enabled, P.thp_defrag, memfree_kb, nr_tries, free_blocks,
	       huge_kb < 0 ? -1 : huge_kb / 2048,
	       rss_kb < 0 ? -1 : (rss_kb - huge_kb) / 4);
	print_vmstat_delta(before, after);
	printf("\n");
	snprintf(tag, sizeof(tag), "thp%d", thp_pass);
	dump(tag);
	munmap(region, len);
	if (strcmp(P.thp_fill, "keep"))
		write_file("/sys/kernel/mm/transparent_hugepage/enabled", P.thp_fill);
	free(before);
	free(after);
}

static void settle(void)
{
	long step = P.sample_s > 0 && P.sample_s < P.settle_s ? P.sample_s : P.settle_s;
	struct vmstat_snap *snap = malloc(sizeof(*snap));

	for (long s = step; s <= P.settle_s; s += step) {
		struct timespec ts = { .tv_sec = step };

		while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
			;
		vmstat_take(snap);
		printf("SAMPLE phase=settle s=%ld t=%.3f free_order9plus=%ld", s, elapsed_s(),
		       free_order9plus());
		for (int i = 0; i < snap->nr; i++)
			if (!strcmp(snap->name[i], "nr_free_pages") ||
			    !strncmp(snap->name[i], "compact_", 8) ||
			    !strncmp(snap->name[i], "pgmigrate_", 10))
				printf(" %s=%lld", snap->name[i], snap->value[i]);
		printf("\n");
		fflush(stdout);
	}
	free(snap);
}

/* ------------------------------------------------------------ arguments */

static unsigned long parse_ulong(const char *key, const char *value, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || end == value || *end || value[0] == '-' || v > max)
		die("argument %s=%s: expected an integer in 0..%lu", key, value, max);
	return v;
}

static long parse_long(const char *key, const char *value, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || end == value || *end || v < min || v > max)
		die("argument %s=%s: expected an integer in %ld..%ld", key, value, min, max);
	return v;
}

static void parse_mix(const char *key, const char *value, unsigned long *mix)
{
	char *end;
	const char *p = value;

	for (int k = 0; k < NR_KINDS; k++) {
		errno = 0;
		mix[k] = strtoul(p, &end, 10);
		if (errno || end == p || (k < NR_KINDS - 1 ? *end != ':' : *end != '\0'))
			die("argument %s=%s: expected anon:shmem:pipe weights", key, value);
		p = end + 1;
	}
}

static void parse_word(const char *key, const char *value, char *dst, size_t size,
		       const char *const *allowed)
{
	bool ok = !allowed;

	for (; allowed && *allowed; allowed++)
		ok |= !strcmp(value, *allowed);
	if (!ok || strlen(value) >= size)
		die("argument %s=%s: not an accepted value", key, value);
	strcpy(dst, value);
}

static const char *const thp_modes[] = { "always", "madvise", "never", "keep", NULL };
static const char *const defrag_modes[] = { "always", "defer", "defer+madvise", "madvise",
					    "never", NULL };
static const char *const proact_times[] = { "boot", "settle", NULL };

static void parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *key = argv[i], *value = strchr(key, '=');

		if (!value)
			die("argument %s: expected key=value", key);
		*value++ = '\0';
		if (!strcmp(key, "seed"))
			P.seed = parse_ulong(key, value, ULONG_MAX);
		else if (!strcmp(key, "fill_pct"))
			P.fill_pct = parse_ulong(key, value, 100);
		else if (!strcmp(key, "free_pct"))
			P.free_pct = parse_ulong(key, value, 100);
		else if (!strcmp(key, "refill_pct"))
			P.refill_pct = parse_ulong(key, value, 100);
		else if (!strcmp(key, "maxpg"))
			P.maxpg = parse_ulong(key, value, MAX_ITEM_PAGES);
		else if (!strcmp(key, "mix"))
			parse_mix(key, value, P.mix);
		else if (!strcmp(key, "refill_mix"))
			parse_mix(key, value, P.refill_mix);
		else if (!strcmp(key, "settle_s"))
			P.settle_s = parse_long(key, value, 0, 86400);
		else if (!strcmp(key, "sample_s"))
			P.sample_s = parse_long(key, value, 0, 86400);
		else if (!strcmp(key, "proactiveness"))
			P.proactiveness = parse_long(key, value, -1, 100);
		else if (!strcmp(key, "proactiveness_at"))
			parse_word(key, value, P.proactiveness_at, sizeof(P.proactiveness_at),
				   proact_times);
		else if (!strcmp(key, "thp_fill"))
			parse_word(key, value, P.thp_fill, sizeof(P.thp_fill), thp_modes);
		else if (!strcmp(key, "thp_enabled"))
			parse_word(key, value, P.thp_enabled, sizeof(P.thp_enabled), thp_modes);
		else if (!strcmp(key, "thp_defrag"))
			parse_word(key, value, P.thp_defrag, sizeof(P.thp_defrag), defrag_modes);
		else if (!strcmp(key, "tests"))
			parse_word(key, value, P.tests, sizeof(P.tests), NULL);
		else if (!strcmp(key, "hugetlb_pages"))
			P.hugetlb_pages = parse_long(key, value, 0, 1L << 30);
		else if (!strcmp(key, "hugetlb_keep"))
			P.hugetlb_keep = parse_ulong(key, value, 1);
		else
			die("argument %s: unknown key", key);
	}
	if (P.maxpg < 1)
		die("argument maxpg=0: an item has at least one page");
}

static void print_params(void)
{
	printf("=== PARAMS seed=%llu fill_pct=%lu mix=%lu:%lu:%lu maxpg=%lu free_pct=%lu"
	       " refill_pct=%lu refill_mix=%lu:%lu:%lu settle_s=%ld sample_s=%ld"
	       " proactiveness=%ld proactiveness_at=%s thp_fill=%s tests=%s hugetlb_pages=%ld"
	       " hugetlb_keep=%d thp_enabled=%s thp_defrag=%s\n",
	       (unsigned long long)P.seed, P.fill_pct, P.mix[0], P.mix[1], P.mix[2], P.maxpg,
	       P.free_pct, P.refill_pct, P.refill_mix[0], P.refill_mix[1], P.refill_mix[2],
	       P.settle_s, P.sample_s, P.proactiveness, P.proactiveness_at, P.thp_fill, P.tests,
	       P.hugetlb_pages, P.hugetlb_keep, P.thp_enabled, P.thp_defrag);
}

/* ------------------------------------------------------------ main */

static void run_tests(void)
{
	char tests[sizeof(P.tests)], *save, *name;

	strcpy(tests, P.tests);
	for (name = strtok_r(tests, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		if (!strcmp(name, "hugetlb")) {
			test_hugetlb();
		} else if (!strcmp(name, "compact")) {
			test_compact();
		} else if (!strcmp(name, "thp")) {
			test_thp();
		} else if (!strcmp(name, "drop")) {
			write_file("/proc/sys/vm/drop_caches", "3");
			dump("drop");
		} else if (!strcmp(name, "dump")) {
			dump("user");
		} else if (!strncmp(name, "sleep", 5)) {
			struct timespec ts = {
				.tv_sec = parse_long("tests sleepN", name + 5, 0, 86400)
			};

			while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
				;
			dump(name);
		} else {
			die("argument tests: unknown test '%s'", name);
		}
	}
}

static void check_tests(void)
{
	char tests[sizeof(P.tests)], *save, *name;

	strcpy(tests, P.tests);
	for (name = strtok_r(tests, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		if (strcmp(name, "hugetlb") && strcmp(name, "compact") && strcmp(name, "thp") &&
		    strcmp(name, "drop") && strcmp(name, "dump") && strncmp(name, "sleep", 5))
			die("argument tests: unknown test '%s'", name);
	}
}

int main(int argc, char **argv)
{
	struct rlimit nofile = { 1 << 20, 1 << 20 };
	uint64_t seed_state;
	unsigned long freed_pages;

	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	t_start = now_s();
	parse_args(argc, argv);
	check_tests();
	print_params();
	seed_state = P.seed;
	for (int i = 0; i < 4; i++)
		rng_s[i] = splitmix64(&seed_state);
	memset(page_fill, 0x5a, sizeof(page_fill));

	if (setrlimit(RLIMIT_NOFILE, &nofile) < 0)
		printf("WARN setrlimit NOFILE: %s\n", strerror(errno));
	write_file("/proc/sys/vm/max_map_count", "1000000");
	write_file("/proc/sys/vm/overcommit_memory", "1");
	if (strcmp(P.thp_fill, "keep"))
		write_file("/sys/kernel/mm/transparent_hugepage/enabled", P.thp_fill);
	if (P.proactiveness >= 0 && !strcmp(P.proactiveness_at, "boot"))
		set_proactiveness();
	/* a hist trigger takes at most three keys: one histogram by order,
	 * one by change_ownership (whether the fallback stole the block) */
	write_file(EXTFRAG_EVENT "/trigger",
		   "hist:name=fsk_order:keys=alloc_migratetype,fallback_migratetype,fallback_order:vals=hitcount:size=2048");
	write_file(EXTFRAG_EVENT "/trigger",
		   "hist:name=fsk_steal:keys=alloc_migratetype,fallback_migratetype,change_ownership:vals=hitcount:size=2048");
	printf("=== CLOCK t0_mono=%.6f\n", t_start);
	dump("boot");

	phase_alloc("fill", (unsigned long)(meminfo_kb("MemFree") / 4) * P.fill_pct / 100, P.mix);
	dump("after_fill");
	freed_pages = phase_free();
	dump("after_free");
	if (P.refill_pct > 0) {
		phase_alloc("refill", freed_pages * P.refill_pct / 100, P.refill_mix);
		dump("after_refill");
	}
	if (P.proactiveness >= 0 && !strcmp(P.proactiveness_at, "settle"))
		set_proactiveness();
	if (P.settle_s > 0) {
		settle();
		dump("after_settle");
	}
	run_tests();
	print_kcompactd_trace();
	printf("=== DONE t=%.3f\n", elapsed_s());
	fflush(stdout);
	return 0;
}
