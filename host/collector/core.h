/*
 * core.h - the collector's state machine, without sockets or a clock of its
 * own: datagrams and serial lines go in, NACK/ACK datagrams come out through
 * a callback, records go to the store (docs/protocol.md). The fuzz targets
 * drive exactly this code.
 */
#ifndef IRQLAB_COLLECTOR_CORE_H
#define IRQLAB_COLLECTOR_CORE_H

#include "net/proto.h"
#include "record/record.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum run_source { SRC_UDP, SRC_SERIAL };
enum run_state { RUN_STREAMING, RUN_COMPLETE, RUN_MISMATCH, RUN_INCOMPLETE };

struct rec {
	double received;	/* wall clock, seconds since the epoch */
	uint16_t type, len;
	char json[];		/* len bytes, then a NUL */
};

struct run {
	uint64_t run_id;
	uint8_t mac[6];
	enum run_source source;
	enum run_state state;
	char name[40];		/* "0123456789abcdef 52:54:00:12:34:56" */
	char peer_text[96];	/* "ip:port" or the serial log's path */
	struct sockaddr_in peer;
	struct rec **recs;	/* indexed by seq */
	uint32_t cap;		/* entries in recs */
	uint32_t held;		/* distinct records held, END included */
	uint32_t contig;	/* every seq below this is held */
	uint32_t max_seen;	/* highest seq held + 1 */
	bool have_end, end_bad;
	uint32_t end_seq, end_claimed, computed, lost;	/* lost: in the image */
	char note[160];		/* why not complete, for the summary and the db */
	double first_seen, last_seen, last_nack, finished_at;	/* monotonic s */
	double wall_offset;	/* wall clock = monotonic + this */
	uint64_t dups, conflicts, beyond, nacks, nack_ranges, acks, retransmits;
	uint32_t by_type[REC_TYPE_MAX + 1];
	unsigned gaps;		/* missing records below the highest seen */
	struct run *hnext, *next;
};

/* Counters of everything that arrived and was not a new record. */
struct coll_stats {
	uint64_t datagrams, bytes, records, dups, dropped_test;
	uint64_t foreign, truncated, oversized, malformed, bad_json, control;
	uint64_t beyond, no_room, store_errors;
	uint64_t serial_lines, serial_records, serial_bad;
	unsigned runs_finished, runs_complete, runs_mismatch, runs_incomplete;
};

struct store;

struct coll {
	/* Set before use (coll_init gives the defaults). */
	uint32_t max_records;	/* per run; seq at or above is refused */
	unsigned max_runs;	/* held in memory at once */
	size_t mem_limit;	/* bytes of records and indexes, all runs together */
	double idle_timeout_s;	/* a run with no datagram this long ends incomplete */
	double linger_s;	/* finished runs stay to re-ACK a repeated END */
	double wall_offset;	/* wall clock = monotonic + this */
	FILE *report;		/* summary tables; NULL: none */
	FILE *log;		/* rate-limited complaints; NULL: none */
	struct store *store;	/* NULL: keep nothing */
	const char *db_path, *out_dir;	/* for the summary only */
	void (*send)(void *ctx, const struct sockaddr_in *to, const void *buf, size_t len);
	void *send_ctx;

	struct coll_stats st;
	struct run *buckets[1024];
	struct run *runs;	/* every run held, newest first */
	unsigned nruns, nactive;
	size_t mem_used;
	double last_end;	/* a run ended or an END arrived: monotonic s */
	double log_tokens, log_last;
	unsigned long log_suppressed;
};

void coll_init(struct coll *c, double now);
/* One datagram from `from`, arrived at monotonic time `now`. */
void coll_datagram(struct coll *c, const uint8_t *buf, size_t len,
		   const struct sockaddr_in *from, double now);
/* Every PROTO_NACK_INTERVAL_MS or so: NACK gaps, end idle runs, drop
 * lingering ones, commit the store. */
void coll_tick(struct coll *c, double now);
/* End every run still streaming as incomplete, with the reason given. */
void coll_finish_all(struct coll *c, double now, const char *why);
void coll_free(struct coll *c);

/* Serial form (serial.c). A line: 1 = a record, 0 = not ours (ignored),
 * -1 = starts with "@irqlab " but malformed (reason in err). */
struct serial_rec {
	uint64_t run_id;
	uint32_t seq;
	unsigned type;
	const char *json;
	size_t len;
};
int serial_parse_line(const char *line, size_t len, struct serial_rec *r,
		      char *err, size_t errlen);
void coll_serial_line(struct coll *c, const char *line, size_t len,
		      const char *src, unsigned long lineno, double now);
/* After the last line: runs without every record end incomplete. */
void coll_serial_done(struct coll *c, double now);

/* For serial.c: a record from a source other than UDP. */
struct run *coll_get_run(struct coll *c, uint64_t run_id, const uint8_t mac[6],
			 enum run_source src, const char *peer, double now);
int coll_add_record(struct coll *c, struct run *r, uint32_t seq, unsigned type,
		    const char *json, size_t len, double now);
void coll_check_end(struct coll *c, struct run *r, double now);
void coll_end_run(struct coll *c, struct run *r, enum run_state s, double now);

__attribute__((format(printf, 3, 4)))
void coll_logf(struct coll *c, double now, const char *fmt, ...);

const char *run_state_name(enum run_state s);
/* The run's summary table on c->report (summary.c). */
void print_summary(struct coll *c, const struct run *r);
void run_jsonl_name(const struct run *r, char *buf, size_t len);
void format_mac(const uint8_t mac[6], char *buf, size_t len);

/* json.c: strict RFC 8259 check of one object; UTF-8 validated. */
int json_check_object(const char *p, size_t len, char *err, size_t errlen);

#endif
