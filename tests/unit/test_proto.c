// uses: src/net/proto.c
/*
 * test_proto.c - the result protocol's encoder and strict decoder
 * (src/net/proto.c, docs/protocol.md): round trips, every malformed case
 * rejected with a reason, CRC-32 known vectors, NACK/ACK and END payloads.
 */
#include "check.h"
#include "net/proto.h"
#include "record/record.h"

#include <stdlib.h>

static const uint8_t test_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static struct proto_hdr rec_hdr(uint32_t seq, uint16_t type, size_t len)
{
	struct proto_hdr h = {
		.version = PROTO_VERSION, .kind = PROTO_RECORD,
		.run_id = 0x0123456789abcdefull, .seq = seq, .type = type,
		.len = (uint16_t)len,
	};

	memcpy(h.mac, test_mac, 6);
	return h;
}

static size_t make_record(uint8_t *out, size_t outlen, uint32_t seq, const char *json)
{
	struct proto_hdr h = rec_hdr(seq, REC_BENCH, strlen(json));

	return proto_encode(&h, json, out, outlen);
}

/* Decode must fail and say something: the reason is the user's only clue. */
static void expect_reject(const void *buf, size_t len, const char *what, const char *needle)
{
	struct proto_hdr h;
	const uint8_t *pl;
	char err[160] = "untouched";
	int r = proto_decode(buf, len, &h, &pl, err, sizeof(err));

	CHECK(r == -1 && err[0] && strstr(err, needle),
	      "decode rejects %s (\"%s\")", what, err);
}

static void test_crc(void)
{
	static const char v1[] = "123456789";
	static const char v2[] = "The quick brown fox jumps over the lazy dog";
	uint32_t c;

	CHECK_EQ_U64(proto_crc32(0, v1, 9), 0xcbf43926, "crc32(\"123456789\") = cbf43926");
	CHECK_EQ_U64(proto_crc32(0, v2, strlen(v2)), 0x414fa339, "crc32(quick brown fox) = 414fa339");
	CHECK_EQ_U64(proto_crc32(0, "", 0), 0, "crc32 of nothing is 0");
	CHECK_EQ_U64(proto_crc32(0, "a", 1), 0xe8b7be43, "crc32(\"a\") = e8b7be43");
	c = proto_crc32(0, v1, 4);
	c = proto_crc32(c, v1 + 4, 5);
	CHECK_EQ_U64(c, 0xcbf43926, "crc32 chains across calls");
	/* Record crc = crc32 over type BE, len BE, payload. */
	{
		uint8_t buf[4 + 2] = { 0x00, 0x04, 0x00, 0x02, '{', '}' };

		CHECK_EQ_U64(proto_record_crc(0, 4, "{}", 2), proto_crc32(0, buf, 6),
			     "record crc folds in type and length big-endian");
		CHECK(proto_record_crc(0, 4, "{}", 2) != proto_record_crc(0, 3, "{}", 2),
		      "record crc depends on the type");
	}
	/* docs/protocol.md's worked example; the value is zlib.crc32 of
	 * 00 01 00 0e {"cmdline":""} 00 08 00 18 {"tests":0,"failures":0}. */
	c = proto_record_crc(0, REC_RUN, "{\"cmdline\":\"\"}", 14);
	c = proto_record_crc(c, REC_SUMMARY, "{\"tests\":0,\"failures\":0}", 24);
	CHECK_EQ_U64(c, 0xd0acca06, "end checksum of the documented two-record run = d0acca06");
}

