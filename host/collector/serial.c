/*
 * serial.c - records from a serial log (docs/protocol.md, "Serial form"):
 *
 *	@irqlab <run id, 16 hex digits> <seq> <type name> <JSON object>
 *
 * one per line, as src/record/record.c prints them; a line may end in
 * CR LF; lines not starting with "@irqlab " are the rest of the console
 * and are ignored. No exchange is possible, so a run is complete when
 * every record up to its END is in the log and the checksum matches.
 */
#include "core.h"

#include <string.h>

#define SERIAL_PREFIX "@irqlab "

static int bad(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return -1;
}

/* The next space-terminated field from *pos; false if there is no space. */
static bool field(const char *s, size_t len, size_t *pos, size_t *start, size_t *n)
{
	const char *sp = memchr(s + *pos, ' ', len - *pos);

	if (!sp)
		return false;
	*start = *pos;
	*n = (size_t)(sp - (s + *pos));
	*pos += *n + 1;
	return true;
}

int serial_parse_line(const char *s, size_t len, struct serial_rec *r,
		      char *err, size_t errlen)
{
	size_t pos = sizeof(SERIAL_PREFIX) - 1, start, n;
	uint64_t v = 0;

	if (len < pos || memcmp(s, SERIAL_PREFIX, pos))
		return 0;
	if (len && s[len - 1] == '\n')
		len--;
	if (len && s[len - 1] == '\r')
		len--;
	/* Widest line: prefix, 16, 10, "summary", 1400 bytes, spaces. */
	if (len > pos + 16 + 1 + 10 + 1 + 7 + 1 + PROTO_MAX_PAYLOAD)
		return bad(err, errlen, "line longer than any record");
	if (!field(s, len, &pos, &start, &n) || n != 16)
		return bad(err, errlen, "run id is not 16 hex digits");
	for (size_t i = start; i < start + n; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint64_t)(c - 'a' + 10);
		else
			return bad(err, errlen, "run id is not 16 lowercase hex digits");
	}
	if (!v)
		return bad(err, errlen, "run id 0 (a run id is never 0)");
	r->run_id = v;
	if (!field(s, len, &pos, &start, &n) || n < 1 || n > 10 ||
	    (s[start] == '0' && n > 1))
		return bad(err, errlen, "seq is not a decimal number without leading zeros");
	v = 0;
	for (size_t i = start; i < start + n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return bad(err, errlen, "seq is not a decimal number");
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return bad(err, errlen, "seq is more than 4294967295");
	r->seq = (uint32_t)v;
	if (!field(s, len, &pos, &start, &n) || !(r->type = proto_type_parse(s + start, n)))
		return bad(err, errlen, "unknown record type name");
	r->json = s + pos;
	r->len = len - pos;
	if (r->len < 2 || r->json[0] != '{' || r->json[r->len - 1] != '}')
		return bad(err, errlen, "payload is not one JSON object");
	if (r->len > PROTO_MAX_PAYLOAD)
		return bad(err, errlen, "payload longer than 1400 bytes");
	for (size_t i = 0; i < r->len; i++)
		if ((unsigned char)r->json[i] < 0x20)
			return bad(err, errlen, "control character inside the payload");
	if (json_check_object(r->json, r->len, err, errlen) < 0)
		return -1;
	return 1;
}

void coll_serial_line(struct coll *c, const char *line, size_t len,
		      const char *src, unsigned long lineno, double now)
{
	static const uint8_t no_mac[6];
	struct serial_rec sr;
	char err[160];
	struct run *r;
	int rc;

	c->st.serial_lines++;
	rc = serial_parse_line(line, len, &sr, err, sizeof(err));
	if (rc == 0)
		return;
	if (rc < 0) {
		c->st.serial_bad++;
		coll_logf(c, now, "%s:%lu: record line refused: %s", src, lineno, err);
		return;
	}
	c->st.serial_records++;
	/* The serial form carries no MAC: serial runs are keyed by run id
	 * with the all-zero MAC, apart from anything that came over UDP. */
	r = coll_get_run(c, sr.run_id, no_mac, SRC_SERIAL, src, now);
	if (!r)
		return;
	coll_add_record(c, r, sr.seq, sr.type, sr.json, sr.len, now);
	coll_check_end(c, r, now);
}

void coll_serial_done(struct coll *c, double now)
{
	for (struct run *r = c->runs; r; r = r->next) {
		uint32_t missing;

		if (r->source != SRC_SERIAL || r->state != RUN_STREAMING)
			continue;
		if (!r->have_end) {
			snprintf(r->note, sizeof(r->note), "no END record in the log: %u records "
				 "stored, not verified", r->held);
		} else {
			missing = r->end_seq + 1 - r->held;
			snprintf(r->note, sizeof(r->note), "%u of the %u records before END "
				 "are missing from the log (first: seq %u)", missing,
				 r->end_seq, r->contig);
		}
		coll_end_run(c, r, RUN_INCOMPLETE, now);
	}
}
