/*
 * proto.h - irqlab's result protocol over UDP (docs/protocol.md has the
 * byte layout). Pure code, shared by the image and the host collector:
 * no I/O, no allocation, strict parsing of untrusted bytes.
 *
 * Every datagram: a 32-byte header, then a payload.
 *   RECORD  image -> collector: payload = one record's JSON object
 *   NACK    collector -> image: payload = ranges of missing sequence numbers
 *   ACK     collector -> image: the end-of-run record arrived complete;
 *           payload = end seq, record count, checksum, status
 * All header integers are big-endian (network order).
 *
 * Whatever proto_encode() accepts, proto_decode() accepts, and the other
 * way round: both check the same rules (docs/protocol.md, "Validity").
 */
#ifndef IRQLAB_NET_PROTO_H
#define IRQLAB_NET_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_MAGIC		0x4952514cu	/* "IRQL" */
#define PROTO_VERSION		1
#define PROTO_DEFAULT_PORT	17017
#define PROTO_HDR_LEN		32
#define PROTO_MAX_PAYLOAD	1400
#define PROTO_MAX_DATAGRAM	(PROTO_HDR_LEN + PROTO_MAX_PAYLOAD)
#define PROTO_MAX_NACK_RANGES	64
#define PROTO_NACK_RANGE_LEN	8	/* first, count: two u32 BE */
#define PROTO_ACK_LEN		16	/* end_seq, records, checksum, status, 3 zero */

/* Timings both sides follow (docs/protocol.md, "Exchange"). */
#define PROTO_NACK_INTERVAL_MS	200	/* collector: NACK open gaps this often */
#define PROTO_END_RESEND_MS	500	/* image: resend END until ACKed */
#define PROTO_END_TIMEOUT_MS	10000	/* image: give up after this without ACK or NACK (default) */
#define PROTO_END_MAX_WAIT_MS	(6 * PROTO_END_TIMEOUT_MS)	/* ... or this after the first END */
#define PROTO_MAX_RETRANSMIT	256	/* image: records resent per NACK, at most */

/* The end-of-run record's payload, exactly one of
 *	{"records":N,"checksum":"%08x"}
 *	{"records":N,"checksum":"%08x","lost":L}
 * no spaces, numbers decimal without leading zeros, 8 lowercase hex digits.
 * L counts records the image could not log (log full, too long). */
#define PROTO_END_MAX_LEN	62

enum proto_kind {
	PROTO_RECORD = 1,
	PROTO_NACK = 2,
	PROTO_ACK = 3,
};

enum proto_ack_status {
	PROTO_ACK_OK = 0,		/* every record arrived, checksum matches */
	PROTO_ACK_MISMATCH = 1,		/* every record arrived, checksum differs
					 * (or the END payload is malformed) */
};

struct proto_hdr {
	uint8_t version;	/* PROTO_VERSION */
	uint8_t kind;		/* enum proto_kind */
	uint64_t run_id;	/* never 0 */
	uint32_t seq;		/* RECORD: its number; NACK/ACK: 0 */
	uint16_t type;		/* RECORD: enum record_type (1..REC_TYPE_MAX); else 0 */
	uint16_t len;		/* payload bytes */
	uint8_t mac[6];		/* RECORD: sender's MAC; NACK/ACK: zeros */
};

struct proto_range {
	uint32_t first, count;	/* count >= 1, first + count <= 2^32 */
};

struct proto_ack {
	uint32_t end_seq;	/* sequence number of the END record */
	uint32_t records;	/* records 0..records-1 all received; == end_seq */
	uint32_t checksum;	/* CRC-32 the collector computed */
	uint8_t status;		/* enum proto_ack_status */
};

/* Header + payload into out; bytes written, or 0 if it does not fit or
 * the header or payload breaks a rule proto_decode() checks. */
size_t proto_encode(const struct proto_hdr *h, const void *payload,
		    void *out, size_t outlen);
/* Strict: magic, version, kind, length must match exactly; reserved bytes
 * zero; run id not 0; RECORD type known and payload a one-line JSON object ('{' ... '}',
 * no byte below 0x20); NACK/ACK seq, type and MAC zero. 0, or -1 with a
 * reason in err (always terminated when errlen > 0). *payload points into
 * buf. */
int proto_decode(const void *buf, size_t len, struct proto_hdr *h,
		 const uint8_t **payload, char *err, size_t errlen);

/* NACK payload: 1..PROTO_MAX_NACK_RANGES ranges, ascending, not
 * overlapping or touching. */
size_t proto_nack_encode(const struct proto_range *r, unsigned n, void *out, size_t outlen);
int proto_nack_decode(const uint8_t *p, size_t len, struct proto_range *r,
		      unsigned max, unsigned *n, char *err, size_t errlen);
size_t proto_ack_encode(const struct proto_ack *a, void *out, size_t outlen);
int proto_ack_decode(const uint8_t *p, size_t len, struct proto_ack *a,
		     char *err, size_t errlen);

/* CRC-32 (IEEE 802.3, as zlib's crc32), chained: start with 0. */
uint32_t proto_crc32(uint32_t crc, const void *p, size_t n);
/* The end-of-run checksum folds in every record 0..N-1 in order:
 * type (2 bytes BE), length (2 bytes BE), payload. */
uint32_t proto_record_crc(uint32_t crc, uint16_t type, const void *payload, uint16_t len);

/* The END payload: formatted into buf (terminated; the short form when
 * lost is 0), length returned, 0 if buflen < PROTO_END_MAX_LEN + 1.
 * Parsing accepts exactly the two forms above (*lost = 0 for the short). */
size_t proto_end_format(char *buf, size_t buflen, uint32_t records, uint32_t checksum,
			uint32_t lost);
int proto_end_parse(const void *json, size_t len, uint32_t *records,
		    uint32_t *checksum, uint32_t *lost, char *err, size_t errlen);

/* Record type names as on the serial console ("run", "bench", ... "end"),
 * the one table for enum record_type. proto_type_name() returns "?" for an
 * unknown type; proto_type_parse() returns 0 for an unknown name. */
const char *proto_type_name(unsigned type);
unsigned proto_type_parse(const char *name, size_t len);

#endif
