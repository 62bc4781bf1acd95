/*
 * patched.h - image only: around a benchmark of the kernel's own patched
 * sites, hold the kernel's flag in a saved state. A run of irq_disable
 * alone leaves the soft mask set (or IF clear); restoring what was saved
 * before puts the kernel back as it was, replaying anything deferred.
 */
#ifndef IRQLAB_BENCH_PATCHED_H
#define IRQLAB_BENCH_PATCHED_H

#include "bench/bench.h"

unsigned long bench_patched_guard_begin(void);
void bench_patched_guard_end(unsigned long flags);

#endif
