/*
 * store.h - where runs go: one SQLite database (schema in
 * docs/protocol.md, "Database") and a JSON-lines file per run.
 */
#ifndef IRQLAB_COLLECTOR_STORE_H
#define IRQLAB_COLLECTOR_STORE_H

#include "core.h"

/* NULL with the reason in err on failure. out_dir may be NULL (no JSON
 * lines). The database and out_dir's parent must exist; out_dir is created. */
struct store *store_open(const char *db_path, const char *out_dir, char *err, size_t errlen);
void store_close(struct store *s);
/* Writes are batched in a transaction; this makes them durable. */
int store_commit(struct store *s);

/* A run seen for the first time in this process: insert or reopen its row,
 * then hand every record already stored for it to load(). */
int store_run_begin(struct store *s, struct run *r,
		    int (*load)(void *ctx, uint32_t seq, unsigned type, const char *json,
				size_t len, double received),
		    void *ctx);
int store_record(struct store *s, const struct run *r, uint32_t seq);
/* The run's final state into its row, and its JSON-lines file rewritten
 * in sequence order. */
int store_run_end(struct store *s, const struct run *r);

#endif
