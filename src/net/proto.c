/*
 * proto.c - encode and strictly decode irqlab's result datagrams
 * (docs/protocol.md). Built into the image and into the host collector:
 * only memcpy/memset/memcmp from <string.h>, no allocation, no stdio.
 * Every byte that arrives is untrusted: each check names what was wrong.
 */
#include "net/proto.h"
#include "record/record.h"

#include <stdarg.h>
#include <string.h>

/* Header offsets (docs/protocol.md, "Header"). */
enum {
	OFF_MAGIC = 0,
	OFF_VERSION = 4,
	OFF_KIND = 5,
	OFF_RUN_ID = 6,
	OFF_SEQ = 14,
	OFF_TYPE = 18,
	OFF_LEN = 20,
	OFF_MAC = 22,
	OFF_RESERVED = 28,
};

static const char *const type_names[REC_TYPE_MAX + 1] = {
	"?", "run", "machine", "result", "bench", "nmi", "info", "error",
	"summary", "end",
};

/* ---- a formatter just big enough for error text: %s %u %x %c, and
 * a zero-padded width for %x ("%08x"). Always terminates. */
struct out {
	char *buf;
	size_t len, pos;
};

static void put_char(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos++] = c;
}

static void put_uint(struct out *o, unsigned long v, unsigned base, unsigned width)
{
	char tmp[24];
	unsigned n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v && n < sizeof(tmp));
	while (n < width && n < sizeof(tmp))
		tmp[n++] = '0';
	while (n)
		put_char(o, tmp[--n]);
}

static size_t vfmt(char *buf, size_t len, const char *f, va_list ap)
{
	struct out o = { buf, len, 0 };

	if (!buf || !len)
		return 0;
	for (; *f; f++) {
		unsigned width = 0;
		const char *s;

		if (*f != '%') {
			put_char(&o, *f);
			continue;
		}
		f++;
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (unsigned)(*f++ - '0');
		switch (*f) {
		case 's':
			for (s = va_arg(ap, const char *); *s; s++)
				put_char(&o, *s);
			break;
		case 'u':
			put_uint(&o, va_arg(ap, unsigned), 10, width);
			break;
		case 'x':
			put_uint(&o, va_arg(ap, unsigned), 16, width);
			break;
		case 'c':
			put_char(&o, (char)va_arg(ap, int));
			break;
		case '\0':
			f--;
			break;
		default:
			put_char(&o, '%');
			put_char(&o, *f);
			break;
		}
	}
	o.buf[o.pos] = '\0';
	return o.pos;
}

__attribute__((format(printf, 3, 4)))
static size_t fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, f);
	n = vfmt(buf, len, f, ap);
	va_end(ap);
	return n;
}

/* Set the reason and fail: every rejection goes through here. */
__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vfmt(err, errlen, f, ap);
	va_end(ap);
	return -1;
}

/* ---- big-endian fields */
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* ---- validity rules shared by encode and decode */

/* A record's payload is one JSON object on one line: the collector stores
 * it as text and the serial mirror prints it as one line. Full JSON syntax
 * is the collector's check; here only what keeps the framing sound. */
static int check_json_line(const uint8_t *p, size_t len, char *err, size_t errlen)
{
	size_t i;

	if (len < 2 || p[0] != '{' || p[len - 1] != '}')
		return fail(err, errlen, "record payload (%u bytes) is not a JSON object: "
			    "must start with '{' and end with '}'", (unsigned)len);
	for (i = 0; i < len; i++)
		if (p[i] < 0x20)
			return fail(err, errlen, "record payload byte %u is control character "
				    "0x%02x (a record is one line)", (unsigned)i, p[i]);
	return 0;
}

static int check_hdr(const struct proto_hdr *h, const uint8_t *payload,
		     char *err, size_t errlen)
{
	if (h->version != PROTO_VERSION)
		return fail(err, errlen, "protocol version %u, this side speaks %u",
			    h->version, PROTO_VERSION);
	if (h->len > PROTO_MAX_PAYLOAD)
		return fail(err, errlen, "payload of %u bytes, more than the %u allowed",
			    h->len, PROTO_MAX_PAYLOAD);
	if (!h->run_id)
		return fail(err, errlen, "run id 0 (a run id is never 0)");
	switch (h->kind) {
	case PROTO_RECORD:
		if (h->type < 1 || h->type > REC_TYPE_MAX)
			return fail(err, errlen, "record type %u unknown (1..%u)",
				    h->type, REC_TYPE_MAX);
		return check_json_line(payload, h->len, err, errlen);
	case PROTO_NACK:
	case PROTO_ACK:
		if (h->seq || h->type || !all_zero(h->mac, sizeof(h->mac)))
			return fail(err, errlen, "%s with nonzero seq, type or MAC",
				    h->kind == PROTO_NACK ? "NACK" : "ACK");
		return 0;
	default:
		return fail(err, errlen, "unknown datagram kind %u (1 record, 2 NACK, 3 ACK)",
			    h->kind);
	}
}

