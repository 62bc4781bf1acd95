/*
 * t_quiet.h - the bench suite's check of its interrupt quieting (image).
 */
#ifndef IRQLAB_BENCH_T_QUIET_H
#define IRQLAB_BENCH_T_QUIET_H

void bench_quiet_selftest(void);

#endif
