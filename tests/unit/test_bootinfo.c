/*
 * test_bootinfo.c - host tests of the multiboot1/multiboot2 info parser
 * (src/boot/bootinfo.c) on synthetic info structures placed in a fake
 * physical memory: 1 MiB at phys 0x10000. The reader hands out a fresh heap
 * copy of exactly the bytes asked for, so ASan catches any read past what
 * the parser asked to read (a tag read past total_size, an mmap entry past
 * its tag), and NULL for anything outside the fake memory.
 *
 * The malformed cases run in a forked child with an alarm, so a parser that
 * loops forever or trips ASan on hostile input shows up as one FAIL line
 * here instead of a hung or aborted test run.
 *
 * Layouts: multiboot spec 0.6.96 section 3.3 (mb1 info), multiboot2 spec
 * section 3.6 (tags: u32 type, u32 size, payload, next tag 8-byte aligned).
 */
// uses: src/boot/bootinfo.c
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/check.h"
#include "boot/bootinfo.h"

/* ---- fake physical memory */

#define MEM_BASE	0x10000ull
#define MEM_SIZE	(1ull << 20)
#define MEM_END		(MEM_BASE + MEM_SIZE)

static uint8_t *mem;		/* MEM_SIZE bytes, "physical" MEM_BASE.. */
static void **copies;
static size_t n_copies, cap_copies;
static unsigned n_reads, n_outside;

static const void *fake_read(void *ctx, uint64_t phys, size_t len)
{
	uint8_t *p;

	(void)ctx;
	n_reads++;
	if (phys < MEM_BASE || phys >= MEM_END || len > MEM_END - phys) {
		n_outside++;
		return NULL;
	}
	p = malloc(len ? len : 1);
	if (!p)
		abort();
	memcpy(p, mem + (phys - MEM_BASE), len);
	if (n_copies == cap_copies) {
		cap_copies = cap_copies ? cap_copies * 2 : 256;
		copies = realloc(copies, cap_copies * sizeof(*copies));
		if (!copies)
			abort();
	}
	copies[n_copies++] = p;
	return p;
}

static void free_copies(void)
{
	for (size_t i = 0; i < n_copies; i++)
		free(copies[i]);
	n_copies = 0;
}

static void mem_clear(void)
{
	memset(mem, 0xa5, MEM_SIZE);	/* garbage, not zeroes */
}

static void put32(uint64_t phys, uint32_t v)
{
	memcpy(mem + (phys - MEM_BASE), &v, 4);
}

static void put64(uint64_t phys, uint64_t v)
{
	memcpy(mem + (phys - MEM_BASE), &v, 8);
}

static void put_bytes(uint64_t phys, const void *p, size_t n)
{
	memcpy(mem + (phys - MEM_BASE), p, n);
}

static struct boot_info bi;
static char err[256];

static int parse(uint32_t magic, uint64_t info)
{
	int r;

	memset(err, 0, sizeof(err));
	n_reads = n_outside = 0;
	r = bootinfo_parse(magic, info, fake_read, NULL, &bi, err, sizeof(err));
	free_copies();
	return r;
}

/* ---- isolated parse for hostile input: fork, alarm, result via a pipe */

struct iso_result {
	bool ran;		/* child finished normally */
	int status;		/* wait status when it did not */
	int rc;
	unsigned n_mmap;
	char err[256];
};

static struct iso_result parse_isolated(uint32_t magic, uint64_t info)
{
	struct iso_result res;
	int fds[2], status;
	pid_t pid;

	memset(&res, 0, sizeof(res));
	fflush(stdout);
	fflush(stderr);
	if (pipe(fds) < 0)
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		struct iso_result r;

		close(fds[0]);
		alarm(3);
		memset(&r, 0, sizeof(r));
		r.rc = parse(magic, info);
		r.n_mmap = bi.n_mmap;
		memcpy(r.err, err, sizeof(r.err));
		r.ran = true;
		if (write(fds[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &res, sizeof(res)) != (ssize_t)sizeof(res))
		memset(&res, 0, sizeof(res));
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid)
		abort();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		res.ran = false;
	res.status = status;
	return res;
}

static void describe_child(const struct iso_result *r)
{
	if (r->ran)
		return;
	if (WIFSIGNALED(r->status))
		printf("      parser child killed by signal %d%s\n", WTERMSIG(r->status),
		       WTERMSIG(r->status) == SIGALRM ? " (hung: alarm after 3 s)" : "");
	else
		printf("      parser child exited with %d (sanitizer report above?)\n",
		       WEXITSTATUS(r->status));
}

/* A malformed structure: -1, a message, and no crash, hang or wild read. */
static void check_rejected(uint32_t magic, uint64_t info, const char *what)
{
	struct iso_result r = parse_isolated(magic, info);

	if (!CHECK(r.ran && r.rc == -1 && r.err[0], "%s: rejected with a message", what))
		describe_child(&r);
	else
		printf("      (message: %s)\n", r.err);
}

/* ---- multiboot2 builder at phys `at` */

struct mb2 {
	uint64_t at;
	uint32_t off;
};

static void mb2_begin(struct mb2 *b, uint64_t at)
{
	b->at = at;
	b->off = 8;
	put32(at + 4, 0);		/* reserved */
}

/* A tag of type with `n` payload bytes; returns its offset. */
static uint32_t mb2_tag(struct mb2 *b, uint32_t type, const void *payload, uint32_t n)
{
	uint32_t off = b->off;

	put32(b->at + off, type);
	put32(b->at + off + 4, 8 + n);
	if (n)
		put_bytes(b->at + off + 8, payload, n);
	b->off = (off + 8 + n + 7) & ~7u;
	return off;
}

static void mb2_str(struct mb2 *b, uint32_t type, const char *s)
{
	mb2_tag(b, type, s, (uint32_t)strlen(s) + 1);
}

/* Sets total_size to the end of the last tag written. */
static void mb2_finish(struct mb2 *b)
{
	put32(b->at, b->off);
}

static void mb2_end(struct mb2 *b)
{
	mb2_tag(b, 0, NULL, 0);
	mb2_finish(b);
}

/* mmap tag: u32 entry_size, u32 entry_version, entries of entry_size with
 * u64 base, u64 len, u32 type, u32 reserved. */
static void mb2_mmap(struct mb2 *b, uint32_t entry_size, const struct mmap_entry *e,
		     unsigned n)
{
	uint8_t buf[8 + 40 * 160];
	uint32_t len = 8 + entry_size * n;

	if (entry_size > 40 || n > 160)
		abort();
	memset(buf, 0xee, sizeof(buf));
	memcpy(buf, &entry_size, 4);
	memset(buf + 4, 0, 4);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = buf + 8 + i * entry_size;

		memcpy(p, &e[i].base, 8);
		memcpy(p + 8, &e[i].len, 8);
		memcpy(p + 16, &e[i].type, 4);
		memset(p + 20, 0, 4);
	}
	mb2_tag(b, 6, buf, len);
}

#define INFO	(MEM_BASE + 0x1000)	/* where the info structures go */

