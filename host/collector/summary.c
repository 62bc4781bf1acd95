/*
 * summary.c - the table printed when a run ends: what a person watching
 * the collector needs to know about it, in a dozen lines.
 */
#include "core.h"

void print_summary(struct coll *c, const struct run *r)
{
	FILE *f = c->report;
	const struct rec *sum = NULL;
	double span = r->last_seen - r->first_seen;
	char jl[64];
	int first_type = 1;

	if (!f)
		return;
	for (uint32_t i = r->max_seen; i-- > 0 && !sum;)
		if (i < r->cap && r->recs[i] && r->recs[i]->type == REC_SUMMARY)
			sum = r->recs[i];
	fprintf(f, "\n=== run %s  from %s (%s) ===\n", r->name, r->peer_text,
		r->source == SRC_UDP ? "udp" : "serial log");
	if (r->state == RUN_COMPLETE)
		fprintf(f, "  %-10s complete: checksum %08x verified over %u records\n",
			"state", r->computed, r->end_seq);
	else if (r->state == RUN_MISMATCH)
		fprintf(f, "  %-10s CHECKSUM MISMATCH: %s\n", "state", r->note);
	else
		fprintf(f, "  %-10s INCOMPLETE: %s\n", "state", r->note);
	if (r->lost)
		fprintf(f, "  %-10s %u RECORDS LOST IN THE IMAGE (its log was full or they were "
			"too long): the END record says so\n", "lost", r->lost);
	fprintf(f, "  %-10s %u stored", "records", r->held);
	if (r->have_end)
		fprintf(f, " of %u (END at seq %u)", r->end_seq + 1, r->end_seq);
	fprintf(f, ", %llu duplicates, %llu conflicting, %llu refused\n",
		(unsigned long long)r->dups, (unsigned long long)r->conflicts,
		(unsigned long long)r->beyond);
	if (r->source == SRC_UDP)
		fprintf(f, "  %-10s %llu NACKs (%llu ranges), %llu records retransmitted, %llu ACKs\n",
			"recovery", (unsigned long long)r->nacks,
			(unsigned long long)r->nack_ranges,
			(unsigned long long)r->retransmits, (unsigned long long)r->acks);
	if (r->source == SRC_UDP)
		fprintf(f, "  %-10s %.3f s first to last datagram, %.0f records/s\n", "time",
			span, span > 0 ? r->held / span : 0.0);
	fprintf(f, "  %-10s", "by type");
	for (unsigned t = 1; t <= REC_TYPE_MAX; t++)
		if (r->by_type[t]) {
			fprintf(f, "%s %s %u", first_type ? "" : ",", proto_type_name(t),
				r->by_type[t]);
			first_type = 0;
		}
	fprintf(f, "%s\n", first_type ? " none" : "");
	if (sum)
		fprintf(f, "  %-10s %.300s\n", "summary", sum->json);
	if (c->db_path || c->out_dir) {
		run_jsonl_name(r, jl, sizeof(jl));
		fprintf(f, "  %-10s %s%s%s%s%s\n", "stored in", c->db_path ? c->db_path : "",
			c->db_path && c->out_dir ? ", " : "", c->out_dir ? c->out_dir : "",
			c->out_dir ? "/" : "", c->out_dir ? jl : "");
	}
	fflush(f);
}
