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

enum proto_kind {
	PROTO_RECORD = 1,
	PROTO_NACK = 2,
	PROTO_ACK = 3,
};

struct proto_hdr {
	uint8_t version;	/* PROTO_VERSION */
	uint8_t kind;		/* enum proto_kind */
	uint64_t run_id;
	uint32_t seq;		/* RECORD: its number; NACK/ACK: 0 */
	uint16_t type;		/* RECORD: enum record_type; else 0 */
	uint16_t len;		/* payload bytes */
	uint8_t mac[6];		/* sender's MAC (collector: zeros) */
};

struct proto_range {
	uint32_t first, count;
};

struct proto_ack {
	uint32_t end_seq;	/* sequence number of the END record */
	uint32_t records;	/* records 0..records-1 all received */
	uint32_t checksum;	/* CRC-32 the collector computed */
	uint8_t status;		/* 0 = checksum matches, 1 = mismatch */
};

/* Header + payload into out; bytes written, or 0 if it does not fit or
 * the header is invalid (len > PROTO_MAX_PAYLOAD, unknown kind). */
size_t proto_encode(const struct proto_hdr *h, const void *payload,
		    void *out, size_t outlen);
/* Strict: magic, version, kind, length must match exactly. 0 or -1 with
 * a reason in err. *payload points into buf. */
int proto_decode(const void *buf, size_t len, struct proto_hdr *h,
		 const uint8_t **payload, char *err, size_t errlen);

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

#endif