size_t proto_encode(const struct proto_hdr *h, const void *payload,
		    void *out, size_t outlen)
{
	uint8_t *o = out;

	if (check_hdr(h, payload, NULL, 0) < 0 || outlen < PROTO_HDR_LEN + (size_t)h->len)
		return 0;
	put32(o + OFF_MAGIC, PROTO_MAGIC);
	o[OFF_VERSION] = h->version;
	o[OFF_KIND] = h->kind;
	put32(o + OFF_RUN_ID, (uint32_t)(h->run_id >> 32));
	put32(o + OFF_RUN_ID + 4, (uint32_t)h->run_id);
	put32(o + OFF_SEQ, h->seq);
	put16(o + OFF_TYPE, h->type);
	put16(o + OFF_LEN, h->len);
	memcpy(o + OFF_MAC, h->mac, sizeof(h->mac));
	memset(o + OFF_RESERVED, 0, PROTO_HDR_LEN - OFF_RESERVED);
	if (h->len)
		memcpy(o + PROTO_HDR_LEN, payload, h->len);
	return PROTO_HDR_LEN + (size_t)h->len;
}

int proto_decode(const void *buf, size_t len, struct proto_hdr *h,
		 const uint8_t **payload, char *err, size_t errlen)
{
	const uint8_t *b = buf;
	uint32_t magic;

	/* Magic first: anything else on the port is foreign, whatever its size. */
	if (len >= 4 && (magic = get32(b + OFF_MAGIC)) != PROTO_MAGIC)
		return fail(err, errlen, "bad magic 0x%08x, not irqlab (\"IRQL\")", magic);
	if (len < PROTO_HDR_LEN)
		return fail(err, errlen, "truncated: %u bytes, the header alone is %u",
			    (unsigned)len, PROTO_HDR_LEN);
	if (len > PROTO_MAX_DATAGRAM)
		return fail(err, errlen, "oversized: %u bytes, at most %u",
			    len > 0xffffffffu ? 0xffffffffu : (unsigned)len,
			    PROTO_MAX_DATAGRAM);
	memset(h, 0, sizeof(*h));
	h->version = b[OFF_VERSION];
	h->kind = b[OFF_KIND];
	h->run_id = (uint64_t)get32(b + OFF_RUN_ID) << 32 | get32(b + OFF_RUN_ID + 4);
	h->seq = get32(b + OFF_SEQ);
	h->type = get16(b + OFF_TYPE);
	h->len = get16(b + OFF_LEN);
	memcpy(h->mac, b + OFF_MAC, sizeof(h->mac));
	/* Version first: a later version may change everything after it. */
	if (h->version != PROTO_VERSION)
		return fail(err, errlen, "protocol version %u, this side speaks %u",
			    h->version, PROTO_VERSION);
	if ((size_t)h->len != len - PROTO_HDR_LEN)
		return fail(err, errlen, "length field says %u payload bytes, %u arrived",
			    h->len, (unsigned)(len - PROTO_HDR_LEN));
	if (!all_zero(b + OFF_RESERVED, PROTO_HDR_LEN - OFF_RESERVED))
		return fail(err, errlen, "reserved header bytes 28..31 are not zero");
	if (check_hdr(h, b + PROTO_HDR_LEN, err, errlen) < 0)
		return -1;
	*payload = b + PROTO_HDR_LEN;
	if (err && errlen)
		err[0] = '\0';
	return 0;
}

/* ---- NACK: ranges of missing sequence numbers */

