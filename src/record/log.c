#include "record/log.h"
#include <string.h>

#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

void log_init(struct record_log *l, void *arena, size_t arena_size,
	      struct log_record **index, uint32_t index_slots, uint16_t max_payload)
{
	l->arena = arena;
	l->arena_size = arena_size;
	l->index = index;
	l->index_slots = index_slots;
	l->max_payload = max_payload;
	l->head = 0;
	l->next_seq = 0;
	l->lost = 0;
	memset(index, 0, index_slots * sizeof(*index));
}

long log_append(struct record_log *l, uint16_t type, const void *payload, uint16_t len)
{
	size_t need = ALIGN8(sizeof(struct log_record) + len), off;
	struct log_record *r;
	uint32_t seq;

	if (len > l->max_payload) {
		__atomic_fetch_add(&l->lost, 1, __ATOMIC_RELAXED);
		return LOG_TOO_LONG;
	}
	/*
	 * Reserve bytes. A plain fetch_add may overshoot the arena when it is
	 * nearly full; the bytes past the end are never used and the head
	 * stays past the end, so every later append fails too - the log only
	 * ever grows. (On x86 this is one LOCK XADD: atomic against an NMI on
	 * this CPU and against other CPUs.)
	 */
	off = __atomic_fetch_add(&l->head, need, __ATOMIC_RELAXED);
	if (off + need > l->arena_size) {
		__atomic_fetch_add(&l->lost, 1, __ATOMIC_RELAXED);
		return LOG_FULL_BYTES;
	}
	/*
	 * The sequence number is taken only after the bytes are secured, so
	 * a refused append never leaves a hole in the numbering: readers
	 * would wait forever for a seq that no record will ever carry.
	 */
	seq = __atomic_fetch_add(&l->next_seq, 1, __ATOMIC_RELAXED);
	if (seq >= l->index_slots) {
		/* Every later number is past the index too, and readers stop
		 * at index_slots (log_reserved), so this leaves no hole. */
		__atomic_fetch_add(&l->lost, 1, __ATOMIC_RELAXED);
		return LOG_FULL_INDEX;
	}
	r = (struct log_record *)(l->arena + off);
	r->seq = seq;
	r->type = type;
	r->len = len;
	r->reserved = 0;
	memcpy(r->payload, payload, len);
	__atomic_store_n(&r->committed, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&l->index[seq], r, __ATOMIC_RELEASE);
	/* Publish: everything above is visible before `committed` reads 1. */
	__atomic_store_n(&r->committed, 1, __ATOMIC_RELEASE);
	return seq;
}

const struct log_record *log_get(const struct record_log *l, uint32_t seq)
{
	struct log_record *r;

	if (seq >= l->index_slots)
		return NULL;
	r = __atomic_load_n(&l->index[seq], __ATOMIC_ACQUIRE);
	if (!r || !__atomic_load_n(&r->committed, __ATOMIC_ACQUIRE))
		return NULL;
	return r;
}

uint32_t log_reserved(const struct record_log *l)
{
	uint32_t n = __atomic_load_n(&l->next_seq, __ATOMIC_ACQUIRE);

	return n < l->index_slots ? n : l->index_slots;
}

uint32_t log_committed_prefix(const struct record_log *l, uint32_t from)
{
	uint32_t n = log_reserved(l);

	while (from < n && log_get(l, from))
		from++;
	return from;
}