static void test_roundtrip(void)
{
	uint8_t buf[PROTO_MAX_DATAGRAM + 64];
	struct proto_hdr h = rec_hdr(4242, REC_SUMMARY, 0), d;
	const char *json = "{\"tests\":12,\"failures\":0}";
	const uint8_t *pl = NULL;
	char err[128];
	size_t n;

	h.len = (uint16_t)strlen(json);
	n = proto_encode(&h, json, buf, sizeof(buf));
	CHECK_EQ_U64(n, PROTO_HDR_LEN + strlen(json), "encode returns header + payload bytes");
	CHECK(!memcmp(buf, "IRQL", 4), "datagram starts with the magic \"IRQL\"");
	CHECK(buf[4] == 1 && buf[5] == PROTO_RECORD, "version and kind bytes at 4, 5");
	CHECK(buf[6] == 0x01 && buf[13] == 0xef, "run id big-endian at 6..13");
	CHECK(buf[14] == 0 && buf[15] == 0 && buf[16] == 0x10 && buf[17] == 0x92,
	      "seq big-endian at 14..17");
	CHECK(buf[18] == 0 && buf[19] == REC_SUMMARY, "type at 18..19");
	CHECK(buf[20] == 0 && buf[21] == strlen(json), "len at 20..21");
	CHECK(!memcmp(buf + 22, test_mac, 6), "MAC at 22..27");
	CHECK(!buf[28] && !buf[29] && !buf[30] && !buf[31], "reserved 28..31 zero");
	CHECK(proto_decode(buf, n, &d, &pl, err, sizeof(err)) == 0, "decode accepts it (%s)", err);
	CHECK(d.version == h.version && d.kind == h.kind && d.run_id == h.run_id &&
	      d.seq == h.seq && d.type == h.type && d.len == h.len &&
	      !memcmp(d.mac, h.mac, 6), "decoded header equals the encoded one");
	CHECK(pl == buf + PROTO_HDR_LEN && !memcmp(pl, json, d.len), "payload points at the JSON");

	/* Largest payload. */
	{
		char big[PROTO_MAX_PAYLOAD + 1];

		memset(big, 'x', sizeof(big));
		big[0] = '{';
		big[PROTO_MAX_PAYLOAD - 1] = '}';
		h = rec_hdr(0xffffffffu, REC_INFO, PROTO_MAX_PAYLOAD);
		n = proto_encode(&h, big, buf, sizeof(buf));
		CHECK_EQ_U64(n, PROTO_MAX_DATAGRAM, "encode a 1400-byte payload");
		CHECK(proto_decode(buf, n, &d, &pl, err, sizeof(err)) == 0 && d.seq == 0xffffffffu,
		      "decode a full-size datagram with seq 2^32-1");
		CHECK(proto_encode(&h, big, buf, PROTO_MAX_DATAGRAM - 1) == 0,
		      "encode refuses a buffer one byte short");
		h.len = PROTO_MAX_PAYLOAD + 1;
		big[PROTO_MAX_PAYLOAD] = '}';
		CHECK(proto_encode(&h, big, buf, sizeof(buf)) == 0, "encode refuses 1401 payload bytes");
	}
	/* Encode refuses what decode would reject. */
	h = rec_hdr(1, 0, 2);
	CHECK(proto_encode(&h, "{}", buf, sizeof(buf)) == 0, "encode refuses record type 0");
	h = rec_hdr(1, REC_TYPE_MAX + 1, 2);
	CHECK(proto_encode(&h, "{}", buf, sizeof(buf)) == 0, "encode refuses record type 10");
	h = rec_hdr(1, REC_INFO, 3);
	CHECK(proto_encode(&h, "{}\n", buf, sizeof(buf)) == 0, "encode refuses a newline in JSON");
	h = rec_hdr(1, REC_INFO, 2);
	h.kind = 9;
	CHECK(proto_encode(&h, "{}", buf, sizeof(buf)) == 0, "encode refuses kind 9");
	h = rec_hdr(1, REC_INFO, 2);
	h.version = 2;
	CHECK(proto_encode(&h, "{}", buf, sizeof(buf)) == 0, "encode refuses version 2");
	h = rec_hdr(1, REC_INFO, 2);
	h.run_id = 0;
	CHECK(proto_encode(&h, "{}", buf, sizeof(buf)) == 0, "encode refuses run id 0");
}

