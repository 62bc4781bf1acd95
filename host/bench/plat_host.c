/*
 * plat_host.c - the benchmarks' platform on Linux, in ring 3: executable
 * memory from mmap (written while PROT_WRITE, run while PROT_EXEC), the
 * soft flag's bytes in thread-local storage reached %fs-relative (as the
 * image reaches its per-CPU bytes %gs-relative), one pinned CPU.
 *
 * Ring 3 cannot mask interrupts: the kernel's timer tick and anything
 * else still arrive, and the statistics (median, trimmed mean) are what
 * keep them out of the figures.
 */
#define _GNU_SOURCE
#include "host/bench/plat_host.h"

#include <asm/prctl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CODE_BYTES	(24 * 4096)

static __thread struct {
	volatile uint8_t mask, pending;
} soft_flag __attribute__((aligned(64)));

static uint8_t *code;

static int code_begin(void)
{
	return mprotect(code, CODE_BYTES, PROT_READ | PROT_WRITE);
}

static int code_end(void)
{
	return mprotect(code, CODE_BYTES, PROT_READ | PROT_EXEC);
}

unsigned bench_pmu_fixed_start(void)
{
	return 0;	/* rdpmc in ring 3 needs perf_event set-up: not done */
}

void bench_pmu_fixed_stop(void)
{
}

int plat_host_init(struct bench_plat *pl, int *cpu, char *err, size_t errlen)
{
	unsigned long fs_base = 0;
	intptr_t dm, dp;
	cpu_set_t set;

	memset(pl, 0, sizeof(*pl));
	/* One CPU for the whole run: the TSC is read on one core and the
	 * caches stay warm. */
	*cpu = sched_getcpu();
	if (*cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(*cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			*cpu = -1;
	}
	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_base) < 0) {
		snprintf(err, errlen, "arch_prctl(ARCH_GET_FS) failed");
		return -1;
	}
	dm = (intptr_t)&soft_flag.mask - (intptr_t)fs_base;
	dp = (intptr_t)&soft_flag.pending - (intptr_t)fs_base;
	if (dm != (int32_t)dm || dp != (int32_t)dp) {
		snprintf(err, errlen, "TLS bytes beyond a 32-bit displacement from FS");
		return -1;
	}
	code = mmap(NULL, CODE_BYTES, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED) {
		snprintf(err, errlen, "mmap of the code buffer failed");
		return -1;
	}
	pl->name = "ring 3 (Linux host mode)";
	pl->code = code;
	pl->code_cap = CODE_BYTES;
	pl->env.seg_prefix = 0x64;	/* %fs */
	pl->env.slot_disp[SLOT_MASK] = (int32_t)dm;
	pl->env.slot_disp[SLOT_PENDING] = (int32_t)dp;
	pl->env.ring3 = true;
	pl->env.n_fixed = bench_pmu_fixed_start();
	pl->pmc_mask = ~0ull;
	pl->soft_mask = &soft_flag.mask;
	pl->soft_pending = &soft_flag.pending;
	pl->code_begin = code_begin;
	pl->code_end = code_end;
	return 0;
}

/* Ring 3 with IOPL 0: popf leaves IF alone without a fault (SDM vol. 2,
 * POPF). Returns true when IF is still set after popping flags with IF
 * clear, which is what the table's note claims. */
bool plat_host_popf_keeps_if(void)
{
	uint64_t f;

	asm volatile("pushfq\n\t"
		     "pop %0\n\t"
		     "btr $9, %0\n\t"
		     "push %0\n\t"
		     "popfq\n\t"
		     "pushfq\n\t"
		     "pop %0"
		     : "=r"(f) : : "cc", "memory");
	return f & (1u << 9);
}
