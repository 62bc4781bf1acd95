/*
 * record.h - everything irqlab reports is a record: a run id, a sequence
 * number, a type and a JSON object. Records are kept in an in-memory log
 * until the collector has acknowledged the end of the run (src/net), and
 * each one is mirrored on the console as a single line that the collector
 * can ingest from a serial log (docs/protocol.md, "Serial form").
 *
 *	record_emitf(REC_BENCH, "{\"name\":\"cli\",\"median_cycles\":%llu}", m);
 *
 * Appending is lock-free and allocation-free: record_append() may be called
 * from NMI context (it copies preformatted bytes); record_emitf() formats
 * with vsnprintf (doubles allowed) and is for normal context only.
 */
#ifndef IRQLAB_RECORD_RECORD_H
#define IRQLAB_RECORD_RECORD_H

#include <stddef.h>
#include <stdint.h>

enum record_type {
	REC_RUN = 1,		/* first record: run id, version, command line */
	REC_MACHINE = 2,	/* the machine report */
	REC_RESULT = 3,		/* one PASS / FAIL / SKIP */
	REC_BENCH = 4,		/* one benchmark's statistics */
	REC_NMI = 5,		/* NMI torture results: counts, rates, costs */
	REC_INFO = 6,		/* free text worth keeping */
	REC_ERROR = 7,		/* something failed: what and why */
	REC_SUMMARY = 8,	/* tests, failures, skipped, exit code */
	REC_END = 9,		/* last: record count and checksum */
	REC_TYPE_MAX = 9,
};

#define RECORD_MAX_PAYLOAD 1400	/* one record fits one UDP datagram */

const char *record_type_name(enum record_type t);	/* "bench", ... */

/* Returns the record's sequence number, or -1 (with the reason printed
 * once on the console) if the log is full or the record too long. */
long record_emitf(enum record_type t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
long record_append(enum record_type t, const char *json, size_t len);

/* Escape `s` as the inside of a JSON string into buf (always terminated). */
const char *json_escape(char *buf, size_t buflen, const char *s);

/* Set up the log and draw this boot's random run id. First thing after
 * the console; records appended before it are refused. */
void record_init(void);
uint64_t record_run_id(void);
unsigned long record_count(void);
unsigned long record_lost(void);	/* appends refused: log full, too long */
void record_count_lost(void);
/* Print committed records not yet on the console (normal context). */
void record_mirror_flush(void);
/* Append the end-of-run record: count and checksum of records 0..N-1. */
long record_end(void);
struct record_log *record_log(void);

#endif