static void test_malformed(void)
{
	uint8_t good[128], b[160];
	size_t n = make_record(good, sizeof(good), 7, "{\"a\":1}");

	CHECK(n == PROTO_HDR_LEN + 7, "reference datagram encodes");
	expect_reject(good, 0, "an empty datagram", "truncated");
	expect_reject(good, 31, "31 bytes (header short by one)", "truncated");
	expect_reject(good, n - 1, "a payload one byte short", "length field");
	memcpy(b, good, n);
	b[n] = ' ';
	expect_reject(b, n + 1, "one byte more than the length field", "length field");
	memcpy(b, good, n);
	b[0] = 'X';
	expect_reject(b, n, "a wrong magic", "magic");
	expect_reject("GET / HTTP/1.0\r\n\r\n", 18, "a short foreign datagram", "magic");
	memcpy(b, good, n);
	b[4] = 2;
	expect_reject(b, n, "version 2", "version 2");
	memcpy(b, good, n);
	b[5] = 0;
	expect_reject(b, n, "kind 0", "kind 0");
	b[5] = 4;
	expect_reject(b, n, "kind 4", "kind 4");
	memcpy(b, good, n);
	b[19] = 0;
	expect_reject(b, n, "record type 0", "type 0");
	b[19] = 10;
	expect_reject(b, n, "record type 10", "type 10");
	b[18] = 1;
	b[19] = 4;
	expect_reject(b, n, "record type 260", "type 260");
	for (int i = 28; i < 32; i++) {
		memcpy(b, good, n);
		b[i] = 0x80;
		expect_reject(b, n, "a nonzero reserved byte", "reserved");
	}
	memcpy(b, good, n);
	memset(b + 6, 0, 8);
	expect_reject(b, n, "run id 0", "run id 0");
	memcpy(b, good, n);
	b[PROTO_HDR_LEN] = '[';
	expect_reject(b, n, "a payload that is not an object", "JSON object");
	memcpy(b, good, n);
	b[n - 1] = ' ';
	expect_reject(b, n, "trailing bytes after the object", "JSON object");
	memcpy(b, good, n);
	b[PROTO_HDR_LEN + 3] = '\n';
	expect_reject(b, n, "a newline inside the payload", "control character 0x0a");
	b[PROTO_HDR_LEN + 3] = '\0';
	expect_reject(b, n, "a NUL inside the payload", "control character 0x00");
	{
		struct proto_hdr h = rec_hdr(1, REC_INFO, 0);

		memset(b, 0, sizeof(b));
		memcpy(b, good, PROTO_HDR_LEN);
		b[20] = b[21] = 0;
		(void)h;
		expect_reject(b, PROTO_HDR_LEN, "a record with no payload", "JSON object");
	}
	/* Oversized: correct header claiming 1400, plus more bytes. */
	{
		uint8_t *big = calloc(1, 70000);

		memcpy(big, good, PROTO_HDR_LEN);
		big[20] = 0xff;
		big[21] = 0xff;
		expect_reject(big, 70000, "a 70000-byte datagram", "oversized");
		big[20] = (PROTO_MAX_PAYLOAD + 1) >> 8;
		big[21] = (PROTO_MAX_PAYLOAD + 1) & 0xff;
		expect_reject(big, PROTO_MAX_DATAGRAM + 1, "1401 payload bytes", "oversized");
		free(big);
	}
	/* Control kinds must carry zero seq/type/MAC. */
	{
		struct proto_ack a = { 5, 5, 0x1234, PROTO_ACK_OK };
		struct proto_hdr h = { .version = 1, .kind = PROTO_ACK, .run_id = 9,
				       .len = PROTO_ACK_LEN };
		uint8_t pl[PROTO_ACK_LEN];
		const uint8_t *p;
		struct proto_hdr d;
		char err[128];

		proto_ack_encode(&a, pl, sizeof(pl));
		n = proto_encode(&h, pl, b, sizeof(b));
		CHECK(n == PROTO_HDR_LEN + PROTO_ACK_LEN && proto_decode(b, n, &d, &p, err, sizeof(err)) == 0 &&
		      d.kind == PROTO_ACK && d.run_id == 9, "ACK datagram round trip");
		b[17] = 1;
		expect_reject(b, n, "an ACK with seq 1", "nonzero seq");
		b[17] = 0;
		b[27] = 1;
		expect_reject(b, n, "an ACK with a MAC", "nonzero seq, type or MAC");
		h.seq = 1;
		CHECK(proto_encode(&h, pl, b, sizeof(b)) == 0, "encode refuses an ACK with seq 1");
	}
	/* A tiny error buffer is still terminated, and NULL is accepted. */
	{
		char small[5] = "xxxx";
		struct proto_hdr d;
		const uint8_t *p;

		CHECK(proto_decode(good, 3, &d, &p, small, sizeof(small)) == -1 &&
		      small[4] == '\0' && strlen(small) == 4, "error text truncated and terminated");
		CHECK(proto_decode(good, 3, &d, &p, NULL, 0) == -1, "error buffer may be NULL");
	}
}