static const struct mmap_entry qemu_map[] = {
	{ 0x0, 0x9fc00, MMAP_AVAILABLE },
	{ 0x9fc00, 0x400, MMAP_RESERVED },
	{ 0xf0000, 0x10000, MMAP_RESERVED },
	{ 0x100000, 0x7ee0000, MMAP_AVAILABLE },
	{ 0x7fe0000, 0x20000, MMAP_ACPI_RECLAIMABLE },
	{ 0xfffc0000, 0x40000, MMAP_RESERVED },
};
#define QEMU_MAP_N	(sizeof(qemu_map) / sizeof(qemu_map[0]))
/* 0x9fc00 + 0x7ee0000 = 0x7f7fc00 = 133692416 bytes of type 1. */
#define QEMU_MAP_AVAIL	0x7f7fc00ull

static void make_rsdp(uint8_t *r, uint8_t rev)
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, rev >= 2 ? "NEWOEM" : "OLDOEM", 6);
	r[15] = rev;
	memcpy(r + 16, &(uint32_t){ 0x7fe1234 }, 4);
	if (rev >= 2) {
		memcpy(r + 20, &(uint32_t){ 36 }, 4);
		memcpy(r + 24, &(uint64_t){ 0x7fe5678 }, 8);
	}
	/* Checksums are not the parser's business: it copies bytes. */
}

static bool map_equal(const struct mmap_entry *want, unsigned n)
{
	if (bi.n_mmap != n)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (bi.mmap[i].base != want[i].base || bi.mmap[i].len != want[i].len ||
		    bi.mmap[i].type != want[i].type) {
			printf("      entry %u: got %#llx+%#llx type %u\n", i,
			       (unsigned long long)bi.mmap[i].base,
			       (unsigned long long)bi.mmap[i].len, bi.mmap[i].type);
			return false;
		}
	return true;
}

/* ---- multiboot2 */

static void test_mb2_full(void)
{
	static const char cmd[] = "build/irqlab.elf mode=fast\tcount=3";
	uint8_t old[36], new[36], efi[8] = { 0x18, 0x7f, 0xe0, 0x07 };
	uint32_t meminfo[2] = { 639, 261120 };
	uint8_t lba[1] = { 0x42 };
	struct mb2 b;

	check_set_prefix("mb2");
	mem_clear();
	make_rsdp(old, 0);
	make_rsdp(new, 2);
	mb2_begin(&b, INFO);
	mb2_str(&b, 1, cmd);			/* 8 + 35 = 43: padded to 48 */
	mb2_tag(&b, 21, lba, 1);		/* unknown type, size 9: skipped */
	mb2_str(&b, 2, "GRUB 2.06");
	mb2_tag(&b, 4, meminfo, 8);
	mb2_mmap(&b, 24, qemu_map, QEMU_MAP_N);
	mb2_tag(&b, 12, efi, 8);
	mb2_tag(&b, 14, old, 20);
	mb2_tag(&b, 15, new, 36);
	mb2_end(&b);

	CHECK_EQ_U64(parse(MB2_BOOT_MAGIC, INFO), 0, "full info parses");
	CHECK_EQ_U64(bi.protocol, 2, "protocol 2");
	CHECK(bi.have_cmdline, "have_cmdline");
	CHECK_STR(bi.cmdline, cmd, "command line (tab kept, tag padding skipped)");
	CHECK_STR(bi.loader, "GRUB 2.06", "loader name after an odd-sized unknown tag");
	CHECK_EQ_U64(bi.mem_lower_kb, 639, "mem_lower");
	CHECK_EQ_U64(bi.mem_upper_kb, 261120, "mem_upper");
	CHECK(map_equal(qemu_map, QEMU_MAP_N), "memory map: 6 entries");
	CHECK(!bi.mmap_truncated, "not truncated");
	CHECK(bi.efi, "EFI64 tag seen");
	CHECK_EQ_U64(bi.rsdp_tag, 15, "RSDP 2.0 preferred (old tag first)");
	CHECK_EQ_U64(bi.rsdp_len, 36, "RSDP 2.0 length");
	CHECK(memcmp(bi.rsdp, new, 36) == 0, "RSDP 2.0 bytes copied");
	CHECK_EQ_U64(bootinfo_available_bytes(&bi), QEMU_MAP_AVAIL,
		     "available = 0x9fc00 + 0x7ee0000");
	CHECK_EQ_U64(n_outside, 0, "no read outside the fake memory");

	/* ACPI tags the other way round, and each alone. */
	mem_clear();
	mb2_begin(&b, INFO);
	mb2_tag(&b, 15, new, 36);
	mb2_tag(&b, 14, old, 20);
	mb2_end(&b);
	CHECK_EQ_U64(parse(MB2_BOOT_MAGIC, INFO), 0, "new RSDP then old parses");
	CHECK_EQ_U64(bi.rsdp_tag, 15, "RSDP 2.0 preferred (new tag first)");
	CHECK_EQ_U64(bi.rsdp_len, 36, "RSDP 2.0 length kept");
	CHECK(memcmp(bi.rsdp, new, 36) == 0, "RSDP 2.0 bytes not overwritten by 1.0");

	mem_clear();
	mb2_begin(&b, INFO);
	mb2_tag(&b, 14, old, 20);
	mb2_end(&b);
	CHECK_EQ_U64(parse(MB2_BOOT_MAGIC, INFO), 0, "old RSDP alone parses");
	CHECK_EQ_U64(bi.rsdp_tag, 14, "RSDP 1.0 tag");
	CHECK_EQ_U64(bi.rsdp_len, 20, "RSDP 1.0 length 20");
	CHECK(memcmp(bi.rsdp, old, 20) == 0, "RSDP 1.0 bytes");
	CHECK(!bi.efi && !bi.have_cmdline && bi.n_mmap == 0 && bi.loader[0] == 0,
	      "absent tags leave their fields empty");

	/* An RSDP tag bigger than the copy: clipped, not overflowed. */
	{
		uint8_t big[100];

		for (unsigned i = 0; i < sizeof(big); i++)
			big[i] = (uint8_t)i;
		mem_clear();
		mb2_begin(&b, INFO);
		mb2_tag(&b, 15, big, sizeof(big));
		mb2_end(&b);
		CHECK_EQ_U64(parse(MB2_BOOT_MAGIC, INFO), 0, "100-byte RSDP tag parses");
		CHECK_EQ_U64(bi.rsdp_len, sizeof(bi.rsdp), "RSDP copy clipped to 64");
		CHECK(memcmp(bi.rsdp, big, sizeof(bi.rsdp)) == 0, "first 64 bytes copied");
	}

	/* The smallest valid info: header and end tag, 16 bytes. */
	mem_clear();
	mb2_begin(&b, INFO);
	mb2_end(&b);
	CHECK_EQ_U64(b.off, 16, "(builder: minimal info is 16 bytes)");
	CHECK_EQ_U64(parse(MB2_BOOT_MAGIC, INFO), 0, "minimal info parses");
	CHECK_EQ_U64(bi.rsdp_tag, 0, "no RSDP: tag 0");
	CHECK_EQ_U64(bi.rsdp_len, 0, "no RSDP: length 0");
	CHECK_EQ_U64(bootinfo_available_bytes(&bi), 0, "no map: 0 bytes");

	/* Anything after the end tag is not looked at, even garbage. */
	mem_clear();
	mb2_begin(&b, INFO);
	mb2_str(&b, 1, "a=b");
	mb2_tag(&b, 0, NULL, 0);
	put32(INFO + b.off, 1);
	put32(INFO + b.off + 4, 3);		/* bad size, after the end */
	b.off += 8;
	mb2_finish(&b);
	CHECK_EQ_U64(parse(MB2_BOOT_MAGIC, INFO), 0, "stops at the end tag");
	CHECK_STR(bi.cmdline, "a=b", "command line before the end tag");
}