static int check_ranges(const struct proto_range *r, unsigned n, char *err, size_t errlen)
{
	unsigned i;

	if (n < 1 || n > PROTO_MAX_NACK_RANGES)
		return fail(err, errlen, "NACK with %u ranges (1..%u)", n, PROTO_MAX_NACK_RANGES);
	for (i = 0; i < n; i++) {
		if (!r[i].count)
			return fail(err, errlen, "NACK range %u is empty", i);
		if ((uint64_t)r[i].first + r[i].count > 0x100000000ull)
			return fail(err, errlen, "NACK range %u (%u+%u) passes 2^32",
				    i, r[i].first, r[i].count);
		/* Ascending with a gap between: one seq is never asked twice
		 * in one NACK, and the receiver can bound its work. */
		if (i && r[i].first <= r[i - 1].first + r[i - 1].count)
			return fail(err, errlen, "NACK range %u (first %u) overlaps, touches "
				    "or precedes range %u", i, r[i].first, i - 1);
	}
	return 0;
}

size_t proto_nack_encode(const struct proto_range *r, unsigned n, void *out, size_t outlen)
{
	uint8_t *o = out;
	unsigned i;

	if (check_ranges(r, n, NULL, 0) < 0 || outlen < (size_t)n * PROTO_NACK_RANGE_LEN)
		return 0;
	for (i = 0; i < n; i++) {
		put32(o + i * PROTO_NACK_RANGE_LEN, r[i].first);
		put32(o + i * PROTO_NACK_RANGE_LEN + 4, r[i].count);
	}
	return (size_t)n * PROTO_NACK_RANGE_LEN;
}

int proto_nack_decode(const uint8_t *p, size_t len, struct proto_range *r,
		      unsigned max, unsigned *n, char *err, size_t errlen)
{
	unsigned i, cnt;

	if (!len || len % PROTO_NACK_RANGE_LEN)
		return fail(err, errlen, "NACK payload of %u bytes is not a positive "
			    "multiple of %u", (unsigned)len, PROTO_NACK_RANGE_LEN);
	if (len > (size_t)PROTO_MAX_NACK_RANGES * PROTO_NACK_RANGE_LEN)
		return fail(err, errlen, "NACK with %u ranges (1..%u)",
			    (unsigned)(len / PROTO_NACK_RANGE_LEN), PROTO_MAX_NACK_RANGES);
	cnt = (unsigned)(len / PROTO_NACK_RANGE_LEN);
	if (cnt > max)
		return fail(err, errlen, "NACK with %u ranges, room for %u", cnt, max);
	for (i = 0; i < cnt; i++) {
		r[i].first = get32(p + i * PROTO_NACK_RANGE_LEN);
		r[i].count = get32(p + i * PROTO_NACK_RANGE_LEN + 4);
	}
	if (check_ranges(r, cnt, err, errlen) < 0)
		return -1;
	*n = cnt;
	if (err && errlen)
		err[0] = '\0';
	return 0;
}

/* ---- ACK */

static int check_ack(const struct proto_ack *a, char *err, size_t errlen)
{
	if (a->records != a->end_seq)
		return fail(err, errlen, "ACK says %u records but the END record is seq %u",
			    a->records, a->end_seq);
	if (a->status != PROTO_ACK_OK && a->status != PROTO_ACK_MISMATCH)
		return fail(err, errlen, "ACK status %u unknown (0 ok, 1 mismatch)", a->status);
	return 0;
}

size_t proto_ack_encode(const struct proto_ack *a, void *out, size_t outlen)
{
	uint8_t *o = out;

	if (check_ack(a, NULL, 0) < 0 || outlen < PROTO_ACK_LEN)
		return 0;
	put32(o, a->end_seq);
	put32(o + 4, a->records);
	put32(o + 8, a->checksum);
	o[12] = a->status;
	o[13] = o[14] = o[15] = 0;
	return PROTO_ACK_LEN;
}

int proto_ack_decode(const uint8_t *p, size_t len, struct proto_ack *a,
		     char *err, size_t errlen)
{
	if (len != PROTO_ACK_LEN)
		return fail(err, errlen, "ACK payload of %u bytes, must be %u",
			    (unsigned)len, PROTO_ACK_LEN);
	if (!all_zero(p + 13, 3))
		return fail(err, errlen, "ACK padding bytes 13..15 are not zero");
	a->end_seq = get32(p);
	a->records = get32(p + 4);
	a->checksum = get32(p + 8);
	a->status = p[12];
	if (check_ack(a, err, errlen) < 0)
		return -1;
	if (err && errlen)
		err[0] = '\0';
	return 0;
}

