/*
 * cmdline.h - the kernel command line: space-separated key=value options
 * checked against a table. An unknown key or a bad value is an error that
 * names the key and what it accepts; nothing falls back to a default
 * silently. The table of irqlab's options is in src/config.c and
 * docs/cmdline.md.
 */
#ifndef IRQLAB_LIB_CMDLINE_H
#define IRQLAB_LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum opt_type {
	OPT_ENUM,	/* one of `choices`; value = index */
	OPT_LIST,	/* comma list of `choices`; value = bit mask */
	OPT_UINT,	/* decimal (or 0x hex) in [min, max], optional k/M suffix */
	OPT_BOOL,	/* 0/1/on/off/yes/no */
	OPT_STRING,	/* anything up to CMDLINE_STR_MAX-1 bytes */
};

#define CMDLINE_STR_MAX 128

struct cmdline_opt {
	const char *key;
	enum opt_type type;
	const char *const *choices;	/* OPT_ENUM/OPT_LIST, NULL-terminated */
	uint64_t min, max;		/* OPT_UINT */
	const char *def;		/* default, as it would be written */
	const char *help;
};

struct cmdline_val {
	bool given;			/* on the command line (not default) */
	uint64_t u;			/* ENUM index, LIST mask, UINT, BOOL */
	char s[CMDLINE_STR_MAX];	/* OPT_STRING */
};

/*
 * Parse `line` against `opts` into `vals` (one per option, defaults
 * applied first). A leading token without '=' that contains '/' is the
 * kernel's path (QEMU's -kernel passes "path args") and is skipped.
 * Returns 0, or -1 with a one-line message in err.
 */
int cmdline_parse(const char *line, const struct cmdline_opt *opts,
		  unsigned n_opts, struct cmdline_val *vals,
		  char *err, size_t errlen);

/* Parse one value of an option (also used to apply defaults). */
int cmdline_parse_value(const struct cmdline_opt *o, const char *val,
			size_t len, struct cmdline_val *out,
			char *err, size_t errlen);

#endif