static void test_mb2_strings(void)
{
	char longcmd[1500], longname[100];
	struct mb2 b;

	check_set_prefix("mb2 strings");
	memset(longcmd, 'c', sizeof(longcmd) - 1);
	longcmd[sizeof(longcmd) - 1] = 0;
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	mem_clear();
	mb2_begin(&b, INFO);
	mb2_str(&b, 1, longcmd);
	mb2_str(&b, 2, longname);
	mb2_end(&b);
	CHECK_EQ_U64(parse(MB2_BOOT_MAGIC, INFO), 0, "long strings parse");
	CHECK_EQ_U64(strlen(bi.cmdline), BOOTINFO_CMDLINE_MAX - 1,
		     "1499-byte command line cut to 1023");
	CHECK(bi.cmdline[0] == 'c' && bi.cmdline[BOOTINFO_CMDLINE_MAX - 2] == 'c',
	      "cut command line keeps the start");
	CHECK_EQ_U64(strlen(bi.loader), sizeof(bi.loader) - 1, "loader name cut to 63");

	/* Payload without a NUL: still a terminated string of the payload. */
	mem_clear();
	mb2_begin(&b, INFO);
	mb2_tag(&b, 1, "xyz", 3);
	mb2_tag(&b, 2, "LDR", 3);
	mb2_end(&b);
	CHECK_EQ_U64(parse(MB2_BOOT_MAGIC, INFO), 0, "unterminated strings parse");
	CHECK_STR(bi.cmdline, "xyz", "command line terminated after its tag");
	CHECK_STR(bi.loader, "LDR", "loader name terminated after its tag");

	/* Empty command line tag (just the NUL): given but empty. */
	mem_clear();
	mb2_begin(&b, INFO);
	mb2_str(&b, 1, "");
	mb2_end(&b);
	CHECK_EQ_U64(parse(MB2_BOOT_MAGIC, INFO), 0, "empty command line parses");
	CHECK(bi.have_cmdline && bi.cmdline[0] == 0, "empty command line, given");

	/* A short meminfo tag is ignored, not read past. */
	mem_clear();
	mb2_begin(&b, INFO);
	mb2_tag(&b, 4, &(uint32_t){ 640 }, 4);
	mb2_end(&b);
	CHECK_EQ_U64(parse(MB2_BOOT_MAGIC, INFO), 0, "12-byte meminfo tag parses");
	CHECK(bi.mem_lower_kb == 0 && bi.mem_upper_kb == 0, "short meminfo ignored");
}

static void test_mb2_mmap(void)
{
	static struct mmap_entry many[140];
	struct mb2 b;

	check_set_prefix("mb2 mmap");
	for (unsigned i = 0; i < 140; i++) {
		many[i].base = 0x100000000ull * i + 0x1000 * i;
		many[i].len = 0x1000 + i;
		many[i].type = 1 + i % 5;
	}

	/* Bigger entries than 24 bytes: the stride is entry_size. */
	mem_clear();
	mb2_begin(&b, INFO);
	mb2_mmap(&b, 32, qemu_map, QEMU_MAP_N);
	mb2_end(&b);
	CHECK_EQ_U64(parse(MB2_BOOT_MAGIC, INFO), 0, "entry_size 32 parses");
	CHECK(map_equal(qemu_map, QEMU_MAP_N), "entry_size 32: entries at a 32-byte stride");

	/* Exactly BOOTINFO_MMAP_MAX entries: all kept, not truncated. */
	mem_clear();
	mb2_begin(&b, INFO);
	mb2_mmap(&b, 24, many, BOOTINFO_MMAP_MAX);
	mb2_end(&b);
	CHECK_EQ_U64(parse(MB2_BOOT_MAGIC, INFO), 0, "128 entries parse");
	CHECK(map_equal(many, BOOTINFO_MMAP_MAX), "128 entries kept");
	CHECK(!bi.mmap_truncated, "128 entries: not truncated");

	/* 130: the first 128 kept, the flag set. */
	mem_clear();
	mb2_begin(&b, INFO);
	mb2_mmap(&b, 24, many, 130);
	mb2_end(&b);
	CHECK_EQ_U64(parse(MB2_BOOT_MAGIC, INFO), 0, "130 entries parse");
	CHECK(map_equal(many, BOOTINFO_MMAP_MAX), "first 128 of 130 kept");
	CHECK(bi.mmap_truncated, "130 entries: truncated flag");

	/* A trailing partial entry (tag size not a multiple): ignored. */
	{
		uint8_t buf[8 + 24 + 12];
		uint32_t es = 24;

		memset(buf, 0, sizeof(buf));
		memcpy(buf, &es, 4);
		memcpy(buf + 8, &qemu_map[3].base, 8);
		memcpy(buf + 16, &qemu_map[3].len, 8);
		memcpy(buf + 24, &qemu_map[3].type, 4);
		mem_clear();
		mb2_begin(&b, INFO);
		mb2_tag(&b, 6, buf, sizeof(buf));
		mb2_end(&b);
		CHECK_EQ_U64(parse(MB2_BOOT_MAGIC, INFO), 0, "partial trailing entry parses");
		CHECK(map_equal(&qemu_map[3], 1), "one whole entry, partial one ignored");
	}

	/* An empty map (no entries). */
	mem_clear();
	mb2_begin(&b, INFO);
	mb2_mmap(&b, 24, NULL, 0);
	mb2_end(&b);
	CHECK_EQ_U64(parse(MB2_BOOT_MAGIC, INFO), 0, "empty map parses");
	CHECK_EQ_U64(bi.n_mmap, 0, "empty map: 0 entries");
}

