/*
 * output.c - table rows and REC_BENCH records (output.h).
 */
#include "bench/output.h"

#include <stdarg.h>
#include <stdio.h>

const char *bench_base_name(uint8_t base)
{
	switch (base) {
	case BASE_DOUBLE: return "2U-U";
	case BASE_EMPTY: return "U-empty";
	case BASE_REF: return "U-ref";
	case BASE_NONE: return "none";
	default: return "?";
	}
}

static double per_op(const struct bench_result *r, double v)
{
	return stats_per_op(v, r->ops);
}

int bench_format_header(char *buf, size_t len, bool pmu)
{
	return snprintf(buf, len, "%-20s %-18s %-13s %4s %8s %8s %8s %8s %8s %8s%s",
			"benchmark", "variant", "IF", "ins", "median", "min",
			"tmean", "p90", "p99", "max",
			pmu ? "     core    instr" : "");
}

int bench_format_row(char *buf, size_t len, const struct bench_result *r, bool pmu)
{
	const struct bench_stats *t = &r->st[SRC_TSC];
	char insns[12] = "?";
	int n;

	if (r->err[0])
		return snprintf(buf, len, "%-20s %-18s not run: %s", r->d->name,
				r->d->variant, r->err);
	if (r->insns >= 0)
		snprintf(insns, sizeof(insns), "%d", r->insns);
	n = snprintf(buf, len, "%-20s %-18s %-13s %4s %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f",
		     r->d->name, r->d->variant, r->d->if_case, insns,
		     per_op(r, t->median), per_op(r, (double)t->min),
		     per_op(r, t->tmean), per_op(r, (double)t->p90),
		     per_op(r, (double)t->p99), per_op(r, (double)t->max));
	if (pmu && n >= 0 && (size_t)n < len && r->have[SRC_CORE] && r->have[SRC_INSTR])
		n += snprintf(buf + n, len - (size_t)n, " %8.2f %8.2f",
			      per_op(r, r->st[SRC_CORE].median),
			      per_op(r, r->st[SRC_INSTR].median));
	return n;
}

/* Appends with bounds; *off stays past len once something did not fit. */
__attribute__((format(printf, 4, 5)))
static void put(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	*off = n < 0 ? len : *off + (size_t)n;
}

static void put_stats(char *buf, size_t len, size_t *off, const struct bench_result *r,
		      enum bench_src s, bool hist)
{
	const struct bench_stats *t = &r->st[s];

	put(buf, len, off, ",\"%s\":{\"min\":%.3f,\"median\":%.3f,\"tmean\":%.3f,"
	    "\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f", bench_src_name(s),
	    per_op(r, (double)t->min), per_op(r, t->median), per_op(r, t->tmean),
	    per_op(r, (double)t->p90), per_op(r, (double)t->p99),
	    per_op(r, (double)t->max));
	if (hist) {
		put(buf, len, off, ",\"hist_lo\":%.3f,\"hist_width\":%.3f,\"hist\":[",
		    per_op(r, (double)t->hist_lo), per_op(r, (double)t->hist_width));
		for (unsigned b = 0; b < t->hist_bins; b++)
			put(buf, len, off, "%s%u", b ? "," : "", (unsigned)t->hist[b]);
		put(buf, len, off, "]");
	}
	put(buf, len, off, "}");
}

int bench_format_record(char *buf, size_t len, const struct bench_result *r,
			const char *mode)
{
	const struct bench_desc *d = r->d;
	size_t off = 0;

	put(buf, len, &off, "{\"name\":\"%s\",\"variant\":\"%s\",\"if\":\"%s\","
	    "\"mode\":\"%s\"", d->name, d->variant, d->if_case, mode);
	if (r->err[0]) {
		char e[sizeof(r->err)];
		size_t i;

		/* Messages are ours, but keep the object valid whatever
		 * they say. */
		for (i = 0; r->err[i] && i + 1 < sizeof(e); i++)
			e[i] = r->err[i] == '"' || r->err[i] == '\\' ? '\'' : r->err[i];
		e[i] = '\0';
		put(buf, len, &off, ",\"error\":\"%s\"}", e);
		return off < len ? (int)off : -1;
	}
	put(buf, len, &off, ",\"unroll\":%u,\"iters\":%u,\"reps\":%u,\"warmup\":%u,"
	    "\"base\":\"%s\",\"ops\":%llu,\"insns\":%d,\"copy_bytes\":%zu,"
	    "\"timer\":\"%s\",\"unit\":\"per copy\"",
	    r->p.unroll, r->p.iters, r->p.reps, r->p.warmup, bench_base_name(r->base),
	    (unsigned long long)r->ops, r->insns, r->code_bytes,
	    bench_src_name(SRC_TSC));
	if (r->have[SRC_INSTR])
		put(buf, len, &off, ",\"insns_retired\":%.3f",
		    per_op(r, r->st[SRC_INSTR].median));
	put_stats(buf, len, &off, r, SRC_TSC, true);
	for (unsigned s = SRC_INSTR; s < BENCH_NSRC; s++)
		if (r->have[s])
			put_stats(buf, len, &off, r, (enum bench_src)s, false);
	put(buf, len, &off, "}");
	return off < len ? (int)off : -1;
}
