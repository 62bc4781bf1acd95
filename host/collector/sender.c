/*
 * sender - a simulated irqlab machine for the collector's tests: it keeps
 * a log of generated records, sends them over UDP with a run id and MAC,
 * answers NACKs from the log, resends END every 500 ms until ACKed and
 * gives up after --end-timeout-s (docs/protocol.md, "Exchange": the same
 * rules the image follows). It can also write the serial form of its log.
 *
 * Exit status: 0 ACKed with the checksum verified; 1 ACKed with a checksum
 * mismatch; 2 bad usage; 3 no ACK before the timeout.
 */
#include "sender.h"
#include "net/proto.h"
#include "record/record.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"usage: sender [options]   a simulated irqlab machine (docs/protocol.md)\n"
	"  --to ADDR:PORT            collector (default 127.0.0.1:17017)\n"
	"  --run-id HEX              16 hex digits (default: from --seed)\n"
	"  --mac aa:bb:cc:dd:ee:ff   (default: 02:00 + low bytes of the run id)\n"
	"  --records N               records before END (default 100)\n"
	"  --seed S                  payloads and drops (default 1)\n"
	"  --rate R                  records per second, 0 = as fast as possible\n"
	"  --end-timeout-s S         give up this long after END without ACK/NACK (10)\n"
	"  --drop-percent P          drop P% of outgoing datagrams\n"
	"  --drop-control-percent P  drop P% of incoming NACK/ACK datagrams\n"
	"  --corrupt-seq K           change record K after the checksum is computed\n"
	"  --lost L                  END says L records were lost in the log\n"
	"  --serial-out FILE         write the serial form of the log\n"
	"  --serial-crlf             ... with CR LF line ends\n"
	"  --serial-noise            ... with console lines that are not records\n"
	"  --sent-out FILE           write 'seq<TAB>type<TAB>json' of every record\n"
	"  --junk                    first send one datagram of each malformed kind\n"
	"  --no-net                  only write the files\n"
	"  --quiet                   only the outcome line\n";

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static __attribute__((noreturn)) void die(const char *what, const char *arg)
{
	fprintf(stderr, "sender: %s '%s'\n%s", what, arg, usage);
	exit(2);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

struct net {
	int fd;
	struct sockaddr_in to;
	uint64_t run_id;
	uint8_t mac[6];
	double drop, drop_control;
	uint64_t sent, dropped, retransmitted, nacks, foreign, bad, ctl_dropped, beyond;
	bool acked;
	struct proto_ack ack;
	double last_nack;
};

static void send_rec(struct net *n, uint32_t seq)
{
	struct proto_hdr h = { .version = PROTO_VERSION, .kind = PROTO_RECORD,
			       .run_id = n->run_id, .seq = seq, .type = log_[seq].type,
			       .len = log_[seq].len };
	uint8_t out[PROTO_MAX_DATAGRAM];
	size_t len;

	memcpy(h.mac, n->mac, 6);
	len = proto_encode(&h, log_[seq].json, out, sizeof(out));
	if (!len) {
		fprintf(stderr, "sender: internal: record %u does not encode\n", seq);
		exit(2);
	}
	if (n->drop > 0 && rnd_percent() < n->drop) {
		n->dropped++;
		return;
	}
	/* Loopback never loses a datagram to a full socket buffer of the
	 * sender: ENOBUFS means wait a little and try again. */
	for (int tries = 0; sendto(n->fd, out, len, 0, (struct sockaddr *)&n->to,
				   sizeof(n->to)) < 0; tries++) {
		if ((errno != ENOBUFS && errno != EAGAIN) || tries > 100) {
			n->dropped++;
			return;
		}
		usleep(1000);
	}
	n->sent++;
}

/* One datagram of each kind the collector must refuse, each differing
 * from a good record in one way; JUNK_KINDS of them. */
#define JUNK_KINDS 12
static void send_junk(struct net *n)
{
	static const char *const bodies[] = {
		"{\"a\":}", "{\"bad utf8\":\"\xc3\x28\"}", "{\"deep\":[[[[[[[[[[[[[[[[[["
		"[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	};
	uint8_t good[PROTO_MAX_DATAGRAM], b[2100];
	struct proto_hdr h = { .version = PROTO_VERSION, .kind = PROTO_RECORD,
			       .run_id = n->run_id ^ 0x5a5a, .seq = 0, .type = REC_INFO, .len = 2 };
	size_t len, glen;

	memcpy(h.mac, n->mac, 6);
	glen = proto_encode(&h, "{}", good, sizeof(good));
	for (int k = 0; k < JUNK_KINDS; k++) {
		memcpy(b, good, glen);
		len = glen;
		switch (k) {
		case 0: len = (size_t)snprintf((char *)b, sizeof(b), "GET / HTTP/1.0\r\n\r\n"); break;
		case 1: len = 20; break;				/* truncated header */
		case 2: memset(b + glen, ' ', 2000); len = 2000; break;	/* oversized */
		case 3: b[4] = 2; break;				/* version 2 */
		case 4: b[30] = 1; break;				/* reserved */
		case 5: len = glen - 1; break;				/* length field */
		case 6: {						/* a NACK, to a collector */
			struct proto_hdr c = { .version = PROTO_VERSION, .kind = PROTO_NACK,
					       .run_id = n->run_id, .len = 8 };
			struct proto_range r = { 0, 1 };
			uint8_t pl[8];

			proto_nack_encode(&r, 1, pl, sizeof(pl));
			len = proto_encode(&c, pl, b, sizeof(b));
			break;
		}
		case 7: b[19] = 0; break;				/* type 0 */
		case 8: case 9: case 10:				/* JSON the framing allows */
			h.len = (uint16_t)strlen(bodies[k - 8]);
			len = proto_encode(&h, bodies[k - 8], b, sizeof(b));
			break;
		case 11: b[PROTO_HDR_LEN] = '['; break;			/* not an object */
		}
		sendto(n->fd, b, len, 0, (struct sockaddr *)&n->to, sizeof(n->to));
	}
}

/* Control datagrams count only from the collector's address and with our
 * run id; everything else is counted and ignored, as in the image. */
static void handle_control(struct net *n, int wait_ms)
{
	struct pollfd p = { .fd = n->fd, .events = POLLIN };

	if (poll(&p, 1, wait_ms) <= 0)
		return;
	for (;;) {
		uint8_t buf[2048];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(n->fd, buf, sizeof(buf), MSG_DONTWAIT,
				       (struct sockaddr *)&from, &fl);
		struct proto_range r[PROTO_MAX_NACK_RANGES];
		struct proto_hdr h;
		const uint8_t *pl;
		unsigned nr, budget = PROTO_MAX_RETRANSMIT;
		char err[160];

		if (len < 0)
			return;
		if (from.sin_addr.s_addr != n->to.sin_addr.s_addr || from.sin_port != n->to.sin_port) {
			n->foreign++;
			continue;
		}
		if (proto_decode(buf, (size_t)len, &h, &pl, err, sizeof(err)) < 0) {
			n->bad++;
			continue;
		}
		if (h.run_id != n->run_id) {
			n->foreign++;
			continue;
		}
		if (n->drop_control > 0 && rnd_percent() < n->drop_control) {
			n->ctl_dropped++;
			continue;
		}
		if (h.kind == PROTO_ACK) {
			if (proto_ack_decode(pl, h.len, &n->ack, err, sizeof(err)) < 0 ||
			    n->ack.end_seq != nrec) {
				n->bad++;
				continue;
			}
			n->acked = true;
			continue;
		}
		if (h.kind != PROTO_NACK ||
		    proto_nack_decode(pl, h.len, r, PROTO_MAX_NACK_RANGES, &nr, err, sizeof(err)) < 0) {
			n->bad++;
			continue;
		}
		n->nacks++;
		n->last_nack = now_s();
		for (unsigned i = 0; i < nr; i++)
			for (uint64_t s = r[i].first; s < (uint64_t)r[i].first + r[i].count; s++) {
				if (s > nrec) {
					n->beyond++;
					break;
				}
				if (!budget--)
					goto next;
				send_rec(n, (uint32_t)s);
				n->retransmitted++;
			}
next:;
	}
}

int main(int argc, char **argv)
{
	const char *to = "127.0.0.1:17017", *serial_out = NULL, *sent_out = NULL, *mac_s = NULL;
	uint64_t run_id = 0, seed = 1;
	double rate = 0, end_timeout = PROTO_END_TIMEOUT_MS / 1000.0;
	long corrupt = -1;
	unsigned long lost = 0;
	bool crlf = false, noise = false, nonet = false, quiet = false, have_id = false;
	bool junk = false;
	struct net n = { .fd = -1, .to = { .sin_family = AF_INET } };
	char mac_text[18], ip[64];
	uint32_t crc;
	unsigned port;
	double t0, t_end, last_resend;

	nrec = 100;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;

		if (!strcmp(o, "--serial-crlf")) { crlf = true; continue; }
		if (!strcmp(o, "--serial-noise")) { noise = true; continue; }
		if (!strcmp(o, "--no-net")) { nonet = true; continue; }
		if (!strcmp(o, "--junk")) { junk = true; continue; }
		if (!strcmp(o, "--quiet")) { quiet = true; continue; }
		if (!strcmp(o, "--help")) { fputs(usage, stdout); return 0; }
		if (!v)
			die("missing value or unknown option", o);
		i++;
		errno = 0;
		if (!strcmp(o, "--to")) to = v;
		else if (!strcmp(o, "--run-id")) { run_id = strtoull(v, &end, 16); have_id = true;
			if (strlen(v) != 16 || *end || errno) die("--run-id needs 16 hex digits, not", v); }
		else if (!strcmp(o, "--mac")) mac_s = v;
		else if (!strcmp(o, "--records")) { unsigned long x = strtoul(v, &end, 10);
			if (*end || !*v || errno || x > 10000000) die("--records needs 0..10000000, not", v);
			nrec = (uint32_t)x; }
		else if (!strcmp(o, "--seed")) { seed = strtoull(v, &end, 10);
			if (*end || !*v || errno) die("--seed needs a number, not", v); }
		else if (!strcmp(o, "--rate")) { rate = strtod(v, &end);
			if (*end || !*v || rate < 0) die("--rate needs a number >= 0, not", v); }
		else if (!strcmp(o, "--end-timeout-s")) { end_timeout = strtod(v, &end);
			if (*end || !*v || end_timeout <= 0) die("--end-timeout-s needs a number > 0, not", v); }
		else if (!strcmp(o, "--drop-percent")) { n.drop = strtod(v, &end);
			if (*end || !*v || n.drop < 0 || n.drop > 100) die("--drop-percent needs 0..100, not", v); }
		else if (!strcmp(o, "--drop-control-percent")) { n.drop_control = strtod(v, &end);
			if (*end || !*v || n.drop_control < 0 || n.drop_control > 100)
				die("--drop-control-percent needs 0..100, not", v); }
		else if (!strcmp(o, "--corrupt-seq")) { corrupt = strtol(v, &end, 10);
			if (*end || !*v || corrupt < 0) die("--corrupt-seq needs a number >= 0, not", v); }
		else if (!strcmp(o, "--lost")) { lost = strtoul(v, &end, 10);
			if (*end || !*v || errno || lost > UINT32_MAX) die("--lost needs a number, not", v); }
		else if (!strcmp(o, "--serial-out")) serial_out = v;
		else if (!strcmp(o, "--sent-out")) sent_out = v;
		else die("unknown option", o);
	}
	rnd_seed(seed);
	if (!have_id)
		run_id = rnd() | 1;
	if (mac_s ? parse_mac(mac_s, n.mac) < 0 : 0)
		die("--mac needs aa:bb:cc:dd:ee:ff, not", mac_s);
	if (!mac_s) {
		uint8_t m[6] = { 0x02, 0x00, (uint8_t)(run_id >> 24), (uint8_t)(run_id >> 16),
				 (uint8_t)(run_id >> 8), (uint8_t)run_id };

		memcpy(n.mac, m, 6);
	}
	if (corrupt >= (long)nrec)
		die("--corrupt-seq must name a record before END", "");
	snprintf(mac_text, sizeof(mac_text), "%02x:%02x:%02x:%02x:%02x:%02x",
		 n.mac[0], n.mac[1], n.mac[2], n.mac[3], n.mac[4], n.mac[5]);
	n.run_id = run_id;

	generate(run_id, mac_text, seed);
	crc = checksum();
	{
		char j[PROTO_END_MAX_LEN + 1];

		proto_end_format(j, sizeof(j), nrec, crc, (uint32_t)lost);
		put(nrec, REC_END, j);
	}
	/* The negative control: the log changes after the checksum was taken,
	 * still valid JSON, so only the checksum can catch it. */
	if (corrupt >= 0) {
		char *p = log_[corrupt].json;

		while (*p && (*p < '0' || *p > '9'))
			p++;
		if (!*p)
			die("--corrupt-seq: no digit to change in record", log_[corrupt].json);
		*p = *p == '9' ? '8' : '9';
	}
	if (serial_out && write_serial(serial_out, run_id, crlf, noise) < 0) {
		fprintf(stderr, "sender: cannot write %s: %s\n", serial_out, strerror(errno));
		return 2;
	}
	if (sent_out && write_sent(sent_out) < 0) {
		fprintf(stderr, "sender: cannot write %s: %s\n", sent_out, strerror(errno));
		return 2;
	}
	if (nonet)
		return 0;

	if (sscanf(to, "%63[0-9.]:%u", ip, &port) != 2 || port < 1 || port > 65535 ||
	    inet_pton(AF_INET, ip, &n.to.sin_addr) != 1)
		die("--to needs IPv4:PORT, not", to);
	n.to.sin_port = htons((uint16_t)port);
	n.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n.fd < 0) {
		perror("sender: socket");
		return 2;
	}

	if (junk)
		send_junk(&n);
	t0 = now_s();
	for (uint32_t s = 0; s < nrec; s++) {
		send_rec(&n, s);
		if (rate > 0) {
			double due = t0 + (s + 1) / rate;

			while (now_s() < due)
				handle_control(&n, (int)((due - now_s()) * 1000) + 1);
		} else if (s % 16 == 15) {
			handle_control(&n, 0);
		}
	}
	send_rec(&n, nrec);
	t_end = last_resend = now_s();
	n.last_nack = t_end;
	/* Resend END until ACK; give up after end_timeout without an ACK or
	 * NACK, or 6 x end_timeout after END in any case. */
	while (!n.acked) {
		double now = now_s();

		if (now - n.last_nack >= end_timeout || now - t_end >= 6 * end_timeout)
			break;
		if (now - last_resend >= PROTO_END_RESEND_MS / 1000.0) {
			send_rec(&n, nrec);
			last_resend = now;
		}
		handle_control(&n, 20);
	}
	if (!quiet)
		fprintf(stderr, "sender %016llx: %u records + END in %.3f s (%.0f records/s); "
			"%llu NACKs, %llu retransmitted, %llu dropped (test), %llu control dropped "
			"(test), %llu foreign, %llu bad control\n", (unsigned long long)run_id,
			nrec, now_s() - t0, (nrec + 1) / (now_s() - t0),
			(unsigned long long)n.nacks, (unsigned long long)n.retransmitted,
			(unsigned long long)n.dropped, (unsigned long long)n.ctl_dropped,
			(unsigned long long)n.foreign, (unsigned long long)n.bad);
	if (!n.acked) {
		fprintf(stderr, "sender %016llx: no ACK after %.1f s: giving up (the collector "
			"may not have every record)\n", (unsigned long long)run_id,
			now_s() - t_end);
		return 3;
	}
	if (n.ack.status != PROTO_ACK_OK) {
		fprintf(stderr, "sender %016llx: ACK says checksum MISMATCH: collector computed "
			"%08x, ours %08x\n", (unsigned long long)run_id, n.ack.checksum, crc);
		return 1;
	}
	fprintf(stderr, "sender %016llx: ACK: collector verified checksum %08x over %u records\n",
		(unsigned long long)run_id, n.ack.checksum, nrec);
	return 0;
}
