#include "lib/cmdline.h"
#include <stdio.h>
#include <string.h>

static bool token_eq(const char *tok, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(tok, word, len) == 0;
}

/* "a, b, c" into err, for messages that list what is accepted. */
static void list_choices(const struct cmdline_opt *o, char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; o->choices && o->choices[i] && used < n; i++)
		used += snprintf(buf + used, n - used, "%s%s", i ? ", " : "",
				 o->choices[i]);
}

static int choice_index(const struct cmdline_opt *o, const char *v, size_t len)
{
	for (int i = 0; o->choices && o->choices[i]; i++)
		if (token_eq(v, len, o->choices[i]))
			return i;
	return -1;
}

static int parse_uint(const char *v, size_t len, uint64_t *out)
{
	uint64_t x = 0, mul = 1;
	unsigned base = 10;
	size_t i = 0;

	if (len >= 3 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		base = 16;
		i = 2;
	} else if (len >= 2 && (v[len - 1] == 'k' || v[len - 1] == 'M')) {
		mul = v[len - 1] == 'k' ? 1000 : 1000000;
		len--;
	}
	if (i == len)
		return -1;
	for (; i < len; i++) {
		unsigned d;

		if (v[i] >= '0' && v[i] <= '9')
			d = v[i] - '0';
		else if (base == 16 && v[i] >= 'a' && v[i] <= 'f')
			d = v[i] - 'a' + 10;
		else if (base == 16 && v[i] >= 'A' && v[i] <= 'F')
			d = v[i] - 'A' + 10;
		else
			return -1;
		if (x > (UINT64_MAX - d) / base)
			return -1;
		x = x * base + d;
	}
	if (x > UINT64_MAX / mul)
		return -1;
	*out = x * mul;
	return 0;
}

int cmdline_parse_value(const struct cmdline_opt *o, const char *v,
			size_t len, struct cmdline_val *out,
			char *err, size_t errlen)
{
	char choices[256];
	int idx;

	switch (o->type) {
	case OPT_ENUM:
		idx = choice_index(o, v, len);
		if (idx < 0)
			goto bad_choice;
		out->u = (uint64_t)idx;
		return 0;
	case OPT_LIST:
		out->u = 0;
		for (size_t start = 0; start <= len;) {
			size_t end = start;

			while (end < len && v[end] != ',')
				end++;
			idx = choice_index(o, v + start, end - start);
			if (idx < 0 || idx >= 64) {
				v += start;
				len = end - start;
				goto bad_choice;
			}
			out->u |= 1ull << idx;
			start = end + 1;
		}
		return 0;
	case OPT_UINT:
		if (parse_uint(v, len, &out->u) < 0 || out->u < o->min || out->u > o->max) {
			snprintf(err, errlen, "bad value '%.*s' for '%s': expected a number "
				 "from %llu to %llu", (int)len, v, o->key,
				 (unsigned long long)o->min, (unsigned long long)o->max);
			return -1;
		}
		return 0;
	case OPT_BOOL:
		if (token_eq(v, len, "1") || token_eq(v, len, "on") || token_eq(v, len, "yes"))
			out->u = 1;
		else if (token_eq(v, len, "0") || token_eq(v, len, "off") || token_eq(v, len, "no"))
			out->u = 0;
		else {
			snprintf(err, errlen, "bad value '%.*s' for '%s': accepted values: "
				 "0, 1, on, off, yes, no", (int)len, v, o->key);
			return -1;
		}
		return 0;
	case OPT_STRING:
		if (len >= CMDLINE_STR_MAX) {
			snprintf(err, errlen, "value for '%s' is too long (%zu bytes, at most %d)",
				 o->key, len, CMDLINE_STR_MAX - 1);
			return -1;
		}
		memcpy(out->s, v, len);
		out->s[len] = '\0';
		return 0;
	}
	snprintf(err, errlen, "option '%s' has an unknown type", o->key);
	return -1;

bad_choice:
	list_choices(o, choices, sizeof(choices));
	snprintf(err, errlen, "bad value '%.*s' for '%s': accepted values: %s",
		 (int)len, v, o->key, choices);
	return -1;
}

static const struct cmdline_opt *find_opt(const struct cmdline_opt *opts,
					  unsigned n, const char *k, size_t len)
{
	for (unsigned i = 0; i < n; i++)
		if (token_eq(k, len, opts[i].key))
			return &opts[i];
	return NULL;
}

static void unknown_key(const struct cmdline_opt *opts, unsigned n,
			const char *k, size_t len, char *err, size_t errlen)
{
	size_t used = snprintf(err, errlen, "unknown option '%.*s'; known options: ",
			       (int)len, k);

	for (unsigned i = 0; i < n && used < errlen; i++)
		used += snprintf(err + used, errlen - used, "%s%s", i ? ", " : "",
				 opts[i].key);
}

int cmdline_parse(const char *line, const struct cmdline_opt *opts,
		  unsigned n_opts, struct cmdline_val *vals,
		  char *err, size_t errlen)
{
	const char *p = line ? line : "";
	bool first = true;

	for (unsigned i = 0; i < n_opts; i++) {
		memset(&vals[i], 0, sizeof(vals[i]));
		if (opts[i].def && cmdline_parse_value(&opts[i], opts[i].def,
				strlen(opts[i].def), &vals[i], err, errlen) < 0)
			return -1;
	}

	for (;;) {
		const char *tok, *eq;
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			return 0;
		tok = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		len = (size_t)(p - tok);
		eq = memchr(tok, '=', len);
		if (!eq) {
			if (first && memchr(tok, '/', len)) {
				first = false;
				continue;	/* the kernel's own path */
			}
			snprintf(err, errlen, "'%.*s' is not of the form key=value",
				 (int)len, tok);
			return -1;
		}
		first = false;

		const struct cmdline_opt *o = find_opt(opts, n_opts, tok, (size_t)(eq - tok));
		if (!o) {
			unknown_key(opts, n_opts, tok, (size_t)(eq - tok), err, errlen);
			return -1;
		}
		struct cmdline_val *v = &vals[o - opts];
		if (v->given) {
			snprintf(err, errlen, "option '%s' given twice", o->key);
			return -1;
		}
		if (cmdline_parse_value(o, eq + 1, (size_t)(tok + len - eq - 1), v,
					err, errlen) < 0)
			return -1;
		v->given = true;
	}
}
