/*
 * sender_log.c - the simulated machine's records: generated from a seed
 * with what makes a copy hard to get byte-exact (escapes, multi-byte
 * UTF-8, nesting, payloads near 1400 bytes), their checksum, and their
 * serial form with optional CR LF and console noise.
 */
#include "sender.h"
#include "net/proto.h"
#include "record/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry *log_;
uint32_t nrec;
static uint64_t rng = 1;

void rnd_seed(uint64_t seed)
{
	rng = seed * 2 + 0x9e3779b97f4a7c15ull;
}

uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

double rnd_percent(void)
{
	return (double)(rnd() >> 11) / (double)(1ull << 53) * 100;
}

/* Text with the characters JSON must escape and some multi-byte UTF-8,
 * so the collector's copy is checked byte for byte on hard cases. */
static size_t rnd_text(char *o, size_t max)
{
	static const char *const pieces[] = {
		"a", "b", "x", "0", "7", " ", "\\\"", "\\\\", "\\n", "\\u0001", "\xc3\xa9",
		"\xe2\x82\xac", "\xf0\x9f\x90\xa7", "/", "NMI", "cli", "sti", "\\t",
	};
	size_t n = 0, want = (size_t)(rnd() % max);

	while (n < want) {
		const char *p = pieces[rnd() % (sizeof(pieces) / sizeof(pieces[0]))];
		size_t l = strlen(p);

		if (n + l > want)
			break;
		memcpy(o + n, p, l);
		n += l;
	}
	o[n] = '\0';
	return n;
}

void put(uint32_t seq, uint16_t type, const char *json)
{
	size_t len = strlen(json);

	if (len > PROTO_MAX_PAYLOAD || !(log_[seq].json = strdup(json))) {
		fprintf(stderr, "sender: internal: record %u of %zu bytes\n", seq, len);
		exit(2);
	}
	log_[seq].type = type;
	log_[seq].len = (uint16_t)len;
}

void generate(uint64_t run_id, const char *mac, uint64_t seed)
{
	char j[PROTO_MAX_PAYLOAD + 1], t[1100];
	uint32_t fails = 0;

	log_ = calloc((size_t)nrec + 1, sizeof(*log_));
	if (!log_) {
		fprintf(stderr, "sender: out of memory\n");
		exit(2);
	}
	for (uint32_t s = 0; s < nrec; s++) {
		unsigned k = (unsigned)(rnd() % 100);

		if (s == 0) {
			snprintf(j, sizeof(j), "{\"run_id\":\"%016llx\",\"version\":\"sender\","
				 "\"records\":%u,\"seed\":%llu}", (unsigned long long)run_id,
				 nrec, (unsigned long long)seed);
			put(s, REC_RUN, j);
		} else if (s == 1) {
			snprintf(j, sizeof(j), "{\"cpu\":\"simulated caf\xc3\xa9\",\"mac\":\"%s\","
				 "\"memory_mib\":256,\"note\":\"quote \\\" backslash \\\\\"}", mac);
			put(s, REC_MACHINE, j);
		} else if (s == nrec - 1) {
			snprintf(j, sizeof(j), "{\"tests\":%u,\"failures\":%u,\"skipped\":0,"
				 "\"exit\":%d}", nrec, fails, fails ? 1 : 0);
			put(s, REC_SUMMARY, j);
		} else if (k < 50) {
			rnd_text(t, 60);
			snprintf(j, sizeof(j), "{\"suite\":\"s%u\",\"what\":\"case %u %s\","
				 "\"status\":\"%s\"}", s % 7, s, t, k < 48 ? "PASS" : "SKIP");
			put(s, REC_RESULT, j);
		} else if (k < 75) {
			int n = snprintf(j, sizeof(j), "{\"name\":\"b%u\",\"median_cycles\":%llu,"
					 "\"min\":-%u,\"ratio\":%u.%02ue-3,\"samples\":[",
					 s, (unsigned long long)(rnd() % 100000), s % 5, s % 10, s % 100);
			unsigned m = (unsigned)(rnd() % (k < 52 ? 200 : 20));

			for (unsigned i = 0; i < m && n < 1300; i++)
				n += snprintf(j + n, sizeof(j) - (size_t)n, "%s%u", i ? "," : "",
					      (unsigned)(rnd() % 1000000));
			snprintf(j + n, sizeof(j) - (size_t)n, "],\"ok\":true,\"err\":null}");
			put(s, REC_BENCH, j);
		} else if (k < 85) {
			rnd_text(t, k == 84 ? 1000 : 200);
			snprintf(j, sizeof(j), "{\"text\":\"%s\",\"nested\":{\"a\":[1,{\"b\":[]}]}}", t);
			put(s, REC_INFO, j);
		} else if (k < 95) {
			snprintf(j, sizeof(j), "{\"strategy\":\"nested-%u\",\"nmis\":%llu,"
				 "\"faults_in_nmi\":%u}", s % 3, (unsigned long long)(rnd() % 1000000),
				 s % 11);
			put(s, REC_NMI, j);
		} else {
			rnd_text(t, 80);
			snprintf(j, sizeof(j), "{\"what\":\"simulated error %u\",\"why\":\"%s\"}", s, t);
			put(s, REC_ERROR, j);
		}
	}
}

uint32_t checksum(void)
{
	uint32_t crc = 0;

	for (uint32_t s = 0; s < nrec; s++)
		crc = proto_record_crc(crc, log_[s].type, log_[s].json, log_[s].len);
	return crc;
}

int write_serial(const char *path, uint64_t run_id, bool crlf, bool noise)
{
	FILE *f = fopen(path, "w");
	const char *eol = crlf ? "\r\n" : "\n";

	if (!f)
		return -1;
	if (noise)
		fprintf(f, "SeaBIOS (version 1.16)%s\x1b[2J%sirqlab: booting%s@irqlabs are not"
			" records%s@irqlab zz not a record line at all%s", eol, eol, eol, eol, eol);
	for (uint32_t s = 0; s <= nrec; s++) {
		fprintf(f, "@irqlab %016llx %u %s %s%s", (unsigned long long)run_id, s,
			proto_type_name(log_[s].type), log_[s].json, eol);
		if (noise && s % 97 == 5)
			fprintf(f, "PASS: console line between records%s", eol);
	}
	if (noise)
		fprintf(f, "SUMMARY: 1 tests, 0 failures, 0 skipped%s--- DONE: 0 ---%s", eol, eol);
	return fclose(f);
}

int write_sent(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	for (uint32_t s = 0; s <= nrec; s++)
		fprintf(f, "%u\t%s\t%s\n", s, proto_type_name(log_[s].type), log_[s].json);
	return fclose(f);
}
