/*
 * core.c - the collector's runs: records in by sequence number, gaps
 * NACKed, the end-of-run checksum verified and ACKed (docs/protocol.md,
 * "Exchange"). Everything from the network is untrusted: every datagram
 * is decoded strictly, every payload checked as JSON, a run's sequence
 * numbers are bounded by max_records, the runs held by max_runs, and the
 * memory of all of them by mem_limit.
 */
#include "core.h"
#include "store.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

const char *run_state_name(enum run_state s)
{
	static const char *const names[] = { "streaming", "complete", "mismatch", "incomplete" };

	return (unsigned)s < 4 ? names[s] : "?";
}

void format_mac(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

void run_jsonl_name(const struct run *r, char *buf, size_t len)
{
	snprintf(buf, len, "%016llx-%02x%02x%02x%02x%02x%02x.jsonl",
		 (unsigned long long)r->run_id, r->mac[0], r->mac[1], r->mac[2],
		 r->mac[3], r->mac[4], r->mac[5]);
}

void coll_init(struct coll *c, double now)
{
	memset(c, 0, sizeof(*c));
	c->max_records = 1u << 20;
	c->max_runs = 4096;
	c->mem_limit = (size_t)2 << 30;
	c->idle_timeout_s = 60;
	c->linger_s = 60;
	c->log_tokens = 10;
	c->log_last = now;
}

/* At most 10 complaints in a burst, then one a second: a flood of junk
 * on the port must not become a flood on the terminal. */
void coll_logf(struct coll *c, double now, const char *fmt, ...)
{
	va_list ap;

	if (!c->log)
		return;
	c->log_tokens += now - c->log_last;
	c->log_last = now;
	if (c->log_tokens > 10)
		c->log_tokens = 10;
	if (c->log_tokens < 1) {
		c->log_suppressed++;
		return;
	}
	c->log_tokens -= 1;
	fputs("collector: ", c->log);
	va_start(ap, fmt);
	vfprintf(c->log, fmt, ap);
	va_end(ap);
	if (c->log_suppressed)
		fprintf(c->log, " (%lu similar messages suppressed)", c->log_suppressed);
	fputc('\n', c->log);
	c->log_suppressed = 0;
}

static unsigned run_hash(uint64_t id, const uint8_t mac[6])
{
	uint64_t h = id * 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 0x100000001b3ull;
	return (unsigned)(h >> 40) % 1024;
}

static struct run *find_run(struct coll *c, uint64_t id, const uint8_t mac[6])
{
	struct run *r;

	for (r = c->buckets[run_hash(id, mac)]; r; r = r->hnext)
		if (r->run_id == id && !memcmp(r->mac, mac, 6))
			return r;
	return NULL;
}

static void free_run(struct coll *c, struct run *r)
{
	struct run **pp;

	for (pp = &c->buckets[run_hash(r->run_id, r->mac)]; *pp; pp = &(*pp)->hnext)
		if (*pp == r) {
			*pp = r->hnext;
			break;
		}
	for (pp = &c->runs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	if (r->state == RUN_STREAMING)
		c->nactive--;
	c->nruns--;
	c->mem_used -= (size_t)r->cap * sizeof(*r->recs);
	for (uint32_t i = 0; i < r->cap; i++)
		if (r->recs[i]) {
			c->mem_used -= sizeof(struct rec) + r->recs[i]->len + 1;
			free(r->recs[i]);
		}
	free(r->recs);
	free(r);
}

struct load_ctx {
	struct coll *c;
	struct run *r;
	double now;
};

static int add(struct coll *c, struct run *r, uint32_t seq, unsigned type,
	       const char *json, size_t len, double received, bool store);

static int load_one(void *ctx, uint32_t seq, unsigned type, const char *json,
		    size_t len, double received)
{
	struct load_ctx *l = ctx;

	add(l->c, l->r, seq, type, json, len, received, false);
	return 0;
}

struct run *coll_get_run(struct coll *c, uint64_t run_id, const uint8_t mac[6],
			 enum run_source src, const char *peer, double now)
{
	struct run *r = find_run(c, run_id, mac);
	char m[18];

	if (r)
		return r;
	if (c->nruns >= c->max_runs) {
		c->st.no_room++;
		coll_logf(c, now, "%u runs held already: ignoring run %016llx from %s",
			  c->nruns, (unsigned long long)run_id, peer);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->run_id = run_id;
	memcpy(r->mac, mac, 6);
	r->source = src;
	r->state = RUN_STREAMING;
	format_mac(mac, m, sizeof(m));
	snprintf(r->name, sizeof(r->name), "%016llx %s", (unsigned long long)run_id, m);
	snprintf(r->peer_text, sizeof(r->peer_text), "%s", peer);
	r->first_seen = r->last_seen = now;
	r->wall_offset = c->wall_offset;
	r->last_nack = now;
	r->hnext = c->buckets[run_hash(run_id, mac)];
	c->buckets[run_hash(run_id, mac)] = r;
	r->next = c->runs;
	c->runs = r;
	c->nruns++;
	c->nactive++;
	/* Records a previous collector process stored for this run count as
	 * received: a restarted collector NACKs only what is really missing. */
	if (c->store) {
		struct load_ctx l = { c, r, now };

		if (store_run_begin(c->store, r, load_one, &l) < 0)
			c->st.store_errors++;
		if (r->held)
			coll_logf(c, now, "run %s: %u records already in the database",
				  r->name, r->held);
	}
	return r;
}

/* Room for index seq: grow by doubling, never past max_records, and
 * never past the memory limit: hostile sequence numbers cannot make the
 * collector allocate more than --max-memory-mb. */
static bool ensure_cap(struct coll *c, struct run *r, uint32_t seq)
{
	uint32_t cap = r->cap ? r->cap : 256;
	struct rec **n;

	if (seq < r->cap)
		return true;
	while (cap <= seq)
		cap = cap > c->max_records / 2 ? c->max_records : cap * 2;
	if (c->mem_used + (size_t)(cap - r->cap) * sizeof(*n) > c->mem_limit)
		return false;
	n = realloc(r->recs, (size_t)cap * sizeof(*n));
	if (!n)
		return false;
	memset(n + r->cap, 0, (size_t)(cap - r->cap) * sizeof(*n));
	c->mem_used += (size_t)(cap - r->cap) * sizeof(*n);
	r->recs = n;
	r->cap = cap;
	return true;
}

enum { ADD_NEW, ADD_DUP, ADD_CONFLICT, ADD_BEYOND };

static int add(struct coll *c, struct run *r, uint32_t seq, unsigned type,
	       const char *json, size_t len, double received, bool store)
{
	struct rec *x;
	uint32_t n, crc;
	char err[128];

	if (seq >= c->max_records || (r->have_end && seq > r->end_seq)) {
		r->beyond++;
		c->st.beyond++;
		return ADD_BEYOND;
	}
	if (seq < r->cap && (x = r->recs[seq])) {
		if (x->type == type && x->len == len && !memcmp(x->json, json, len)) {
			r->dups++;
			return ADD_DUP;
		}
		r->conflicts++;
		return ADD_CONFLICT;
	}
	/* The END's seq is the record count: nothing may follow it. */
	if (type == REC_END && (r->have_end || r->max_seen > seq + 1)) {
		r->conflicts++;
		return ADD_CONFLICT;
	}
	if (!ensure_cap(c, r, seq) || c->mem_used + sizeof(*x) + len + 1 > c->mem_limit ||
	    !(x = malloc(sizeof(*x) + len + 1))) {
		r->beyond++;
		c->st.no_room++;
		return ADD_BEYOND;
	}
	c->mem_used += sizeof(*x) + len + 1;
	x->received = received;
	x->type = (uint16_t)type;
	x->len = (uint16_t)len;
	memcpy(x->json, json, len);
	x->json[len] = '\0';
	r->recs[seq] = x;
	r->held++;
	r->by_type[type <= REC_TYPE_MAX ? type : 0]++;
	if (seq + 1 > r->max_seen)
		r->max_seen = seq + 1;
	while (r->contig < r->cap && r->recs[r->contig])
		r->contig++;
	if (type == REC_END) {
		r->have_end = true;
		r->end_seq = seq;
		if (proto_end_parse(json, len, &n, &crc, &r->lost, err, sizeof(err)) < 0) {
			r->end_bad = true;
			snprintf(r->note, sizeof(r->note), "malformed END record: %s", err);
		} else if (n != seq) {
			r->end_bad = true;
			snprintf(r->note, sizeof(r->note),
				 "END record says %u records but is seq %u", n, seq);
		} else {
			r->end_claimed = crc;
		}
	}
	if (store && c->store && store_record(c->store, r, seq) < 0)
		c->st.store_errors++;
	return ADD_NEW;
}

int coll_add_record(struct coll *c, struct run *r, uint32_t seq, unsigned type,
		    const char *json, size_t len, double now)
{
	int res = add(c, r, seq, type, json, len, now + c->wall_offset, true);

	r->last_seen = now;
	switch (res) {
	case ADD_NEW:
		c->st.records++;
		break;
	case ADD_DUP:
		c->st.dups++;
		break;
	case ADD_CONFLICT:
		coll_logf(c, now, "run %s: seq %u (%s) conflicts with what was received "
			  "before: kept the first", r->name, seq, proto_type_name(type));
		break;
	case ADD_BEYOND:
		coll_logf(c, now, "run %s: seq %u refused (%s)", r->name, seq,
			  seq >= c->max_records ? "past --max-records" :
			  r->have_end && seq > r->end_seq ? "after the END record" :
			  "past --max-memory-mb");
		break;
	}
	return res;
}

static void send_ack(struct coll *c, struct run *r)
{
	struct proto_ack a = {
		.end_seq = r->end_seq, .records = r->end_seq, .checksum = r->computed,
		.status = r->state == RUN_COMPLETE ? PROTO_ACK_OK : PROTO_ACK_MISMATCH,
	};
	struct proto_hdr h = { .version = PROTO_VERSION, .kind = PROTO_ACK,
			       .run_id = r->run_id, .len = PROTO_ACK_LEN };
	uint8_t pl[PROTO_ACK_LEN], out[PROTO_HDR_LEN + PROTO_ACK_LEN];
	size_t n;

	if (r->source != SRC_UDP || !c->send || !proto_ack_encode(&a, pl, sizeof(pl)))
		return;
	n = proto_encode(&h, pl, out, sizeof(out));
	if (n) {
		c->send(c->send_ctx, &r->peer, out, n);
		r->acks++;
	}
}

void coll_end_run(struct coll *c, struct run *r, enum run_state s, double now)
{
	if (r->state != RUN_STREAMING)
		return;
	r->state = s;
	r->finished_at = now;
	c->last_end = now;
	c->nactive--;
	c->st.runs_finished++;
	if (s == RUN_COMPLETE)
		c->st.runs_complete++;
	else if (s == RUN_MISMATCH)
		c->st.runs_mismatch++;
	else
		c->st.runs_incomplete++;
	/* ACK first: the image is waiting, the database is not. */
	if (s == RUN_COMPLETE || s == RUN_MISMATCH)
		send_ack(c, r);
	if (c->store && (store_run_end(c->store, r) < 0 || store_commit(c->store) < 0))
		c->st.store_errors++;
	print_summary(c, r);
}

void coll_check_end(struct coll *c, struct run *r, double now)
{
	uint32_t crc = 0;

	if (r->state != RUN_STREAMING || !r->have_end || r->contig <= r->end_seq)
		return;
	for (uint32_t i = 0; i < r->end_seq; i++)
		crc = proto_record_crc(crc, r->recs[i]->type, r->recs[i]->json, r->recs[i]->len);
	r->computed = crc;
	if (!r->end_bad && crc != r->end_claimed)
		snprintf(r->note, sizeof(r->note),
			 "END record says %08x, records 0..%u hash to %08x",
			 r->end_claimed, r->end_seq ? r->end_seq - 1 : 0, crc);
	coll_end_run(c, r, r->end_bad || crc != r->end_claimed ? RUN_MISMATCH : RUN_COMPLETE, now);
	if (r->state == RUN_MISMATCH)
		coll_logf(c, now, "run %s: checksum mismatch: %s", r->name, r->note);
}

static const char *addr_text(const struct sockaddr_in *a, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];

	if (!inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	snprintf(buf, len, "%s:%u", ip, ntohs(a->sin_port));
	return buf;
}

void coll_datagram(struct coll *c, const uint8_t *buf, size_t len,
		   const struct sockaddr_in *from, double now)
{
	struct proto_hdr h;
	const uint8_t *pl;
	char err[160], who[64];
	struct run *r;
	uint32_t before;
	int res;

	c->st.datagrams++;
	c->st.bytes += len;
	addr_text(from, who, sizeof(who));
	if (proto_decode(buf, len, &h, &pl, err, sizeof(err)) < 0) {
		if (len >= 4 && memcmp(buf, "IRQL", 4))
			c->st.foreign++;
		else if (len < PROTO_HDR_LEN)
			c->st.truncated++;
		else if (len > PROTO_MAX_DATAGRAM)
			c->st.oversized++;
		else
			c->st.malformed++;
		coll_logf(c, now, "datagram from %s refused: %s", who, err);
		return;
	}
	if (h.kind != PROTO_RECORD) {
		c->st.control++;
		coll_logf(c, now, "datagram from %s refused: a %s, which only a collector sends",
			  who, h.kind == PROTO_NACK ? "NACK" : "ACK");
		return;
	}
	if (json_check_object((const char *)pl, h.len, err, sizeof(err)) < 0) {
		c->st.bad_json++;
		coll_logf(c, now, "record %u of run %016llx from %s refused: %s",
			  h.seq, (unsigned long long)h.run_id, who, err);
		return;
	}
	r = find_run(c, h.run_id, h.mac);
	/* A run that ended incomplete is reopened from the database. */
	if (r && r->state == RUN_INCOMPLETE) {
		free_run(c, r);
		r = NULL;
	}
	if (!r && !(r = coll_get_run(c, h.run_id, h.mac, SRC_UDP, who, now)))
		return;
	r->peer = *from;
	snprintf(r->peer_text, sizeof(r->peer_text), "%s", who);
	before = r->max_seen;
	res = coll_add_record(c, r, h.seq, h.type, (const char *)pl, h.len, now);
	if (res == ADD_NEW && h.seq + 1 < before)
		r->retransmits++;
	/* The image resends END until it hears an ACK: an ACK was lost. */
	if (h.type == REC_END && r->state != RUN_STREAMING)
		send_ack(c, r);
	if (h.type == REC_END)
		c->last_end = now;
	coll_check_end(c, r, now);
}

/* The gaps below the highest record seen (below END once it is known)
 * as ranges, at most `max` of them; the count of every missing record
 * goes to r->gaps. */
static unsigned find_gaps(struct run *r, struct proto_range *rg, unsigned max)
{
	uint32_t limit = r->have_end ? r->end_seq : r->max_seen, seq;
	unsigned n = 0;

	/* Every held record is below max_seen, and END is the only one at
	 * or above end_seq: the count needs no scan. */
	r->gaps = r->have_end ? r->end_seq + 1 - r->held : r->max_seen - r->held;
	for (seq = r->contig; seq < limit; seq++) {
		if (r->recs[seq])
			continue;
		if (n && rg[n - 1].first + rg[n - 1].count == seq)
			rg[n - 1].count++;
		else if (n < max)
			rg[n++] = (struct proto_range){ seq, 1 };
		else
			break;
	}
	return n;
}

/* Up to 4 NACK datagrams per run per tick, each asking for at most as
 * many records as the image resends per NACK (PROTO_MAX_RETRANSMIT): a
 * long gap is split across datagrams rather than asked for whole and
 * answered in part. Gaps that do not fit are asked for on a later tick,
 * once the first ones have filled. */
#define NACKS_PER_TICK 4

static void send_nacks(struct coll *c, struct run *r, double now)
{
	struct proto_range rg[NACKS_PER_TICK * PROTO_MAX_NACK_RANGES], cur = { 0, 0 };
	unsigned n = find_gaps(r, rg, sizeof(rg) / sizeof(rg[0])), i = 0;

	if (!n || r->source != SRC_UDP || !c->send ||
	    now - r->last_nack < PROTO_NACK_INTERVAL_MS / 1000.0 * 0.9)
		return;
	for (unsigned d = 0; d < NACKS_PER_TICK && (cur.count || i < n); d++) {
		struct proto_range out[PROTO_MAX_NACK_RANGES];
		uint8_t pl[PROTO_MAX_NACK_RANGES * PROTO_NACK_RANGE_LEN];
		uint8_t dg[PROTO_HDR_LEN + sizeof(pl)];
		struct proto_hdr h = { .version = PROTO_VERSION, .kind = PROTO_NACK,
				       .run_id = r->run_id };
		uint32_t budget = PROTO_MAX_RETRANSMIT;
		unsigned k = 0;
		size_t len;

		while (k < PROTO_MAX_NACK_RANGES && budget) {
			uint32_t take;

			if (!cur.count) {
				if (i == n)
					break;
				cur = rg[i++];
			}
			take = cur.count < budget ? cur.count : budget;
			out[k++] = (struct proto_range){ cur.first, take };
			budget -= take;
			cur.first += take;
			cur.count -= take;
		}
		h.len = (uint16_t)proto_nack_encode(out, k, pl, sizeof(pl));
		if (!h.len || !(len = proto_encode(&h, pl, dg, sizeof(dg))))
			continue;
		c->send(c->send_ctx, &r->peer, dg, len);
		r->nacks++;
		r->nack_ranges += k;
	}
	r->last_nack = now;
}

void coll_tick(struct coll *c, double now)
{
	struct run *r, *next;

	for (r = c->runs; r; r = next) {
		next = r->next;
		if (r->state == RUN_STREAMING) {
			if (now - r->last_seen >= c->idle_timeout_s) {
				snprintf(r->note, sizeof(r->note),
					 "no datagram for %.0f s; %u records held, %u missing "
					 "below the highest seen%s", c->idle_timeout_s, r->held,
					 r->gaps, r->have_end ? "" : ", END never arrived");
				coll_end_run(c, r, RUN_INCOMPLETE, now);
			} else {
				send_nacks(c, r, now);
			}
		}
		if (r->state == RUN_INCOMPLETE ||
		    (r->state != RUN_STREAMING && now - r->finished_at >= c->linger_s))
			free_run(c, r);
	}
	if (c->store && store_commit(c->store) < 0)
		c->st.store_errors++;
}

void coll_finish_all(struct coll *c, double now, const char *why)
{
	for (struct run *r = c->runs; r; r = r->next) {
		if (r->state != RUN_STREAMING)
			continue;
		struct proto_range rg[1];

		find_gaps(r, rg, 1);
		snprintf(r->note, sizeof(r->note), "%s; %u records held, %u missing below "
			 "the highest seen%s", why, r->held, r->gaps,
			 r->have_end ? "" : ", END never arrived");
		coll_end_run(c, r, RUN_INCOMPLETE, now);
	}
}

void coll_free(struct coll *c)
{
	while (c->runs)
		free_run(c, c->runs);
}