static void test_mb2_malformed(void)
{
	struct mb2 b;
	uint32_t es;

	check_set_prefix("mb2 malformed");

	mem_clear();
	mb2_begin(&b, INFO);
	mb2_str(&b, 1, "a=b");
	mb2_end(&b);
	check_rejected(0x36d76288u, INFO, "magic off by one");
	check_rejected(0, INFO, "magic 0");
	{
		struct iso_result r = parse_isolated(0xdeadbeefu, INFO);

		CHECK(r.ran && r.rc == -1 && strstr(r.err, "magic") &&
		      strstr(r.err, "deadbeef"), "wrong magic: message names the magic");
		printf("      (message: %s)\n", r.err);
	}

	/* total_size: 0, 8 (no room for an end tag), 15, > 1 MiB, ~0. */
	put32(INFO, 0);
	check_rejected(MB2_BOOT_MAGIC, INFO, "total_size 0");
	put32(INFO, 8);
	check_rejected(MB2_BOOT_MAGIC, INFO, "total_size 8");
	put32(INFO, 15);
	check_rejected(MB2_BOOT_MAGIC, INFO, "total_size 15");
	put32(INFO, (1u << 20) + 8);
	check_rejected(MB2_BOOT_MAGIC, INFO, "total_size 1 MiB + 8");
	put32(INFO, 0xffffffffu);
	check_rejected(MB2_BOOT_MAGIC, INFO, "total_size 0xffffffff");

	/* A plausible size that runs off the end of readable memory. */
	mem_clear();
	mb2_begin(&b, MEM_END - 0x100);
	mb2_end(&b);
	put32(MEM_END - 0x100, 0x200);
	check_rejected(MB2_BOOT_MAGIC, MEM_END - 0x100, "total_size past readable memory");

	/* Info pointer itself unreadable: below, above, straddling the end. */
	check_rejected(MB2_BOOT_MAGIC, 0x1000, "info at unmapped 0x1000");
	check_rejected(MB2_BOOT_MAGIC, 0xffffffff00000000ull, "info at 0xffffffff00000000");
	check_rejected(MB2_BOOT_MAGIC, MEM_END - 4, "info header straddles the end");

	/* Tag sizes 0 and 4: below the 8-byte tag header. Size 0 would also
	 * never advance. */
	mem_clear();
	mb2_begin(&b, INFO);
	mb2_str(&b, 1, "a=b");
	mb2_end(&b);
	put32(INFO + 12, 0);
	check_rejected(MB2_BOOT_MAGIC, INFO, "tag size 0");
	put32(INFO + 12, 4);
	check_rejected(MB2_BOOT_MAGIC, INFO, "tag size 4");
	put32(INFO + 12, 7);
	check_rejected(MB2_BOOT_MAGIC, INFO, "tag size 7");

	/* A tag running past total_size, by 1 byte and by a lot. The command
	 * line tag is 12 bytes at offset 8; total is 32. */
	put32(INFO + 12, 32 - 8 + 1);
	check_rejected(MB2_BOOT_MAGIC, INFO, "tag ends 1 byte past total_size");
	put32(INFO + 12, 0x10000);
	check_rejected(MB2_BOOT_MAGIC, INFO, "tag size 0x10000 in a 32-byte info");
	/* Sizes whose off + size wraps 32 bits: must be caught the same. */
	put32(INFO + 12, 0xfffffff8u);
	check_rejected(MB2_BOOT_MAGIC, INFO, "tag size 0xfffffff8 (off + size wraps)");
	put32(INFO + 12, 0xffffffffu);
	check_rejected(MB2_BOOT_MAGIC, INFO, "tag size 0xffffffff (off + size wraps)");
	put32(INFO + 8, 99);			/* unknown type, same size */
	check_rejected(MB2_BOOT_MAGIC, INFO, "unknown tag, size 0xffffffff");

	/* No end tag: the tags fill total_size exactly; or 4 bytes are left. */
	mem_clear();
	mb2_begin(&b, INFO);
	mb2_str(&b, 1, "a=b");
	mb2_finish(&b);
	check_rejected(MB2_BOOT_MAGIC, INFO, "no end tag");
	put32(INFO, b.off + 4);
	check_rejected(MB2_BOOT_MAGIC, INFO, "no end tag, 4 spare bytes");
	{
		struct iso_result r;

		put32(INFO, b.off);
		r = parse_isolated(MB2_BOOT_MAGIC, INFO);
		CHECK(r.ran && r.rc == -1 && strstr(r.err, "end tag"),
		      "no end tag: message says so");
	}

	/* mmap entry_size: 0, 20 (< 24), 28 (not a multiple of 8), 12. */
	static const uint32_t bad_es[] = { 0, 8, 20, 28, 12, 25 };
	for (unsigned i = 0; i < sizeof(bad_es) / sizeof(bad_es[0]); i++) {
		char what[64];

		mem_clear();
		mb2_begin(&b, INFO);
		mb2_mmap(&b, 24, qemu_map, 2);
		mb2_end(&b);
		put32(INFO + 16, bad_es[i]);
		snprintf(what, sizeof(what), "mmap entry_size %u", bad_es[i]);
		check_rejected(MB2_BOOT_MAGIC, INFO, what);
	}
	/* A huge aligned entry_size: no entry fits in the tag, so none may be
	 * read (off + entry_size must not wrap). */
	{
		struct iso_result r;

		mem_clear();
		mb2_begin(&b, INFO);
		mb2_mmap(&b, 24, NULL, 0);	/* tag of 16 bytes, no entries */
		mb2_end(&b);
		put32(INFO + 16, 0xfffffff8u);
		r = parse_isolated(MB2_BOOT_MAGIC, INFO);
		if (!CHECK(r.ran && (r.rc == -1 || r.n_mmap == 0),
			   "mmap entry_size 0xfffffff8: no entries invented"))
			describe_child(&r);
		if (r.ran)
			printf("      (rc %d, %u entries)\n", r.rc, r.n_mmap);
	}
	/* mmap tag too short for its own header (size 12). */
	mem_clear();
	mb2_begin(&b, INFO);
	es = 24;
	mb2_tag(&b, 6, &es, 4);
	mb2_end(&b);
	check_rejected(MB2_BOOT_MAGIC, INFO, "mmap tag of 12 bytes");
}

/* ---- multiboot2 framebuffer tag (type 8) */

/* Payload after the tag header: u64 addr, u32 pitch, width, height, u8
 * bpp, u8 type, u16 reserved, then colour info at tag offset 32. */
static uint32_t fb_payload(uint8_t *p, uint64_t addr, uint32_t pitch, uint32_t w,
			   uint32_t h, uint8_t bpp, uint8_t type)
{
	memset(p, 0, 64);
	memcpy(p, &addr, 8);
	memcpy(p + 8, &pitch, 4);
	memcpy(p + 12, &w, 4);
	memcpy(p + 16, &h, 4);
	p[20] = bpp;
	p[21] = type;
	return 24;
}

/* Builds info with one framebuffer tag of `n` payload bytes, parses it. */
static int parse_fb(const uint8_t *payload, uint32_t n)
{
	struct mb2 b;

	mem_clear();
	mb2_begin(&b, INFO);
	mb2_str(&b, 1, "x=1");
	mb2_tag(&b, 8, payload, n);
	mb2_str(&b, 2, "after");
	mb2_end(&b);
	return parse(MB2_BOOT_MAGIC, INFO);
}

/* A malformed or impossible framebuffer: the parse succeeds (the run
 * goes on without a screen), the framebuffer is present but not usable,
 * and the reason names `word`. */
static void check_fb_refused(const uint8_t *payload, uint32_t n, const char *word,
			     const char *what)
{
	int r = parse_fb(payload, n);

	if (!CHECK(r == 0 && bi.fb.present && !bi.fb.usable && strstr(bi.fb.err, word) &&
		   strcmp(bi.loader, "after") == 0,
		   "%s: not used, says '%s', later tags still read", what, word))
		printf("      rc %d present %d usable %d err '%s' loader '%s'\n", r,
		       bi.fb.present, bi.fb.usable, bi.fb.err, bi.loader);
	else
		printf("      (reason: %s)\n", bi.fb.err);
}

