/*
 * record.c - FIRST VERSION: records are numbered and mirrored on the
 * console; the in-memory log, NMI-safe append and network transport
 * arrive with the network work (docs/protocol.md).
 */
#include "record/record.h"
#include "arch/cpu.h"
#include <stdarg.h>
#include <stdio.h>

static const char *const type_names[REC_TYPE_MAX + 1] = {
	"?", "run", "machine", "result", "bench", "nmi", "info", "error",
	"summary", "end",
};
static unsigned long next_seq;
static uint64_t run_id;

const char *record_type_name(enum record_type t)
{
	return (unsigned)t <= REC_TYPE_MAX ? type_names[t] : "?";
}

uint64_t record_run_id(void)
{
	if (!run_id)
		run_id = rdtsc() * 0x9e3779b97f4a7c15ull | 1;
	return run_id;
}

unsigned long record_count(void)
{
	return next_seq;
}

long record_append(enum record_type t, const char *json, size_t len)
{
	long seq = (long)next_seq++;

	printf("@irqlab %016llx %ld %s %.*s\n", (unsigned long long)record_run_id(),
	       seq, record_type_name(t), (int)len, json);
	return seq;
}

long record_emitf(enum record_type t, const char *fmt, ...)
{
	char buf[RECORD_MAX_PAYLOAD + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || n > RECORD_MAX_PAYLOAD) {
		printf("irqlab: record of type %s is %d bytes, more than %d: not logged\n",
		       record_type_name(t), n, RECORD_MAX_PAYLOAD);
		return -1;
	}
	return record_append(t, buf, (size_t)n);
}

const char *json_escape(char *buf, size_t buflen, const char *s)
{
	size_t o = 0;

	for (; *s && o + 7 < buflen; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(buf + o, buflen - o, "\\u%04x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o] = '\0';
	return buf;
}
