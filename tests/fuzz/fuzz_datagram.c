/*
 * fuzz_datagram.c - libFuzzer target for the collector's datagram handler
 * (host/collector/core.c): a sequence of datagrams from a few peers with
 * time passing, then ticks (NACKs, idle ends) and shutdown. Every NACK and
 * ACK the collector sends must itself decode strictly.
 *
 * Input: chunks of [flags][len lo][len hi][len bytes]; flags bits 0-1 pick
 * the peer, bit 2 runs a tick after the datagram, bits 3-7 advance the
 * clock in 50 ms steps.
 */
#include "core.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_sent(void *ctx, const struct sockaddr_in *to, const void *buf, size_t len)
{
	struct proto_range r[PROTO_MAX_NACK_RANGES];
	struct proto_hdr h;
	struct proto_ack a;
	const uint8_t *pl;
	unsigned n;

	(void)ctx;
	(void)to;
	if (proto_decode(buf, len, &h, &pl, NULL, 0) < 0)
		abort();
	if (h.kind == PROTO_NACK
	    ? proto_nack_decode(pl, h.len, r, PROTO_MAX_NACK_RANGES, &n, NULL, 0) < 0
	    : h.kind != PROTO_ACK || proto_ack_decode(pl, h.len, &a, NULL, 0) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct coll c;
	struct sockaddr_in peers[4];
	double now = 1000;
	size_t pos = 0;

	coll_init(&c, now);
	c.max_records = 4096;	/* bounded memory per input */
	c.max_runs = 8;
	c.mem_limit = 1 << 20;
	c.idle_timeout_s = 5;
	c.linger_s = 2;
	c.send = check_sent;
	for (int i = 0; i < 4; i++) {
		memset(&peers[i], 0, sizeof(peers[i]));
		peers[i].sin_family = AF_INET;
		peers[i].sin_addr.s_addr = htonl(0x7f000001u + (unsigned)i);
		peers[i].sin_port = htons((uint16_t)(40000 + i));
	}
	while (size - pos >= 3) {
		uint8_t flags = data[pos];
		size_t len = (size_t)(data[pos + 1] | data[pos + 2] << 8);

		pos += 3;
		if (len > size - pos)
			len = size - pos;
		now += (flags >> 3) * 0.05;
		/* A private copy, exactly len bytes: ASan sees any overread. */
		{
			uint8_t *dg = malloc(len ? len : 1);

			memcpy(dg, data + pos, len);
			coll_datagram(&c, dg, len, &peers[flags & 3], now);
			free(dg);
		}
		pos += len;
		if (flags & 4)
			coll_tick(&c, now);
	}
	coll_tick(&c, now + 0.3);
	coll_tick(&c, now + 10);
	coll_finish_all(&c, now + 11, "fuzz input ended");
	coll_free(&c);
	if (c.mem_used || c.nruns || c.nactive)
		abort();	/* the memory budget's accounting drifted */
	return 0;
}
