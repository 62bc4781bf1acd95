/*
 * main.c - irqlab-bench: the interrupt-flag benchmarks that are legal in
 * ring 3, run on Linux with the image's own generator, harness and
 * statistics (src/bench/). See docs/measurement.md.
 *
 *   irqlab-bench [--quick] [--unroll U] [--iters N] [--reps R]
 *                [--warmup W] [--base double|empty] [--only a,b,...]
 *                [--tsv] [--json] [--list] [--no-subtract]
 *
 * --no-subtract is a negative control: it reports the long variant alone,
 * with the loop and timer overhead left in (tests/check-bench-host.sh).
 */
#include "host/bench/plat_host.h"
#include "bench/output.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPS	100000

static int64_t store[BENCH_NSRC * MAX_REPS];
static int64_t scratch[MAX_REPS];
static struct bench_desc list[BENCH_LIST_MAX];

static void usage(FILE *f)
{
	fprintf(f, "usage: irqlab-bench [--quick] [--unroll U] [--iters N] [--reps R]\n"
		"                    [--warmup W] [--base double|empty] [--only a,b,...]\n"
		"                    [--tsv] [--json] [--list] [--no-subtract]\n");
}

static int number(const char *arg, const char *what, unsigned lo, unsigned hi,
		  unsigned *out)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 0);

	if (!*arg || *end || v < lo || v > hi) {
		fprintf(stderr, "irqlab-bench: --%s must be a number in %u..%u, not '%s'\n",
			what, lo, hi, arg);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* --only: comma list of name prefixes; each must match something. */
static bool selected(const struct bench_desc *d, const char *only, bool *used)
{
	bool any = false;
	unsigned t = 0;

	if (!only)
		return !(d->flags & BENCH_F_NEGCTL);
	for (const char *s = only; *s; t++) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (len && strncmp(d->name, s, len) == 0) {
			used[t] = true;
			any = true;
		}
		s += len + (e ? 1 : 0);
	}
	return any;
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
			snprintf(buf, len, "%s", strchr(line, ':') + 2);
			buf[strcspn(buf, "\n")] = '\0';
			break;
		}
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "unroll", required_argument, NULL, 'u' },
		{ "iters", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "base", required_argument, NULL, 'b' },
		{ "only", required_argument, NULL, 'o' },
		{ "tsv", no_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "list", no_argument, NULL, 'l' },
		{ "no-subtract", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_params p = { .unroll = 16, .iters = 100, .reps = 301, .warmup = 30 };
	struct bench_plat plat;
	const char *only = NULL;
	bool tsv = false, json = false, list_only = false, used[64] = { false };
	char err[160], line[1500], model[128];
	int c, cpu, failures = 0;
	size_t n;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			p.unroll = 8;
			p.iters = 20;
			p.reps = 51;
			p.warmup = 5;
			break;
		case 'u': if (number(optarg, "unroll", 1, 64, &p.unroll)) return 2; break;
		case 'n': if (number(optarg, "iters", 1, 1000000, &p.iters)) return 2; break;
		case 'r': if (number(optarg, "reps", 1, MAX_REPS, &p.reps)) return 2; break;
		case 'w': if (number(optarg, "warmup", 0, MAX_REPS, &p.warmup)) return 2; break;
		case 'b':
			if (strcmp(optarg, "double") == 0) {
				p.base = BASE_DOUBLE;
			} else if (strcmp(optarg, "empty") == 0) {
				p.base = BASE_EMPTY;
			} else {
				fprintf(stderr, "irqlab-bench: --base takes double or empty, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'o':
			only = optarg;
			if (strlen(only) > 127) {
				fprintf(stderr, "irqlab-bench: --only is longer than 127 bytes\n");
				return 2;
			}
			break;
		case 't': tsv = true; break;
		case 'j': json = true; break;
		case 'l': list_only = true; break;
		case 'x': p.no_subtract = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "irqlab-bench: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	n = bench_list(list, BENCH_LIST_MAX);
	if (list_only) {
		for (size_t i = 0; i < n; i++)
			printf("%-20s %-14s %-14s %s%s\n", list[i].name, list[i].variant,
			       list[i].if_case, list[i].what,
			       list[i].flags & BENCH_F_RING0 ? " [ring 0 only]" : "");
		return 0;
	}
	if (plat_host_init(&plat, &cpu, err, sizeof(err)) < 0) {
		fprintf(stderr, "irqlab-bench: %s\n", err);
		return 1;
	}
	cpu_model(model, sizeof(model));
	printf("irqlab-bench: %s, CPU %d: %s\n", plat.name, cpu, model);
	printf("irqlab-bench: U=%u N=%u R=%u warm-up %u, base %s; figures are TSC "
	       "ticks per body copy\n", p.unroll, p.iters, p.reps, p.warmup,
	       bench_base_name(p.no_subtract ? BASE_NONE : p.base));
	printf("irqlab-bench: timer source: tsc (no PMU counters in host mode)\n");
	printf("irqlab-bench: ring 3: popf cannot change IF (IOPL 0); checked: IF %s "
	       "after popf of flags with IF clear\n",
	       plat_host_popf_keeps_if() ? "stays 1" : "CHANGED (unexpected)");
	printf("irqlab-bench: ring-0-only bodies (cli, sti, IF transitions) are "
	       "skipped; interrupts cannot be masked here\n");
	if (bench_format_header(line, sizeof(line), false) >= 0 && !tsv)
		printf("%s\n", line);

	for (size_t i = 0; i < n; i++) {
		struct bench_result r;

		if ((list[i].flags & BENCH_F_RING0) || !selected(&list[i], only, used))
			continue;
		if (bench_run(&plat, &list[i], &p, &r, store, sizeof(store) / sizeof(store[0]),
			      scratch) < 0)
			failures++;
		if (tsv) {
			const struct bench_stats *t = &r.st[SRC_TSC];

			if (r.err[0])
				printf("ERROR\t%s\t%s\t%s\n", list[i].name, list[i].variant, r.err);
			else
				printf("ROW\t%s\t%s\t%s\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\n",
				       list[i].name, list[i].variant, list[i].if_case, r.insns,
				       stats_per_op(t->median, r.ops),
				       stats_per_op((double)t->min, r.ops),
				       stats_per_op(t->tmean, r.ops),
				       stats_per_op((double)t->p90, r.ops),
				       stats_per_op((double)t->p99, r.ops),
				       stats_per_op((double)t->max, r.ops));
		} else if (bench_format_row(line, sizeof(line), &r, false) >= 0) {
			printf("%s\n", line);
		}
		if (json && bench_format_record(line, sizeof(line), &r, "host") >= 0)
			printf("@bench %s\n", line);
		fflush(stdout);
	}
	if (only) {
		unsigned t = 0;

		for (const char *s = only; *s; t++) {
			const char *e = strchr(s, ',');
			size_t len = e ? (size_t)(e - s) : strlen(s);

			if (!used[t]) {
				fprintf(stderr, "irqlab-bench: --only '%.*s' names no ring-3 "
					"benchmark\n", (int)len, s);
				failures++;
			}
			s += len + (e ? 1 : 0);
		}
	}
	return failures ? 1 : 0;
}
