/*
 * record.c - records: the log (log.c), their console mirror, the run id
 * and the end-of-run checksum. The network transport (src/net/) reads the
 * same log.
 */
#include "record/record.h"
#include "record/log.h"
#include "net/proto.h"
#include "arch/cpu.h"
#include <stdio.h>

#define LOG_ARENA_BYTES	(4u << 20)
#define LOG_MAX_RECORDS	65536

static uint8_t arena[LOG_ARENA_BYTES] __attribute__((aligned(64)));
static struct log_record *index_slots[LOG_MAX_RECORDS];
static struct record_log the_log;
static bool log_ready;
static bool log_closed;		/* END appended: nothing may follow it */
static uint32_t mirrored;	/* records printed on the console so far */
static uint64_t run_id;


const char *record_type_name(enum record_type t)
{
	return proto_type_name((unsigned)t);	/* the one table of names */
}

static uint64_t random64(void)
{
	uint64_t v;
	unsigned char ok;

	/* RDRAND when CPUID.1:ECX[30] says so (it can fail: retry, CF=1
	 * means a value was delivered); else the TSC, mixed. */
	if (cpu_has_feature_1ecx(30)) {
		for (int i = 0; i < 10; i++) {
			asm volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
			if (ok)
				return v;
		}
	}
	v = rdtsc();
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdull;
	v ^= v >> 33;
	return v;
}

struct record_log *record_log(void)
{
	return &the_log;
}

void record_init(void)
{
	log_init(&the_log, arena, sizeof(arena), index_slots, LOG_MAX_RECORDS,
		 RECORD_MAX_PAYLOAD);
	do
		run_id = random64();
	while (!run_id);
	log_ready = true;
}

uint64_t record_run_id(void)
{
	return run_id;
}

unsigned long record_count(void)
{
	return log_reserved(&the_log);
}

unsigned long record_lost(void)
{
	return the_log.lost;
}

void record_count_lost(void)
{
	__atomic_fetch_add(&the_log.lost, 1, __ATOMIC_RELAXED);
}

/* Print every committed record not yet on the console, in order. Normal
 * context only; NMI-context appends are printed by the next call. */
void record_mirror_flush(void)
{
	const struct log_record *r;

	while ((r = log_get(&the_log, mirrored)) != NULL) {
		printf("@irqlab %016llx %u %s %.*s\n", (unsigned long long)run_id,
		       r->seq, record_type_name((enum record_type)r->type),
		       (int)r->len, r->payload);
		mirrored++;
	}
}

long record_append(enum record_type t, const char *json, size_t len)
{
	long seq;

	if (!log_ready || log_closed || len > RECORD_MAX_PAYLOAD)
		return -1;
	seq = log_append(&the_log, (uint16_t)t, json, (uint16_t)len);
	return seq;
}

long record_end(void)
{
	uint32_t n, crc = 0;
	uint64_t spins = 0;
	long seq;

	if (log_closed)
		return -1;
	/* END's seq must equal its record count: every reserved record has
	 * to be complete first. One still being written belongs to code we
	 * interrupted (we are the only CPU), which cannot finish while we
	 * wait - bound the wait and say so. */
	while ((n = log_committed_prefix(&the_log, 0)) != log_reserved(&the_log) &&
	       ++spins < 1000000)
		cpu_relax();
	if (n != log_reserved(&the_log))
		printf("irqlab: %u records were still being written at the end of the run; "
		       "the end record covers the first %u\n", log_reserved(&the_log) - n, n);
	for (uint32_t i = 0; i < n; i++) {
		const struct log_record *r = log_get(&the_log, i);

		crc = proto_record_crc(crc, r->type, r->payload, r->len);
	}
	seq = record_emitf(REC_END, "{\"records\":%u,\"checksum\":\"%08x\",\"lost\":%u}",
			   n, crc, the_log.lost);
	log_closed = true;
	return seq;
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
