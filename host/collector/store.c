/*
 * store.c - runs into SQLite (Debian's libsqlite3) and JSON-lines files.
 * Rows are written as records arrive, inside a transaction that
 * store_commit() closes (the main loop commits on every tick), so a
 * collector killed mid-run loses at most one tick of records, and those
 * are NACKed again by the next collector (store_run_begin reloads).
 */
#include "store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCHEMA_VERSION 1

struct store {
	sqlite3 *db;
	char *out_dir;
	bool in_tx;
	sqlite3_stmt *run_upsert, *run_end, *rec_insert, *rec_load;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS runs ("
	" run_id TEXT NOT NULL,"		/* 16 lowercase hex digits */
	" mac TEXT NOT NULL,"			/* aa:bb:cc:dd:ee:ff; serial: zeros */
	" source TEXT NOT NULL,"		/* 'udp' or 'serial' */
	" peer TEXT NOT NULL,"			/* ip:port, or the log's path */
	" state TEXT NOT NULL,"			/* streaming|complete|mismatch|incomplete */
	" records INTEGER,"			/* N from the END record, NULL before */
	" received INTEGER NOT NULL,"		/* distinct records stored, END included */
	" duplicates INTEGER NOT NULL,"
	" nacks INTEGER NOT NULL,"
	" checksum_end TEXT,"			/* what the END record says */
	" checksum_computed TEXT,"		/* over the stored records 0..N-1 */
	" lost INTEGER,"			/* records the image could not log */
	" note TEXT,"				/* why not complete */
	" first_seen REAL NOT NULL,"		/* seconds since the epoch */
	" last_seen REAL NOT NULL,"
	" finished REAL,"
	" PRIMARY KEY (run_id, mac));"
	"CREATE TABLE IF NOT EXISTS records ("
	" run_id TEXT NOT NULL,"
	" mac TEXT NOT NULL,"
	" seq INTEGER NOT NULL,"
	" type TEXT NOT NULL,"			/* run, machine, result, ..., end */
	" json TEXT NOT NULL,"			/* the record's JSON object */
	" received REAL NOT NULL,"		/* seconds since the epoch */
	" PRIMARY KEY (run_id, mac, seq)) WITHOUT ROWID;";

static int sqlerr(struct store *s, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

static int prep(struct store *s, sqlite3_stmt **st, const char *sql, char *err, size_t errlen)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return sqlerr(s, err, errlen, "preparing a statement");
	return 0;
}

static int exec(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "collector: database: %s: %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int user_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* mkdir -p: the JSON-lines directory may be new, with its parents. */
static int mkdir_p(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0777) < 0 && errno != EEXIST)
			return -1;
		buf[i] = path[i];
	}
	return 0;
}

struct store *store_open(const char *db_path, const char *out_dir, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	char *msg = NULL;
	int v;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (out_dir) {
		if (mkdir_p(out_dir) < 0) {
			snprintf(err, errlen, "cannot create %s: %s", out_dir, strerror(errno));
			free(s);
			return NULL;
		}
		s->out_dir = strdup(out_dir);
	}
	if (sqlite3_open_v2(db_path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", db_path,
			 s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* WAL: readers (the sqlite3 tool during a run) never block the
	 * collector; NORMAL sync: a power cut may lose the last commits,
	 * never corrupt the file. */
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
			 NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: %s", db_path, msg ? msg : "?");
		sqlite3_free(msg);
		goto fail;
	}
	v = user_version(s);
	if (v != 0 && v != SCHEMA_VERSION) {
		snprintf(err, errlen, "database %s has schema version %d; this collector "
			 "writes version %d: use another --db", db_path, v, SCHEMA_VERSION);
		goto fail;
	}
	if (sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(s->db, "PRAGMA user_version=1", NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: creating tables: %s", db_path,
			 msg ? msg : "?");
		sqlite3_free(msg);
		goto fail;
	}
	if (prep(s, &s->run_upsert,
		 "INSERT INTO runs (run_id, mac, source, peer, state, received, duplicates,"
		 " nacks, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, 'streaming', 0, 0, 0,"
		 " ?5, ?5) ON CONFLICT (run_id, mac) DO UPDATE SET state = 'streaming',"
		 " peer = ?4, last_seen = ?5, finished = NULL", err, errlen) ||
	    prep(s, &s->run_end,
		 "UPDATE runs SET state = ?3, records = ?4, received = ?5, duplicates ="
		 " duplicates + ?6, nacks = nacks + ?7, checksum_end = ?8, checksum_computed = ?9,"
		 " note = ?10, last_seen = ?11, finished = ?12, lost = ?13 WHERE run_id = ?1 AND mac = ?2",
		 err, errlen) ||
	    prep(s, &s->rec_insert,
		 "INSERT INTO records (run_id, mac, seq, type, json, received)"
		 " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", err, errlen) ||
	    prep(s, &s->rec_load,
		 "SELECT seq, type, json, received FROM records WHERE run_id = ?1 AND mac = ?2"
		 " ORDER BY seq", err, errlen))
		goto fail;
	return s;
fail:
	store_close(s);
	return NULL;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	store_commit(s);
	sqlite3_finalize(s->run_upsert);
	sqlite3_finalize(s->run_end);
	sqlite3_finalize(s->rec_insert);
	sqlite3_finalize(s->rec_load);
	sqlite3_close(s->db);
	free(s->out_dir);
	free(s);
}

int store_commit(struct store *s)
{
	if (!s->in_tx)
		return 0;
	s->in_tx = false;
	return exec(s, "COMMIT");
}

static int begin(struct store *s)
{
	if (s->in_tx)
		return 0;
	if (exec(s, "BEGIN") < 0)
		return -1;
	s->in_tx = true;
	return 0;
}

static void bind_key(sqlite3_stmt *st, const struct run *r)
{
	char id[17], mac[18];

	snprintf(id, sizeof(id), "%016llx", (unsigned long long)r->run_id);
	format_mac(r->mac, mac, sizeof(mac));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, mac, -1, SQLITE_TRANSIENT);
}

