/*
 * output.h - a benchmark result as a table row and as a record (one JSON
 * object, REC_BENCH). Pure formatting into caller buffers; the image
 * prints and emits them (suite.c), the host program prints them.
 *
 * Every figure is per body copy: the raw difference divided by
 * r->ops. The timer (source) of each figure is named in the record.
 */
#ifndef IRQLAB_BENCH_OUTPUT_H
#define IRQLAB_BENCH_OUTPUT_H

#include "bench/bench.h"

const char *bench_base_name(uint8_t base);	/* "2U-U", "U-empty", ... */

/* Column titles, then one row per result. Return snprintf's count. */
int bench_format_header(char *buf, size_t len, bool pmu);
int bench_format_row(char *buf, size_t len, const struct bench_result *r, bool pmu);
/* The record's JSON object; -1 if it does not fit in len. */
int bench_format_record(char *buf, size_t len, const struct bench_result *r,
			const char *mode);

#endif