/* ---- CRC-32: reflected polynomial 0xedb88320 (zlib, IEEE 802.3), four
 * bits per step from a 16-entry table: no initialisation, 64 bytes. */
static const uint32_t crc_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
	0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
	0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t proto_crc32(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;

	crc = ~crc;
	while (n--) {
		crc ^= *b++;
		crc = (crc >> 4) ^ crc_nibble[crc & 15];
		crc = (crc >> 4) ^ crc_nibble[crc & 15];
	}
	return ~crc;
}

uint32_t proto_record_crc(uint32_t crc, uint16_t type, const void *payload, uint16_t len)
{
	uint8_t h[4];

	put16(h, type);
	put16(h + 2, len);
	crc = proto_crc32(crc, h, sizeof(h));
	return proto_crc32(crc, payload, len);
}

/* ---- the END record's payload */

size_t proto_end_format(char *buf, size_t buflen, uint32_t records, uint32_t checksum,
			uint32_t lost)
{
	if (!buf || buflen < PROTO_END_MAX_LEN + 1) {
		if (buf && buflen)
			buf[0] = '\0';
		return 0;
	}
	if (!lost)
		return fmt(buf, buflen, "{\"records\":%u,\"checksum\":\"%08x\"}",
			   records, checksum);
	return fmt(buf, buflen, "{\"records\":%u,\"checksum\":\"%08x\",\"lost\":%u}",
		   records, checksum, lost);
}

static size_t slen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* Match literal text at *pos. */
static bool take(const uint8_t *p, size_t len, size_t *pos, const char *lit)
{
	size_t n = slen(lit);

	if (len - *pos < n || memcmp(p + *pos, lit, n))
		return false;
	*pos += n;
	return true;
}

/* A decimal u32 without leading zeros at *pos. */
static bool take_u32(const uint8_t *p, size_t len, size_t *pos, uint32_t *out)
{
	size_t start = *pos;
	uint64_t n = 0;

	while (*pos < len && p[*pos] >= '0' && p[*pos] <= '9' && *pos - start < 11)
		n = n * 10 + (p[(*pos)++] - '0');
	if (*pos == start || (p[start] == '0' && *pos - start > 1) || n > 0xffffffffu)
		return false;
	*out = (uint32_t)n;
	return true;
}

int proto_end_parse(const void *json, size_t len, uint32_t *records,
		    uint32_t *checksum, uint32_t *lost, char *err, size_t errlen)
{
	const uint8_t *p = json;
	size_t pos = 0, start;
	uint32_t n, c = 0, l = 0;

	if (!take(p, len, &pos, "{\"records\":"))
		return fail(err, errlen, "END payload does not start with {\"records\":");
	if (!take_u32(p, len, &pos, &n))
		return fail(err, errlen, "END record count is not a decimal number "
			    "0..4294967295 without leading zeros");
	if (!take(p, len, &pos, ",\"checksum\":\""))
		return fail(err, errlen, "END payload: expected ,\"checksum\":\" after the count");
	for (start = pos; pos < len && pos - start < 8; pos++) {
		uint8_t d = p[pos];

		if (d >= '0' && d <= '9')
			c = c << 4 | (uint32_t)(d - '0');
		else if (d >= 'a' && d <= 'f')
			c = c << 4 | (uint32_t)(d - 'a' + 10);
		else
			break;
	}
	if (pos - start != 8 || !take(p, len, &pos, "\""))
		return fail(err, errlen, "END checksum is not 8 lowercase hex digits");
	if (take(p, len, &pos, ",\"lost\":") && !take_u32(p, len, &pos, &l))
		return fail(err, errlen, "END lost count is not a decimal number "
			    "0..4294967295 without leading zeros");
	if (!take(p, len, &pos, "}") || pos != len)
		return fail(err, errlen, "END payload: expected } after the checksum "
			    "(or after ,\"lost\":N) and nothing more");
	*records = n;
	*checksum = c;
	*lost = l;
	if (err && errlen)
		err[0] = '\0';
	return 0;
}

/* ---- record type names */

const char *proto_type_name(unsigned type)
{
	return type >= 1 && type <= REC_TYPE_MAX ? type_names[type] : "?";
}

unsigned proto_type_parse(const char *name, size_t len)
{
	unsigned t;

	for (t = 1; t <= REC_TYPE_MAX; t++)
		if (slen(type_names[t]) == len && !memcmp(type_names[t], name, len))
			return t;
	return 0;
}