static int step_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "collector: database: %s: %s\n", what, sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

int store_run_begin(struct store *s, struct run *r,
		    int (*load)(void *ctx, uint32_t seq, unsigned type, const char *json,
				size_t len, double received),
		    void *ctx)
{
	sqlite3_stmt *st = s->run_upsert;
	int rc;

	if (begin(s) < 0)
		return -1;
	bind_key(st, r);
	sqlite3_bind_text(st, 3, r->source == SRC_UDP ? "udp" : "serial", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->peer_text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 5, r->first_seen + r->wall_offset);
	if (step_done(s, st, "inserting a run") < 0)
		return -1;
	st = s->rec_load;
	bind_key(st, r);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 1);
		const char *json = (const char *)sqlite3_column_text(st, 2);
		sqlite3_int64 seq = sqlite3_column_int64(st, 0);
		unsigned t = type ? proto_type_parse(type, strlen(type)) : 0;

		/* A row edited by hand that no longer fits is left alone. */
		if (!json || !t || seq < 0 || seq > UINT32_MAX ||
		    sqlite3_column_bytes(st, 2) > PROTO_MAX_PAYLOAD)
			continue;
		load(ctx, (uint32_t)seq, t, json, (size_t)sqlite3_column_bytes(st, 2),
		     sqlite3_column_double(st, 3));
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_record(struct store *s, const struct run *r, uint32_t seq)
{
	sqlite3_stmt *st = s->rec_insert;
	const struct rec *x = r->recs[seq];

	if (begin(s) < 0)
		return -1;
	bind_key(st, r);
	sqlite3_bind_int64(st, 3, seq);
	sqlite3_bind_text(st, 4, proto_type_name(x->type), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, x->json, x->len, SQLITE_STATIC);
	sqlite3_bind_double(st, 6, x->received);
	return step_done(s, st, "inserting a record");
}

/* One JSON line per record, in sequence order, replacing the file
 * atomically: a reader never sees half a run. */
static int write_jsonl(struct store *s, const struct run *r)
{
	char name[64], path[4096], tmp[4200], mac[18];
	FILE *f;
	int bad;

	run_jsonl_name(r, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", s->out_dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
	format_mac(r->mac, mac, sizeof(mac));
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "collector: cannot write %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	for (uint32_t i = 0; i < r->max_seen; i++) {
		const struct rec *x = r->recs[i];

		if (x)
			fprintf(f, "{\"run_id\":\"%016llx\",\"mac\":\"%s\",\"seq\":%u,"
				"\"type\":\"%s\",\"received\":%.6f,\"record\":%s}\n",
				(unsigned long long)r->run_id, mac, i,
				proto_type_name(x->type), x->received, x->json);
	}
	bad = ferror(f);
	if (fclose(f) != 0 || bad || rename(tmp, path) < 0) {
		fprintf(stderr, "collector: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int store_run_end(struct store *s, const struct run *r)
{
	sqlite3_stmt *st = s->run_end;
	char claimed[9], computed[9];
	bool verified = r->state == RUN_COMPLETE || r->state == RUN_MISMATCH;
	int rc;

	if (begin(s) < 0)
		return -1;
	bind_key(st, r);
	sqlite3_bind_text(st, 3, run_state_name(r->state), -1, SQLITE_STATIC);
	if (r->have_end)
		sqlite3_bind_int64(st, 4, r->end_seq);
	sqlite3_bind_int64(st, 5, r->held);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)r->dups);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)r->nacks);
	if (r->have_end && !r->end_bad) {
		snprintf(claimed, sizeof(claimed), "%08x", r->end_claimed);
		sqlite3_bind_text(st, 8, claimed, -1, SQLITE_TRANSIENT);
	}
	if (verified) {
		snprintf(computed, sizeof(computed), "%08x", r->computed);
		sqlite3_bind_text(st, 9, computed, -1, SQLITE_TRANSIENT);
	}
	if (r->state != RUN_COMPLETE)
		sqlite3_bind_text(st, 10, r->note, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 11, r->last_seen + r->wall_offset);
	sqlite3_bind_double(st, 12, r->finished_at + r->wall_offset);
	if (r->have_end && !r->end_bad)
		sqlite3_bind_int64(st, 13, r->lost);
	rc = step_done(s, st, "updating a run");
	if (s->out_dir && write_jsonl(s, r) < 0)
		rc = -1;
	return rc;
}
