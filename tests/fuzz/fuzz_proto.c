/*
 * fuzz_proto.c - libFuzzer target for src/net/proto.c, the decoder the
 * image runs on every control datagram and the collector on every record.
 * Beyond "no crash": whatever decodes must re-encode to the same bytes
 * (the decoder accepts nothing the encoder would not produce).
 *
 * Built with -DFUZZ_NEGATIVE_CONTROL it reads one byte past an accepted
 * NACK's payload: tests/check-collector.sh requires that variant to be
 * caught, which shows a crash in these targets does fail the check.
 */
#include "net/proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void same(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen || memcmp(a, b, alen))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_range r[PROTO_MAX_NACK_RANGES];
	uint8_t out[PROTO_MAX_DATAGRAM];
	char err[128], end[PROTO_END_MAX_LEN + 1];
	struct proto_hdr h;
	struct proto_ack a;
	const uint8_t *pl;
	uint32_t n, crc, lost;
	unsigned nr;

	if (proto_decode(data, size, &h, &pl, err, sizeof(err)) == 0) {
		same(data, size, out, proto_encode(&h, pl, out, sizeof(out)));
		if (h.kind == PROTO_NACK &&
		    proto_nack_decode(pl, h.len, r, PROTO_MAX_NACK_RANGES, &nr, err, sizeof(err)) == 0) {
			same(pl, h.len, out, proto_nack_encode(r, nr, out, sizeof(out)));
#ifdef FUZZ_NEGATIVE_CONTROL
			if (((volatile const uint8_t *)pl)[h.len] == 0xa5)
				err[0] = 1;
#endif
		}
		if (h.kind == PROTO_ACK && proto_ack_decode(pl, h.len, &a, err, sizeof(err)) == 0)
			same(pl, h.len, out, proto_ack_encode(&a, out, sizeof(out)));
	} else if (!err[0]) {
		abort();	/* a rejection must say why */
	}
	/* The payload parsers on raw bytes too, without a header to get past. */
	if (proto_nack_decode(data, size, r, PROTO_MAX_NACK_RANGES, &nr, err, sizeof(err)) == 0)
		same(data, size, out, proto_nack_encode(r, nr, out, sizeof(out)));
	if (proto_ack_decode(data, size, &a, err, sizeof(err)) == 0)
		same(data, size, out, proto_ack_encode(&a, out, sizeof(out)));
	/* "lost":0 is accepted but never formatted: compare that one by hand. */
	if (proto_end_parse(data, size, &n, &crc, &lost, err, sizeof(err)) == 0) {
		size_t l = proto_end_format(end, sizeof(end), n, crc, lost);

		if (!lost && size > l)
			l = (size_t)snprintf(end, sizeof(end), "{\"records\":%u,\"checksum\":"
					     "\"%08x\",\"lost\":0}", n, crc);
		same(data, size, end, l);
	}
	if (proto_type_parse((const char *)data, size) &&
	    strlen(proto_type_name(proto_type_parse((const char *)data, size))) != size)
		abort();
	proto_crc32(0, data, size);
	return 0;
}
