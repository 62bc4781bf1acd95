/*
 * log.h - the record log: an append-only arena of records, kept whole
 * until the collector acknowledges the end of the run.
 *
 * Append is lock-free and allocation-free, so an NMI may append while the
 * code it interrupted is in the middle of its own append:
 *   1. reserve: one atomic fetch-and-add on the arena head gives this
 *      record its bytes, a second on the sequence counter its number;
 *   2. fill: header and payload written into the reserved bytes, the
 *      index slot of that sequence number pointed at them;
 *   3. commit: a release store of the header's `committed` flag.
 * Readers (the sender, the console mirror; normal context only) take
 * records in sequence order and stop at the first one not yet committed.
 * An NMI that appends between another append's steps 1 and 3 only makes a
 * reader wait for the interrupted append to finish, which it does as soon
 * as the NMI returns.
 *
 * Pure C plus GCC atomics: the host unit test runs the same file, with a
 * signal handler standing in for the NMI.
 */
#ifndef IRQLAB_RECORD_LOG_H
#define IRQLAB_RECORD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct log_record {
	uint32_t seq;
	uint16_t type;
	uint16_t len;		/* payload bytes */
	uint32_t committed;	/* 0 while being written, 1 when complete */
	uint32_t reserved;
	char payload[];		/* JSON, not NUL-terminated */
};

enum log_status {
	LOG_OK = 0,
	LOG_FULL_BYTES = -1,	/* arena exhausted */
	LOG_FULL_INDEX = -2,	/* more records than index slots */
	LOG_TOO_LONG = -3,	/* payload over the per-record limit */
};

struct record_log {
	uint8_t *arena;
	size_t arena_size;
	struct log_record **index;	/* by sequence number */
	uint32_t index_slots;
	uint16_t max_payload;
	/* Updated with atomics only. */
	size_t head;
	uint32_t next_seq;
	uint32_t lost;			/* appends refused (full, too long) */
};

void log_init(struct record_log *l, void *arena, size_t arena_size,
	      struct log_record **index, uint32_t index_slots, uint16_t max_payload);
/* Sequence number (>= 0) or a negative enum log_status. NMI-safe. */
long log_append(struct record_log *l, uint16_t type, const void *payload, uint16_t len);
/* The committed record with this sequence number, or NULL if it does not
 * exist yet or is still being written. */
const struct log_record *log_get(const struct record_log *l, uint32_t seq);
/* Records reserved so far (some may not be committed yet). */
uint32_t log_reserved(const struct record_log *l);
/* Length of the committed prefix: every seq below it is complete. */
uint32_t log_committed_prefix(const struct record_log *l, uint32_t from);

#endif