static void test_every_flip(void)
{
	/* Flip every bit of a valid datagram: each result either decodes to
	 * a header that re-encodes to the same bytes, or is rejected with a
	 * reason. Nothing in between. */
	uint8_t good[64], b[64], re[64];
	size_t n = make_record(good, sizeof(good), 3, "{\"k\":\"v\"}");
	unsigned bad = 0, ok = 0, mismatch = 0;

	for (size_t i = 0; i < n * 8; i++) {
		struct proto_hdr d;
		const uint8_t *p;
		char err[128];

		memcpy(b, good, n);
		b[i / 8] ^= (uint8_t)(1 << (i % 8));
		if (proto_decode(b, n, &d, &p, err, sizeof(err)) == 0) {
			ok++;
			if (proto_encode(&d, p, re, sizeof(re)) != n || memcmp(re, b, n))
				mismatch++;
		} else if (err[0]) {
			bad++;
		}
	}
	CHECK(bad + ok == n * 8 && mismatch == 0,
	      "bit flips: %u rejected with a reason, %u accepted and re-encode identically",
	      bad, ok);
	CHECK(bad >= 100, "most header bit flips are rejected (%u of %zu)", bad, n * 8);
}

static void test_nack(void)
{
	struct proto_range r[PROTO_MAX_NACK_RANGES + 1], d[PROTO_MAX_NACK_RANGES];
	uint8_t buf[(PROTO_MAX_NACK_RANGES + 1) * 8];
	unsigned n = 0;
	char err[128];
	size_t len;

	r[0] = (struct proto_range){ 0, 3 };
	r[1] = (struct proto_range){ 10, 1 };
	r[2] = (struct proto_range){ 0xfffffff0u, 0x10 };
	len = proto_nack_encode(r, 3, buf, sizeof(buf));
	CHECK_EQ_U64(len, 24, "NACK of 3 ranges is 24 bytes");
	CHECK(buf[0] == 0 && buf[7] == 3 && buf[11] == 10 && buf[16] == 0xff,
	      "NACK ranges are (first, count) big-endian");
	CHECK(proto_nack_decode(buf, len, d, PROTO_MAX_NACK_RANGES, &n, err, sizeof(err)) == 0 &&
	      n == 3 && d[0].first == 0 && d[0].count == 3 && d[1].first == 10 &&
	      d[2].first == 0xfffffff0u && d[2].count == 0x10, "NACK round trip (%s)", err);

	for (unsigned i = 0; i <= PROTO_MAX_NACK_RANGES; i++)
		r[i] = (struct proto_range){ i * 10, 2 };
	len = proto_nack_encode(r, PROTO_MAX_NACK_RANGES, buf, sizeof(buf));
	CHECK(len == PROTO_MAX_NACK_RANGES * 8 &&
	      proto_nack_decode(buf, len, d, PROTO_MAX_NACK_RANGES, &n, err, sizeof(err)) == 0 &&
	      n == PROTO_MAX_NACK_RANGES, "NACK with 64 ranges round trips");
	CHECK(proto_nack_encode(r, PROTO_MAX_NACK_RANGES + 1, buf, sizeof(buf)) == 0,
	      "encode refuses 65 ranges");
	CHECK(proto_nack_encode(r, 0, buf, sizeof(buf)) == 0, "encode refuses 0 ranges");
	CHECK(proto_nack_encode(r, 3, buf, 23) == 0, "encode refuses a short buffer");

#define NACK_BAD(bytes, blen, max, needle, what) do {					\
	char e_[128] = "";								\
	int r_ = proto_nack_decode(bytes, blen, d, max, &n, e_, sizeof(e_));		\
	CHECK(r_ == -1 && strstr(e_, needle), "NACK decode rejects %s (\"%s\")", what, e_); \
} while (0)
	{
		uint8_t z[8 * 65] = { 0 };

		NACK_BAD(z, 0, 64, "multiple of 8", "an empty payload");
		NACK_BAD(z, 7, 64, "multiple of 8", "7 bytes");
		NACK_BAD(z, 12, 64, "multiple of 8", "12 bytes");
		NACK_BAD(z, 8 * 65, 64, "65 ranges", "65 ranges");
		NACK_BAD(z, 8, 64, "empty", "a range of count 0");
		len = proto_nack_encode(r, 3, buf, sizeof(buf));
		NACK_BAD(buf, len, 2, "room for 2", "more ranges than the caller has room for");
		buf[15] = 0; /* range 1 count 0 */
		NACK_BAD(buf, len, 64, "range 1 is empty", "an empty second range");
	}
	{
		struct proto_range o[2] = { { 5, 5 }, { 9, 1 } };
		uint8_t ob[16] = { 0,0,0,5, 0,0,0,5, 0,0,0,9, 0,0,0,1 };

		CHECK(proto_nack_encode(o, 2, buf, sizeof(buf)) == 0, "encode refuses overlapping ranges");
		NACK_BAD(ob, 16, 64, "overlaps", "overlapping ranges");
		ob[11] = 10;
		NACK_BAD(ob, 16, 64, "touches", "touching ranges (5+5, 10)");
		ob[11] = 2;
		NACK_BAD(ob, 16, 64, "precedes", "descending ranges");
		uint8_t wrap[8] = { 0xff,0xff,0xff,0xff, 0,0,0,2 };
		NACK_BAD(wrap, 8, 64, "passes 2^32", "a range past 2^32");
	}
}

