/*
 * emit.c - record_emitf(): printf-style records. Built with SSE (see
 * SSE_FILES in the Makefile): a double passed through `...` travels in an
 * XMM register, which -mgeneral-regs-only code would not save into its
 * va_list. Normal context only, like every printf.
 */
#include "record/record.h"
#include <stdarg.h>
#include <stdio.h>

long record_emitf(enum record_type t, const char *fmt, ...)
{
	char buf[RECORD_MAX_PAYLOAD + 1];
	va_list ap;
	long seq;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || n > RECORD_MAX_PAYLOAD) {
		printf("irqlab: record of type %s is %d bytes, more than %d: not logged\n",
		       record_type_name(t), n, RECORD_MAX_PAYLOAD);
		record_count_lost();
		return -1;
	}
	seq = record_append(t, buf, (size_t)n);
	if (seq < 0)
		printf("irqlab: record log full (%lu records, %lu lost): a %s record is lost\n",
		       record_count(), record_lost(), record_type_name(t));
	record_mirror_flush();
	return seq;
}