static void test_mb2_fb(void)
{
	static const uint8_t rgb32[6] = { 16, 8, 8, 8, 0, 8 };	/* x8r8g8b8 */
	static const uint8_t rgb565[6] = { 11, 5, 5, 6, 0, 5 };
	uint8_t p[64];
	uint32_t n;

	check_set_prefix("mb2 framebuffer");

	/* GRUB under SeaBIOS with our header: 1024x768x32 at QEMU's VGA BAR. */
	n = fb_payload(p, 0xfd000000, 4096, 1024, 768, 32, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	CHECK_EQ_U64(parse_fb(p, n + 6), 0, "RGB 1024x768x32 parses");
	CHECK(bi.fb.present && bi.fb.usable && bi.fb.err[0] == 0, "usable, no reason");
	CHECK_EQ_U64(bi.fb.addr, 0xfd000000, "address");
	CHECK(bi.fb.pitch == 4096 && bi.fb.width == 1024 && bi.fb.height == 768 &&
	      bi.fb.bpp == 32 && bi.fb.type == FB_TYPE_RGB, "geometry");
	CHECK(bi.fb.red_pos == 16 && bi.fb.red_size == 8 && bi.fb.green_pos == 8 &&
	      bi.fb.green_size == 8 && bi.fb.blue_pos == 0 && bi.fb.blue_size == 8,
	      "colour fields read at tag offset 32 (u16 reserved)");
	CHECK_STR(bi.loader, "after", "tag after the framebuffer read (38 -> 40 padding)");

	/* 16 bpp 5:6:5, pitch with padding. */
	n = fb_payload(p, 0xe0000000, 1600 * 2 + 64, 1600, 1200, 16, FB_TYPE_RGB);
	memcpy(p + n, rgb565, 6);
	CHECK_EQ_U64(parse_fb(p, n + 6), 0, "RGB 565 parses");
	CHECK(bi.fb.usable && bi.fb.red_pos == 11 && bi.fb.green_size == 6,
	      "565 usable, fields kept");

	/* EGA text: 80x25 cells at 0xb8000, pitch 160, bpp 16, no colour info. */
	n = fb_payload(p, 0xb8000, 160, 80, 25, 16, FB_TYPE_EGA_TEXT);
	CHECK_EQ_U64(parse_fb(p, n), 0, "EGA text parses");
	CHECK(bi.fb.usable && bi.fb.type == FB_TYPE_EGA_TEXT && bi.fb.width == 80 &&
	      bi.fb.height == 25 && bi.fb.addr == 0xb8000, "EGA text 80x25 at 0xb8000");

	/* Indexed with a 2-entry palette: well-formed. */
	n = fb_payload(p, 0xa0000, 320, 320, 200, 8, FB_TYPE_INDEXED);
	p[n] = 2;
	memset(p + n + 2, 0x3f, 6);
	CHECK_EQ_U64(parse_fb(p, n + 8), 0, "indexed parses");
	CHECK(bi.fb.usable && bi.fb.type == FB_TYPE_INDEXED, "indexed described");

	/* No tag 8 at all: not present. */
	mem_clear();
	{
		struct mb2 b;

		mb2_begin(&b, INFO);
		mb2_end(&b);
	}
	CHECK_EQ_U64(parse(MB2_BOOT_MAGIC, INFO), 0, "no framebuffer tag parses");
	CHECK(!bi.fb.present && !bi.fb.usable, "no tag: not present");

	/* Negative cases: each must be refused with its reason. */
	n = fb_payload(p, 0xfd000000, 4096, 1024, 768, 32, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	check_fb_refused(p, 16, "32", "tag of 24 bytes (common part cut)");
	check_fb_refused(p, 23, "32", "tag of 31 bytes");
	check_fb_refused(p, n, "colour", "RGB tag without colour fields (32 bytes)");
	check_fb_refused(p, n + 5, "colour", "RGB tag one byte short of its fields");

	fb_payload(p, 0xfd000000, 4095, 1024, 768, 32, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	check_fb_refused(p, n + 6, "pitch", "pitch one byte shorter than a line");
	fb_payload(p, 0xfd000000, 0, 1024, 768, 32, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	check_fb_refused(p, n + 6, "empty", "pitch 0");
	fb_payload(p, 0xfd000000, 4096, 0, 768, 32, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	check_fb_refused(p, n + 6, "empty", "width 0");
	fb_payload(p, 0xfd000000, 4096, 1024, 768, 40, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	check_fb_refused(p, n + 6, "bpp", "RGB 40 bpp");
	fb_payload(p, 0xfd000000, 4096, 1024, 768, 24, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);	/* red at 16..23 fits; make it 20 */
	p[n] = 20;
	check_fb_refused(p, n + 6, "field", "24 bpp with red at bits 20..27");
	fb_payload(p, 0xfd000000, 4096, 1024, 768, 32, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	p[n + 3] = 0;
	check_fb_refused(p, n + 6, "field", "green field of size 0");
	/* Sizes that wrap: pitch * height past 2^52, address near the top. */
	fb_payload(p, 0xfffffffffffff000ull, 4096, 1024, 768, 32, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	check_fb_refused(p, n + 6, "outside", "address 0xfffffffffffff000");
	fb_payload(p, 0xfd000000, 0xffffffffu, 1024, 0xffffffffu, 32, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	check_fb_refused(p, n + 6, "exceeds", "pitch and height 2^32 - 1");
	/* Within every cap, but ending past the 52-bit physical space. */
	fb_payload(p, (1ull << 52) - 0x1000, 4096, 1024, 768, 32, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	check_fb_refused(p, n + 6, "outside", "1024x768 ending past 2^52");
	/* Sizes within physical memory but no mode has: the screen would
	 * map and clear all of it. Each cap, just past and just at it. */
	fb_payload(p, 0x100000000ull, 16385 * 4, 16385, 768, 32, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	check_fb_refused(p, n + 6, "16384x16384 pixels", "width 16385");
	fb_payload(p, 0x100000000ull, 4096, 1024, 16385, 32, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	check_fb_refused(p, n + 6, "16384x16384 pixels", "height 16385");
	fb_payload(p, 0x100000000ull, 16384 * 4, 16384, 16384, 32, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	check_fb_refused(p, n + 6, "256 MiB", "16384x16384x32 (1 GiB)");
	fb_payload(p, 0x100000000ull, 0x10000, 1024, 4097, 32, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	check_fb_refused(p, n + 6, "256 MiB", "pitch 64 KiB x 4097 lines (256 MiB + 64 KiB)");
	fb_payload(p, 0x100000000ull, 0xfffffff0u, 1024, 2, 32, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	check_fb_refused(p, n + 6, "256 MiB", "pitch 4 GiB, 2 lines");
	fb_payload(p, 0x100000000ull, 0x10000, 1024, 4096, 32, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	CHECK(parse_fb(p, n + 6) == 0 && bi.fb.usable, "control: pitch 64 KiB x 4096 "
	      "lines (exactly 256 MiB) usable");
	fb_payload(p, 0x100000000ull, 16384, 16384, 16384, 8, FB_TYPE_INDEXED);
	p[n] = 0;
	CHECK(parse_fb(p, n + 2) == 0 && bi.fb.usable, "control: indexed 16384x16384x8 "
	      "(256 MiB) usable");
	fb_payload(p, 0xb8000, 514, 257, 25, 16, FB_TYPE_EGA_TEXT);
	check_fb_refused(p, n, "256x128 cells", "EGA text 257 columns");
	fb_payload(p, 0xb8000, 160, 80, 129, 16, FB_TYPE_EGA_TEXT);
	check_fb_refused(p, n, "256x128 cells", "EGA text 129 rows");
	fb_payload(p, 0xb8000, 0x40000, 80, 128, 16, FB_TYPE_EGA_TEXT);
	CHECK(parse_fb(p, n) == 0 && bi.fb.usable, "control: EGA text 80x128, pitch "
	      "256 KiB (32 MiB) usable");
	fb_payload(p, 0xb8000, 512, 256, 128, 16, FB_TYPE_EGA_TEXT);
	CHECK(parse_fb(p, n) == 0 && bi.fb.usable, "control: EGA text 256x128 usable");
	fb_payload(p, 0, 4096, 1024, 768, 32, FB_TYPE_RGB);
	memcpy(p + n, rgb32, 6);
	check_fb_refused(p, n + 6, "outside", "address 0");
	fb_payload(p, 0xb8000, 100, 80, 25, 16, FB_TYPE_EGA_TEXT);
	check_fb_refused(p, n, "pitch", "EGA text pitch 100 for 80 columns");
	fb_payload(p, 0xb8000, 160, 80, 25, 8, FB_TYPE_EGA_TEXT);
	check_fb_refused(p, n, "16 bits", "EGA text at 8 bpp");
	fb_payload(p, 0xfd000000, 4096, 1024, 768, 32, 3);
	check_fb_refused(p, n, "type 3", "framebuffer type 3");
	fb_payload(p, 0xa0000, 320, 320, 200, 8, FB_TYPE_INDEXED);
	p[n] = 200;			/* 200 entries, room for 2 */
	check_fb_refused(p, n + 8, "palette", "indexed, palette count past the tag");
	check_fb_refused(p, n + 1, "palette", "indexed, count cut in half");

	/* The tag's own size running past total_size is the generic check:
	 * the whole info is rejected. */
	{
		struct mb2 b;

		mem_clear();
		mb2_begin(&b, INFO);
		fb_payload(p, 0xfd000000, 4096, 1024, 768, 32, FB_TYPE_RGB);
		memcpy(p + 24, rgb32, 6);
		mb2_tag(&b, 8, p, 30);
		mb2_end(&b);
		put32(INFO + 12, 0x100);
		check_rejected(MB2_BOOT_MAGIC, INFO, "framebuffer tag past total_size");
	}
}

/* ---- where a framebuffer may be (bootinfo_check_device_range) */

static int range_ok(uint64_t addr, uint64_t len, uint64_t img_start, uint64_t img_end)
{
	return bootinfo_check_device_range(&bi, addr, len, img_start, img_end, err,
					   sizeof(err)) == 0;
}

static void range_refused(uint64_t addr, uint64_t len, uint64_t img_start,
			  uint64_t img_end, const char *word, const char *what)
{
	err[0] = 0;
	if (CHECK(!range_ok(addr, len, img_start, img_end) && strstr(err, word),
		  "%s: refused, says '%s'", what, word))
		printf("      (reason: %s)\n", err);
	else
		printf("      err '%s'\n", err);
}

static void test_device_range(void)
{
	check_set_prefix("device range");
	memset(&bi, 0, sizeof(bi));
	memcpy(bi.mmap, qemu_map, sizeof(qemu_map));
	bi.n_mmap = QEMU_MAP_N;

	CHECK(range_ok(0xfd000000, 0x300000, 0x100000, 0x400000),
	      "QEMU's VGA BAR 0xfd000000 (3 MiB): usable");
	CHECK(range_ok(0xb8000, 0x1000, 0x100000, 0x400000), "0xb8000 (hole): usable");
	CHECK(range_ok(0xf0000, 0x10000, 0, 0), "reserved 0xf0000-0xfffff, ending "
	      "where available RAM starts: usable");
	CHECK(range_ok(0x9fc00, 0x400, 0, 0), "EBDA (reserved), between two available "
	      "entries: usable");
	range_refused(0x7000000, 0x300000, 0, 0, "available RAM", "inside available RAM");
	range_refused(0x7fdf000, 0x2000, 0, 0, "available RAM", "last page of RAM and "
		      "the next");
	range_refused(0x9f000, 0x1000 + 1, 0, 0, "available RAM", "one byte into RAM "
		      "below 640K");
	range_refused(0x8000000, 0x300000, 0x8100000, 0x8200000, "image",
		      "over the image (outside the map)");
	CHECK(range_ok(0x8000000, 0x100000, 0x8100000, 0x8200000),
	      "control: ending where the image starts");
	range_refused(0xfffffffffffff000ull, 0x2000, 0, 0, "not a range", "wrapping 2^64");
	range_refused(0xfd000000, 0, 0, 0, "not a range", "empty");

	/* An entry reaching the top of the address space: no end is computed. */
	bi.mmap[bi.n_mmap++] = (struct mmap_entry){ 0x100000000ull,
						     0xffffffff00000000ull, MMAP_AVAILABLE };
	CHECK(range_ok(0xfd000000, 0x300000, 0, 0), "entry up to 2^64: below it usable");
	range_refused(0xfff0000000000000ull, 0x1000, 0, 0, "available RAM",
		      "entry up to 2^64: inside it refused");
	/* Other types covering it do not matter. */
	bi.n_mmap = 0;
	bi.mmap[bi.n_mmap++] = (struct mmap_entry){ 0xfd000000, 0x1000000, MMAP_RESERVED };
	bi.mmap[bi.n_mmap++] = (struct mmap_entry){ 0xfd000000, 0x1000000, MMAP_ACPI_NVS };
	CHECK(range_ok(0xfd000000, 0x300000, 0, 0), "reserved and NVS entries: usable");

	/* No map: mem_lower from 0, mem_upper from 1 MiB. */
	bi.n_mmap = 0;
	bi.mem_lower_kb = 639;
	bi.mem_upper_kb = 0x1fc00;	/* 1 MiB + 0x7f00000: to 0x8000000 */
	CHECK(range_ok(0xb8000, 0x8000, 0, 0), "no map: 0xb8000 usable");
	CHECK(range_ok(0x8000000, 0x1000, 0, 0), "no map: right after mem_upper usable");
	range_refused(0x9f000, 0x1000, 0, 0, "mem_lower", "no map: below 639 KiB");
	range_refused(0x7fff000, 0x1000, 0, 0, "mem_upper", "no map: last page of "
		      "mem_upper");
	memset(&bi, 0, sizeof(bi));
}

/* ---- multiboot1 */

#define MB1_MEM		(1u << 0)
#define MB1_CMDLINE	(1u << 2)
#define MB1_MMAP	(1u << 6)
#define MB1_LOADER	(1u << 9)

#define MB1_CMD		(MEM_BASE + 0x3000)
#define MB1_NAME	(MEM_BASE + 0x3800)
#define MB1_MAP		(MEM_BASE + 0x4000)

/* mb1 mmap entry: u32 size (not counting itself), u64 base, u64 len, u32
 * type, then size - 20 more bytes. Returns bytes written. */
static uint32_t mb1_entry(uint64_t at, uint32_t size, const struct mmap_entry *e)
{
	put32(at, size);
	put64(at + 4, e->base);
	put64(at + 12, e->len);
	put32(at + 20, e->type);
	return 4 + size;
}

static void mb1_info(uint32_t flags, uint32_t map_len)
{
	put32(INFO, flags);
	put32(INFO + 4, 639);
	put32(INFO + 8, 130048);
	put32(INFO + 16, (uint32_t)MB1_CMD);
	put32(INFO + 44, map_len);
	put32(INFO + 48, (uint32_t)MB1_MAP);
	put32(INFO + 64, (uint32_t)MB1_NAME);
}

static void test_mb1(void)
{
	static const char cmd[] = "build/irqlab32.elf mode=slow count=0x10";
	uint32_t len = 0;

	check_set_prefix("mb1");
	mem_clear();
	put_bytes(MB1_CMD, cmd, sizeof(cmd));
	put_bytes(MB1_NAME, "QEMU", 5);
	for (unsigned i = 0; i < QEMU_MAP_N; i++)
		/* entry 2 carries 4 bytes of padding (size 24): the stride
		 * must follow `size`, not assume 24 */
		len += mb1_entry(MB1_MAP + len, i == 2 ? 24 : 20, &qemu_map[i]);
	CHECK_EQ_U64(len, 6 * 24 + 4, "(builder: map length 148)");
	mb1_info(MB1_MEM | MB1_CMDLINE | MB1_MMAP | MB1_LOADER, len);

	CHECK_EQ_U64(parse(MB1_BOOT_MAGIC, INFO), 0, "full info parses");
	CHECK_EQ_U64(bi.protocol, 1, "protocol 1");
	CHECK_EQ_U64(bi.mem_lower_kb, 639, "mem_lower");
	CHECK_EQ_U64(bi.mem_upper_kb, 130048, "mem_upper");
	CHECK(bi.have_cmdline, "have_cmdline");
	CHECK_STR(bi.cmdline, cmd, "command line");
	CHECK_STR(bi.loader, "QEMU", "loader name");
	CHECK(map_equal(qemu_map, QEMU_MAP_N), "memory map, one entry with size 24");
	CHECK(!bi.mmap_truncated, "not truncated");
	CHECK_EQ_U64(bootinfo_available_bytes(&bi), QEMU_MAP_AVAIL, "available bytes");
	CHECK(!bi.efi && bi.rsdp_tag == 0 && bi.rsdp_len == 0, "no EFI, no RSDP in mb1");
	CHECK_EQ_U64(n_outside, 0, "no read outside the fake memory");

	/* A stale result is cleared: flags 0 ignores every (garbage) field. */
	mb1_info(0, len);
	CHECK_EQ_U64(parse(MB1_BOOT_MAGIC, INFO), 0, "flags 0 parses");
	CHECK(!bi.have_cmdline && bi.cmdline[0] == 0, "flags 0: no command line");
	CHECK(bi.loader[0] == 0, "flags 0: no loader name");
	CHECK_EQ_U64(bi.n_mmap, 0, "flags 0: no map");
	CHECK(bi.mem_lower_kb == 0 && bi.mem_upper_kb == 0, "flags 0: no mem fields");

	/* Each flag alone. */
	mb1_info(MB1_MMAP, len);
	CHECK_EQ_U64(parse(MB1_BOOT_MAGIC, INFO), 0, "map only parses");
	CHECK(bi.n_mmap == QEMU_MAP_N && !bi.have_cmdline && bi.mem_upper_kb == 0,
	      "map only: only the map");
	mb1_info(MB1_CMDLINE, len);
	CHECK_EQ_U64(parse(MB1_BOOT_MAGIC, INFO), 0, "cmdline only parses");
	CHECK(bi.have_cmdline && bi.n_mmap == 0 && bi.loader[0] == 0,
	      "cmdline only: only the command line");

	/* mmap_length 0: no entries. */
	mb1_info(MB1_MMAP, 0);
	CHECK_EQ_U64(parse(MB1_BOOT_MAGIC, INFO), 0, "mmap_length 0 parses");
	CHECK_EQ_U64(bi.n_mmap, 0, "mmap_length 0: no entries");

	/* A command line longer than the copy, and one running into the end
	 * of readable memory with no NUL: cut, never read past. */
	{
		char longcmd[3000];

		memset(longcmd, 'L', sizeof(longcmd) - 1);
		longcmd[sizeof(longcmd) - 1] = 0;
		mem_clear();
		put_bytes(MB1_CMD, longcmd, sizeof(longcmd));
		mb1_info(MB1_CMDLINE, 0);
		CHECK_EQ_U64(parse(MB1_BOOT_MAGIC, INFO), 0, "2999-byte command line parses");
		CHECK_EQ_U64(strlen(bi.cmdline), BOOTINFO_CMDLINE_MAX - 1, "cut to 1023");

		mem_clear();
		memset(mem + (MEM_SIZE - 10), 'z', 10);
		mb1_info(MB1_CMDLINE, 0);
		put32(INFO + 16, (uint32_t)(MEM_END - 10));
		CHECK_EQ_U64(parse(MB1_BOOT_MAGIC, INFO), 0, "unterminated command line parses");
		CHECK_STR(bi.cmdline, "zzzzzzzzzz", "stops at the end of readable memory");
	}

	/* Loader name longer than 63 bytes: cut. */
	{
		char name[200];

		memset(name, 'N', sizeof(name) - 1);
		name[sizeof(name) - 1] = 0;
		mem_clear();
		put_bytes(MB1_NAME, name, sizeof(name));
		mb1_info(MB1_LOADER, 0);
		CHECK_EQ_U64(parse(MB1_BOOT_MAGIC, INFO), 0, "long loader name parses");
		CHECK_EQ_U64(strlen(bi.loader), sizeof(bi.loader) - 1, "cut to 63");
	}
}

#define MB1_FB		(1u << 12)

static void test_mb1_fb(void)
{
	check_set_prefix("mb1 framebuffer");

	/* GRUB's `multiboot` in text mode: EGA text 80x25. */
	mem_clear();
	mb1_info(MB1_FB, 0);
	put64(INFO + 88, 0xb8000);
	put32(INFO + 96, 160);
	put32(INFO + 100, 80);
	put32(INFO + 104, 25);
	mem[INFO + 108 - MEM_BASE] = 16;
	mem[INFO + 109 - MEM_BASE] = FB_TYPE_EGA_TEXT;
	CHECK_EQ_U64(parse(MB1_BOOT_MAGIC, INFO), 0, "EGA text info parses");
	CHECK(bi.fb.usable && bi.fb.type == FB_TYPE_EGA_TEXT && bi.fb.width == 80,
	      "EGA text 80x25");

	/* RGB 800x600x24 with fields at 112..117 (the union after the type
	 * byte is 4-byte aligned), and zero padding at 110 as GRUB leaves it. */
	put64(INFO + 88, 0xfd000000);
	put32(INFO + 96, 2400);
	put32(INFO + 100, 800);
	put32(INFO + 104, 600);
	mem[INFO + 108 - MEM_BASE] = 24;
	mem[INFO + 109 - MEM_BASE] = FB_TYPE_RGB;
	put_bytes(INFO + 110, (const uint8_t[]){ 0, 0, 16, 8, 8, 8, 0, 8 }, 8);
	CHECK_EQ_U64(parse(MB1_BOOT_MAGIC, INFO), 0, "RGB info parses");
	CHECK(bi.fb.usable && bi.fb.bpp == 24 && bi.fb.red_pos == 16 &&
	      bi.fb.blue_size == 8, "RGB 24 bpp fields");

	/* Flag clear: the (garbage) fields are not looked at. */
	mb1_info(0, 0);
	CHECK_EQ_U64(parse(MB1_BOOT_MAGIC, INFO), 0, "flag clear parses");
	CHECK(!bi.fb.present, "flag clear: no framebuffer");

	/* Garbage fields with the flag set: refused with a reason. */
	mem_clear();
	mb1_info(MB1_FB, 0);
	CHECK_EQ_U64(parse(MB1_BOOT_MAGIC, INFO), 0, "garbage fields parse");
	CHECK(bi.fb.present && !bi.fb.usable && bi.fb.err[0], "garbage fields refused");
	printf("      (reason: %s)\n", bi.fb.err);

	/* Flag set but the info ends before the framebuffer fields. */
	mem_clear();
	put32(MEM_END - 100, MB1_FB);
	CHECK_EQ_U64(parse(MB1_BOOT_MAGIC, MEM_END - 100), 0,
		     "fields past readable memory: parse goes on");
	CHECK(bi.fb.present && !bi.fb.usable && strstr(bi.fb.err, "not readable"),
	      "fields past readable memory: refused, says not readable");
}

static void test_mb1_mmap(void)
{
	static struct mmap_entry many[130];
	uint32_t len = 0;

	check_set_prefix("mb1 mmap");
	mem_clear();
	for (unsigned i = 0; i < 130; i++) {
		many[i].base = 0x200000ull * i;
		many[i].len = 0x200000;
		many[i].type = i & 1 ? MMAP_AVAILABLE : MMAP_ACPI_NVS;
		len += mb1_entry(MB1_MAP + len, 20, &many[i]);
	}
	mb1_info(MB1_MMAP, len);
	CHECK_EQ_U64(parse(MB1_BOOT_MAGIC, INFO), 0, "130 entries parse");
	CHECK(map_equal(many, BOOTINFO_MMAP_MAX), "first 128 kept");
	CHECK(bi.mmap_truncated, "truncated flag");
	/* 64 of the first 128 are type 1, 2 MiB each. */
	CHECK_EQ_U64(bootinfo_available_bytes(&bi), 64ull * 0x200000,
		     "available counts kept type-1 entries only");

	/* Every type, 64-bit lengths: only type 1 is summed. */
	{
		static const struct mmap_entry m[] = {
			{ 0x0, 0x1000, MMAP_AVAILABLE },
			{ 0x1000, 0x2000, MMAP_RESERVED },
			{ 0x3000, 0x4000, MMAP_ACPI_RECLAIMABLE },
			{ 0x7000, 0x8000, MMAP_ACPI_NVS },
			{ 0xf000, 0x10000, MMAP_BAD },
			{ 0x100000000ull, 0x380000000ull, MMAP_AVAILABLE },
			{ 0x480000000ull, 0x100000, 0 },
			{ 0x490000000ull, 0x100000, 7 },
		};

		mem_clear();
		len = 0;
		for (unsigned i = 0; i < 8; i++)
			len += mb1_entry(MB1_MAP + len, 20, &m[i]);
		mb1_info(MB1_MMAP, len);
		CHECK_EQ_U64(parse(MB1_BOOT_MAGIC, INFO), 0, "all types parse");
		CHECK(map_equal(m, 8), "all types kept");
		/* 0x1000 + 0x380000000 = 0x380001000 (> 4 GiB) */
		CHECK_EQ_U64(bootinfo_available_bytes(&bi), 0x380001000ull,
			     "only type 1 summed, 64-bit total");
	}

	/* Map pointer unreadable: nothing read, nothing invented. */
	mb1_info(MB1_MMAP, 48);
	put32(INFO + 48, 0x2000);
	{
		struct iso_result r = parse_isolated(MB1_BOOT_MAGIC, INFO);

		if (!CHECK(r.ran && r.n_mmap == 0, "map at unreadable 0x2000: no entries"))
			describe_child(&r);
	}
}

static void test_mb1_malformed(void)
{
	uint32_t len;

	check_set_prefix("mb1 malformed");
	mem_clear();
	mb1_info(MB1_MMAP, 24);
	mb1_entry(MB1_MAP, 20, &qemu_map[0]);

	put32(MB1_MAP, 16);
	check_rejected(MB1_BOOT_MAGIC, INFO, "entry size 16 (< 20)");
	put32(MB1_MAP, 0);
	check_rejected(MB1_BOOT_MAGIC, INFO, "entry size 0");
	put32(MB1_MAP, 19);
	check_rejected(MB1_BOOT_MAGIC, INFO, "entry size 19");
	put32(MB1_MAP, 24);
	check_rejected(MB1_BOOT_MAGIC, INFO, "entry size 24 running past mmap_length");
	put32(MB1_MAP, 0xffffffffu);
	check_rejected(MB1_BOOT_MAGIC, INFO, "entry size 0xffffffff");

	/* Second entry bad after a good first: still rejected. */
	mem_clear();
	len = mb1_entry(MB1_MAP, 20, &qemu_map[0]);
	len += mb1_entry(MB1_MAP + len, 12, &qemu_map[1]);
	mb1_info(MB1_MMAP, len + 8);
	check_rejected(MB1_BOOT_MAGIC, INFO, "second entry size 12");
	{
		struct iso_result r = parse_isolated(MB1_BOOT_MAGIC, INFO);

		CHECK(r.ran && strstr(r.err, "size 12"), "message names the bad size");
	}

	/* The info structure itself unreadable. */
	check_rejected(MB1_BOOT_MAGIC, 0x500, "info at unmapped 0x500");
	check_rejected(MB1_BOOT_MAGIC, MEM_END - 40, "info runs off readable memory");
}

int main(void)
{
	mem = malloc(MEM_SIZE);
	if (!mem)
		return 1;
	test_mb2_full();
	test_mb2_strings();
	test_mb2_mmap();
	test_mb2_malformed();
	test_mb2_fb();
	test_device_range();
	test_mb1();
	test_mb1_fb();
	test_mb1_mmap();
	test_mb1_malformed();
	free_copies();
	free(copies);
	free(mem);
	return check_summary();
}
