/*
 * seeds.c - writes the fuzz targets' starting corpora: well-formed inputs
 * for each, so mutation starts from the deep paths (a run with gaps and
 * an END, NACK and ACK payloads, a serial log with CR LF and noise).
 *
 *	seeds DIR   -> files in DIR/proto, DIR/datagram, DIR/serial
 */
#include "net/proto.h"
#include "record/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *dir;

static void put(const char *target, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, target);
	mkdir(path, 0777);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static size_t record(uint8_t *out, uint64_t id, uint32_t seq, uint16_t type, const char *json)
{
	struct proto_hdr h = { .version = PROTO_VERSION, .kind = PROTO_RECORD, .run_id = id,
			       .seq = seq, .type = type, .len = (uint16_t)strlen(json),
			       .mac = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 } };

	return proto_encode(&h, json, out, PROTO_MAX_DATAGRAM);
}

static const char *const jsons[] = {
	"{\"run_id\":\"00000000000000ab\",\"cmdline\":\"tests=all\"}",
	"{\"cpu\":\"max\",\"apic\":\"xapic\",\"memory_mib\":256}",
	"{\"suite\":\"apic\",\"what\":\"timer fires\",\"status\":\"PASS\"}",
	"{\"name\":\"cli\",\"median_cycles\":12,\"samples\":[1,2,3.5e2,-4]}",
	"{\"text\":\"caf\xc3\xa9 \\\"q\\\" \\u00e9\",\"n\":null,\"t\":true,\"f\":false}",
	"{\"tests\":3,\"failures\":0,\"skipped\":0,\"exit\":0}",
};

/* One run: records 0..5, END at 6, checksum over 0..5. */
static size_t run_datagrams(uint8_t *buf, bool gap, bool corrupt, uint64_t id)
{
	uint8_t dg[PROTO_MAX_DATAGRAM];
	char end[PROTO_END_MAX_LEN + 1];
	uint32_t crc = 0;
	size_t pos = 0, n;
	uint16_t types[] = { REC_RUN, REC_MACHINE, REC_RESULT, REC_BENCH, REC_INFO, REC_SUMMARY };

	for (unsigned i = 0; i < 6; i++)
		crc = proto_record_crc(crc, types[i], jsons[i], (uint16_t)strlen(jsons[i]));
	proto_end_format(end, sizeof(end), 6, corrupt ? crc ^ 1 : crc, 0);
	for (unsigned i = 0; i <= 7; i++) {
		unsigned seq = i == 7 ? 2 : i;	/* the gap, filled after END */

		if (i == 2 && gap)
			continue;
		if (i == 7 && !gap)
			break;
		n = seq == 6 ? record(dg, id, 6, REC_END, end)
			     : record(dg, id, seq, types[seq], jsons[seq]);
		buf[pos++] = (uint8_t)(i == 6 ? 4 | (5 << 3) : 0);	/* tick after END */
		buf[pos++] = (uint8_t)n;
		buf[pos++] = (uint8_t)(n >> 8);
		memcpy(buf + pos, dg, n);
		pos += n;
	}
	return pos;
}

int main(int argc, char **argv)
{
	uint8_t dg[PROTO_MAX_DATAGRAM], pl[PROTO_MAX_DATAGRAM], big[8 * PROTO_MAX_DATAGRAM];
	struct proto_range r[3] = { { 2, 1 }, { 10, 5 }, { 100, 1 } };
	struct proto_ack a = { 6, 6, 0x12345678, PROTO_ACK_OK };
	struct proto_hdr h = { .version = PROTO_VERSION, .run_id = 0xab };
	char end[PROTO_END_MAX_LEN + 1], log[4096];
	size_t n, lp = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: seeds DIR\n");
		return 2;
	}
	dir = argv[1];
	mkdir(dir, 0777);

	n = record(dg, 0xab, 3, REC_BENCH, jsons[3]);
	put("proto", "record", dg, n);
	h.kind = PROTO_NACK;
	h.len = (uint16_t)proto_nack_encode(r, 3, pl, sizeof(pl));
	put("proto", "nack-payload", pl, h.len);
	n = proto_encode(&h, pl, dg, sizeof(dg));
	put("proto", "nack", dg, n);
	h.kind = PROTO_ACK;
	h.len = (uint16_t)proto_ack_encode(&a, pl, sizeof(pl));
	put("proto", "ack-payload", pl, h.len);
	n = proto_encode(&h, pl, dg, sizeof(dg));
	put("proto", "ack", dg, n);
	n = proto_end_format(end, sizeof(end), 6, 0xcbf43926, 0);
	put("proto", "end-payload", end, n);
	n = proto_end_format(end, sizeof(end), 6, 0xcbf43926, 2);
	put("proto", "end-payload-lost", end, n);
	put("proto", "type-name", "summary", 7);

	n = run_datagrams(big, false, false, 0xab);
	put("datagram", "run", big, n);
	n = run_datagrams(big, true, false, 0xcd);
	put("datagram", "run-gap", big, n);
	n = run_datagrams(big, true, true, 0xef);
	put("datagram", "run-mismatch", big, n);

	{
		uint16_t types[] = { REC_RUN, REC_MACHINE, REC_RESULT, REC_BENCH, REC_INFO, REC_SUMMARY };
		uint32_t crc = 0;

		lp += (size_t)snprintf(log + lp, sizeof(log) - lp, "SeaBIOS\r\nirqlab booting\r\n");
		for (unsigned i = 0; i < 6; i++) {
			crc = proto_record_crc(crc, types[i], jsons[i], (uint16_t)strlen(jsons[i]));
			lp += (size_t)snprintf(log + lp, sizeof(log) - lp, "@irqlab 00000000000000ab %u %s %s\r\n",
					       i, proto_type_name(types[i]), jsons[i]);
		}
		proto_end_format(end, sizeof(end), 6, crc, 1);
		lp += (size_t)snprintf(log + lp, sizeof(log) - lp,
				       "@irqlab 00000000000000ab 6 end %s\r\n--- DONE: 0 ---\n", end);
		put("serial", "log", log, lp);
	}
	return 0;
}