static void test_ack(void)
{
	struct proto_ack a = { 2000, 2000, 0xdeadbeef, PROTO_ACK_MISMATCH }, d;
	uint8_t buf[PROTO_ACK_LEN + 1];
	char err[128];

	CHECK_EQ_U64(proto_ack_encode(&a, buf, sizeof(buf)), PROTO_ACK_LEN, "ACK payload is 16 bytes");
	CHECK(buf[2] == 0x07 && buf[3] == 0xd0 && buf[8] == 0xde && buf[11] == 0xef &&
	      buf[12] == 1 && !buf[13] && !buf[14] && !buf[15], "ACK layout big-endian, status at 12");
	CHECK(proto_ack_decode(buf, PROTO_ACK_LEN, &d, err, sizeof(err)) == 0 &&
	      d.end_seq == 2000 && d.records == 2000 && d.checksum == 0xdeadbeef &&
	      d.status == PROTO_ACK_MISMATCH, "ACK round trip (%s)", err);
	CHECK(proto_ack_encode(&a, buf, PROTO_ACK_LEN - 1) == 0, "ACK encode refuses a short buffer");
#define ACK_BAD(len, needle, what) do {							\
	char e_[128] = "";								\
	CHECK(proto_ack_decode(buf, len, &d, e_, sizeof(e_)) == -1 && strstr(e_, needle), \
	      "ACK decode rejects %s (\"%s\")", what, e_);				\
} while (0)
	ACK_BAD(15, "must be 16", "15 bytes");
	ACK_BAD(17, "must be 16", "17 bytes");
	buf[12] = 2;
	ACK_BAD(16, "status 2", "status 2");
	buf[12] = 0;
	buf[14] = 1;
	ACK_BAD(16, "padding", "nonzero padding");
	buf[14] = 0;
	buf[7] = 1;
	ACK_BAD(16, "END record is seq", "records != end seq");
	a.records = 1;
	CHECK(proto_ack_encode(&a, buf, sizeof(buf)) == 0, "ACK encode refuses records != end seq");
}

