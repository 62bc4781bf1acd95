/*
 * plat_host.h - the Linux ring-3 platform of the benchmark harness.
 */
#ifndef IRQLAB_HOST_BENCH_PLAT_HOST_H
#define IRQLAB_HOST_BENCH_PLAT_HOST_H

#include "bench/harness.h"

/* Fill pl; *cpu is the CPU the process is pinned to (-1 if not pinned).
 * 0, or -1 with a message. */
int plat_host_init(struct bench_plat *pl, int *cpu, char *err, size_t errlen);
bool plat_host_popf_keeps_if(void);

#endif