static void test_end(void)
{
	char buf[PROTO_END_MAX_LEN + 1];
	uint32_t n, c, l;
	char err[128];
	size_t len;

	len = proto_end_format(buf, sizeof(buf), 4294967295u, 0x0000beef, 4294967295u);
	CHECK_STR(buf, "{\"records\":4294967295,\"checksum\":\"0000beef\",\"lost\":4294967295}",
		  "END payload, widest");
	CHECK_EQ_U64(len, PROTO_END_MAX_LEN, "widest END payload is PROTO_END_MAX_LEN bytes");
	CHECK(proto_end_parse(buf, len, &n, &c, &l, err, sizeof(err)) == 0 &&
	      n == 4294967295u && c == 0xbeef && l == 4294967295u, "END round trip, widest (%s)", err);
	len = proto_end_format(buf, sizeof(buf), 0, 0xcbf43926, 0);
	CHECK_STR(buf, "{\"records\":0,\"checksum\":\"cbf43926\"}", "END payload, no loss: short form");
	CHECK(proto_end_parse(buf, len, &n, &c, &l, err, sizeof(err)) == 0 &&
	      n == 0 && c == 0xcbf43926 && l == 0, "END round trip, short form (%s)", err);
	len = proto_end_format(buf, sizeof(buf), 12, 1, 3);
	CHECK_STR(buf, "{\"records\":12,\"checksum\":\"00000001\",\"lost\":3}", "END payload with losses");
	{
		const char *z = "{\"records\":7,\"checksum\":\"00000002\",\"lost\":0}";

		CHECK(proto_end_parse(z, strlen(z), &n, &c, &l, err, sizeof(err)) == 0 &&
		      n == 7 && c == 2 && l == 0, "END with \"lost\":0 (what the image prints) is accepted");
	}
	CHECK(proto_end_format(buf, PROTO_END_MAX_LEN, 1, 1, 0) == 0 && buf[0] == '\0',
	      "END format refuses a buffer with no room for the widest form");
#define END_BAD(s, needle) do {								\
	char e_[128] = "";								\
	CHECK(proto_end_parse(s, strlen(s), &n, &c, &l, e_, sizeof(e_)) == -1 &&	\
	      strstr(e_, needle), "END parse rejects %s (\"%s\")", s, e_);		\
} while (0)
	END_BAD("", "start");
	END_BAD("{\"records\": 5,\"checksum\":\"00000000\"}", "decimal");
	END_BAD("{\"records\":05,\"checksum\":\"00000000\"}", "leading zeros");
	END_BAD("{\"records\":4294967296,\"checksum\":\"00000000\"}", "0..4294967295");
	END_BAD("{\"records\":99999999999,\"checksum\":\"00000000\"}", "0..4294967295");
	END_BAD("{\"records\":5,\"checksum\":\"0000000\"}", "8 lowercase");
	END_BAD("{\"records\":5,\"checksum\":\"0000000A\"}", "8 lowercase");
	END_BAD("{\"records\":5,\"checksum\":\"000000000\"}", "8 lowercase");
	END_BAD("{\"records\":5,\"checksum\":\"00000000\"} ", "nothing more");
	END_BAD("{\"records\":5,\"sum\":\"00000000\"}", ",\"checksum\"");
	END_BAD("{\"records\":5}", ",\"checksum\"");
	END_BAD("{\"records\":5,\"checksum\":\"00000000\",\"lost\":}", "lost count");
	END_BAD("{\"records\":5,\"checksum\":\"00000000\",\"lost\":01}", "lost count");
	END_BAD("{\"records\":5,\"checksum\":\"00000000\",\"lost\":1,\"x\":1}", "nothing more");
	END_BAD("{\"records\":5,\"checksum\":\"00000000\",\"other\":1}", "nothing more");
}

static void test_types(void)
{
	static const char *const names[] = { "run", "machine", "result", "bench", "nmi",
					     "info", "error", "summary", "end" };

	for (unsigned t = 1; t <= REC_TYPE_MAX; t++)
		CHECK(!strcmp(proto_type_name(t), names[t - 1]) &&
		      proto_type_parse(names[t - 1], strlen(names[t - 1])) == t,
		      "type %u <-> \"%s\"", t, names[t - 1]);
	CHECK(proto_type_parse("end", 3) == REC_END && proto_type_parse("run", 3) == REC_RUN,
	      "names match enum record_type (end = REC_END)");
	CHECK(!strcmp(proto_type_name(0), "?") && !strcmp(proto_type_name(10), "?"),
	      "unknown type numbers name \"?\"");
	CHECK(proto_type_parse("en", 2) == 0 && proto_type_parse("ends", 4) == 0 &&
	      proto_type_parse("END", 3) == 0 && proto_type_parse("", 0) == 0,
	      "unknown, prefix and upper-case names are rejected");
}

int main(void)
{
	test_crc();
	test_roundtrip();
	test_malformed();
	test_every_flip();
	test_nack();
	test_ack();
	test_end();
	test_types();
	return check_summary();
}
