/*
 * collector - receive irqlab runs over UDP (or from serial logs) into
 * SQLite and JSON-lines files. docs/protocol.md describes the protocol,
 * the database and every option; `collector --help` lists them.
 */
#include "core.h"
#include "store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"usage: collector [options]                 receive runs over UDP\n"
	"       collector --from-serial LOG [options]  ingest serial logs\n"
	"  --port N            UDP port (default 17017)\n"
	"  --bind ADDR         IPv4 address to listen on (default 0.0.0.0)\n"
	"  --db PATH           SQLite database (default build/results.sqlite)\n"
	"  --out-dir DIR       JSON-lines file per run (default build/runs)\n"
	"  --from-serial LOG   read records from a serial log instead (repeatable)\n"
	"  --exit-after-runs N exit once N runs have ended (complete or not)\n"
	"  --timeout-s S       exit after S seconds; runs still open end incomplete\n"
	"  --idle-timeout-s S  a run silent this long ends incomplete (default 60)\n"
	"  --max-records N     per run (default 1048576)\n"
	"  --max-memory-mb M   records held in memory, all runs (default 2048)\n"
	"  --rcvbuf BYTES      socket receive buffer (default 8 MiB; without root\n"
	"                      capped by net.core.rmem_max)\n"
	"  --quiet             no live progress line\n"
	"  --drop-percent P    TEST ONLY: drop P% of incoming datagrams at random\n"
	"  --seed S            seed for --drop-percent (default 1)\n"
	"exit status: 0 every run that ended is complete and verified (and, with\n"
	"--exit-after-runs, that many ended); 1 otherwise (runs still open at\n"
	"--timeout-s end incomplete); 2 bad usage or setup\n";

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static __attribute__((noreturn)) void die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "collector: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage);
	exit(2);
}

/* A whole decimal number in [min, max], or a usage error naming the option. */
static double num(const char *opt, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || v < min || v > max) {
		char msg[160];

		snprintf(msg, sizeof(msg), "%s: '%%s' is not a number in %g..%g", opt, min, max);
		die_usage(msg, s);
	}
	return v;
}

struct sock {
	int fd;
	uint64_t sent, send_errors;
};

static void udp_send(void *ctx, const struct sockaddr_in *to, const void *buf, size_t len)
{
	struct sock *s = ctx;

	if (sendto(s->fd, buf, len, 0, (const struct sockaddr *)to, sizeof(*to)) < 0)
		s->send_errors++;
	else
		s->sent++;
}

/* xorshift64*: the test-only drop decision, reproducible by --seed. */
static uint64_t rng_state = 1;

static double rng_percent(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 0x2545f4914f6cdd1dull) >> 11) / (double)(1ull << 53) * 100;
}

static void progress(struct coll *c, double now, double *last_t, uint64_t *last_n,
		     bool tty, bool final)
{
	uint64_t gaps = 0, bad;
	double dt = now - *last_t;

	for (struct run *r = c->runs; r; r = r->next)
		if (r->state == RUN_STREAMING)
			gaps += r->gaps;
	bad = c->st.foreign + c->st.truncated + c->st.oversized + c->st.malformed +
	      c->st.bad_json + c->st.control;
	fprintf(stderr, "%scollector: %u runs active, %u ended, %llu records (%.0f/s), "
		"%llu gaps outstanding, %llu bad datagrams%s",
		tty ? "\r" : "", c->nactive, c->st.runs_finished,
		(unsigned long long)c->st.records,
		dt > 0 ? (c->st.records - *last_n) / dt : 0.0, (unsigned long long)gaps,
		(unsigned long long)bad, tty && !final ? "   " : "\n");
	*last_t = now;
	*last_n = c->st.records;
}

static void final_report(struct coll *c, const char *db, const char *out_dir,
			 uint64_t dropped)
{
	const struct coll_stats *s = &c->st;

	fprintf(stderr, "collector: %u runs ended: %u complete, %u checksum mismatch, "
		"%u incomplete\n", s->runs_finished, s->runs_complete, s->runs_mismatch,
		s->runs_incomplete);
	fprintf(stderr, "collector: %llu datagrams, %llu new records, %llu duplicates, "
		"%llu refused (foreign %llu, truncated %llu, oversized %llu, malformed %llu, "
		"bad JSON %llu, control %llu, out of range %llu, no room %llu)",
		(unsigned long long)s->datagrams, (unsigned long long)s->records,
		(unsigned long long)s->dups,
		(unsigned long long)(s->foreign + s->truncated + s->oversized + s->malformed +
				     s->bad_json + s->control + s->beyond + s->no_room),
		(unsigned long long)s->foreign, (unsigned long long)s->truncated,
		(unsigned long long)s->oversized, (unsigned long long)s->malformed,
		(unsigned long long)s->bad_json, (unsigned long long)s->control,
		(unsigned long long)s->beyond, (unsigned long long)s->no_room);
	if (dropped)
		fprintf(stderr, ", %llu dropped by --drop-percent", (unsigned long long)dropped);
	fprintf(stderr, "\n");
	if (s->serial_lines)
		fprintf(stderr, "collector: %llu serial lines, %llu records, %llu malformed "
			"record lines\n", (unsigned long long)s->serial_lines,
			(unsigned long long)s->serial_records, (unsigned long long)s->serial_bad);
	if (c->log_suppressed)
		fprintf(stderr, "collector: %lu more complaints were not shown (rate limit)\n",
			c->log_suppressed);
	if (s->store_errors)
		fprintf(stderr, "collector: %llu DATABASE ERRORS\n",
			(unsigned long long)s->store_errors);
	fprintf(stderr, "collector: database %s (try: sqlite3 %s 'SELECT run_id, mac, state, "
		"records FROM runs'), JSON lines in %s/\n", db, db, out_dir);
}

static int ingest_serial(struct coll *c, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	uint64_t before = c->st.serial_records;

	if (!f) {
		fprintf(stderr, "collector: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) >= 0)
		coll_serial_line(c, line, (size_t)n, path, ++lineno, mono_now());
	free(line);
	if (ferror(f)) {
		fprintf(stderr, "collector: reading %s: %s\n", path, strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	if (c->st.serial_records == before)
		fprintf(stderr, "collector: %s: no \"@irqlab \" record lines in %lu lines\n",
			path, lineno);
	return 0;
}

int main(int argc, char **argv)
{
	const char *db = "build/results.sqlite", *out_dir = "build/runs", *bind_addr = "0.0.0.0";
	const char *serial[64];
	unsigned nserial = 0, exit_after = 0, port = PROTO_DEFAULT_PORT;
	double timeout_s = 0, drop = 0, now, start, last_tick, last_prog;
	int rcvbuf = 8 << 20;
	uint64_t last_n = 0, dropped = 0;
	bool quiet = false, tty = isatty(2);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sock sk = { .fd = -1 };
	struct coll c;
	char err[512];
	int status;

	now = mono_now();
	coll_init(&c, now);
	c.wall_offset = wall_now() - now;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			fputs(usage, stdout);
			return 0;
		}
		if (!strcmp(o, "--quiet")) {
			quiet = true;
			continue;
		}
		if (strncmp(o, "--", 2))
			die_usage("unexpected argument '%s'", o);
		if (!v)
			die_usage("%s needs a value", o);
		i++;
		if (!strcmp(o, "--port"))
			port = (unsigned)num(o, v, 1, 65535);
		else if (!strcmp(o, "--bind"))
			bind_addr = v;
		else if (!strcmp(o, "--db"))
			db = v;
		else if (!strcmp(o, "--out-dir"))
			out_dir = v;
		else if (!strcmp(o, "--from-serial")) {
			if (nserial == sizeof(serial) / sizeof(serial[0]))
				die_usage("%s: at most 64 logs", o);
			serial[nserial++] = v;
		} else if (!strcmp(o, "--exit-after-runs"))
			exit_after = (unsigned)num(o, v, 1, 1e6);
		else if (!strcmp(o, "--timeout-s"))
			timeout_s = num(o, v, 0.1, 1e7);
		else if (!strcmp(o, "--idle-timeout-s"))
			c.idle_timeout_s = num(o, v, 0.1, 1e7);
		else if (!strcmp(o, "--max-records"))
			c.max_records = (uint32_t)num(o, v, 1, 4294967295.0);
		else if (!strcmp(o, "--max-memory-mb"))
			c.mem_limit = (size_t)num(o, v, 1, 1 << 20) << 20;
		else if (!strcmp(o, "--rcvbuf"))
			rcvbuf = (int)num(o, v, 4096, 1 << 30);
		else if (!strcmp(o, "--drop-percent"))
			drop = num(o, v, 0, 100);
		else if (!strcmp(o, "--seed"))
			rng_state = (uint64_t)num(o, v, 0, 1e18) * 2 + 1;
		else
			die_usage("unknown option '%s'", o);
	}
	if (inet_pton(AF_INET, bind_addr, &sin.sin_addr) != 1)
		die_usage("--bind: '%s' is not an IPv4 address", bind_addr);
	sin.sin_port = htons((uint16_t)port);

	c.store = store_open(db, out_dir, err, sizeof(err));
	if (!c.store) {
		fprintf(stderr, "collector: %s\n", err);
		return 2;
	}
	c.db_path = db;
	c.out_dir = out_dir;
	c.report = stdout;
	c.log = stderr;

	if (nserial) {
		status = 0;
		for (unsigned i = 0; i < nserial; i++)
			if (ingest_serial(&c, serial[i]) < 0)
				status = 2;
		coll_serial_done(&c, mono_now());
		final_report(&c, db, out_dir, 0);
		if (!status && (c.st.runs_finished == 0 || c.st.runs_complete != c.st.runs_finished ||
				c.st.store_errors))
			status = 1;
		coll_free(&c);
		store_close(c.store);
		return status;
	}

	sk.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk.fd < 0 || bind(sk.fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		fprintf(stderr, "collector: cannot listen on %s:%u/udp: %s\n", bind_addr, port,
			strerror(errno));
		return 2;
	}
	/* A lab's worth of machines bursting at once: a big receive buffer
	 * (the kernel caps it at net.core.rmem_max) turns fewer bursts
	 * into losses that need a NACK round trip. */
	/* As root, SO_RCVBUFFORCE passes the rmem_max cap (often 208 KiB). */
	if (setsockopt(sk.fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(sk.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	{
		socklen_t l = sizeof(rcvbuf);

		getsockopt(sk.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &l);
	}
	c.send = udp_send;
	c.send_ctx = &sk;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "collector: listening on %s:%u/udp (receive buffer %d KiB), database %s, "
		"JSON lines in %s/%s\n", bind_addr, port, rcvbuf >> 10, db, out_dir,
		drop > 0 ? " (TEST MODE: dropping incoming datagrams)" : "");

	start = last_tick = last_prog = mono_now();
	status = 0;
	for (;;) {
		struct pollfd pfd = { .fd = sk.fd, .events = POLLIN };
		double tick_s = PROTO_NACK_INTERVAL_MS / 1000.0;
		int wait_ms = (int)((last_tick + tick_s - mono_now()) * 1000) + 1;

		if (poll(&pfd, 1, wait_ms < 0 ? 0 : wait_ms) < 0 && errno != EINTR) {
			fprintf(stderr, "collector: poll: %s\n", strerror(errno));
			status = 2;
			break;
		}
		/* Drain what is queued, but tick at least every interval even
		 * under a flood. */
		for (int k = 0; k < 4096 && (pfd.revents & POLLIN); k++) {
			uint8_t buf[65536];
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(sk.fd, buf, sizeof(buf), MSG_DONTWAIT,
					     (struct sockaddr *)&from, &fl);

			if (n < 0)
				break;
			if (drop > 0 && rng_percent() < drop) {
				dropped++;
				continue;
			}
			if (fl != sizeof(from) || from.sin_family != AF_INET)
				continue;
			coll_datagram(&c, buf, (size_t)n, &from, mono_now());
		}
		now = mono_now();
		if (now - last_tick >= tick_s) {
			coll_tick(&c, now);
			last_tick = now;
		}
		if (!quiet && now - last_prog >= (tty ? 1.0 : 5.0) &&
		    (c.nactive || tty))
			progress(&c, now, &last_prog, &last_n, tty, false);
		/* Stay while ENDs still arrive: an image that resends END
		 * did not hear the ACK, and waits for one. */
		if (exit_after && c.st.runs_finished >= exit_after &&
		    now - c.last_end >= 3 * PROTO_END_RESEND_MS / 1000.0)
			break;
		if (timeout_s && now - start >= timeout_s) {
			fprintf(stderr, "%scollector: --timeout-s %g reached with %u of %u runs "
				"ended\n", tty && !quiet ? "\n" : "", timeout_s,
				c.st.runs_finished, exit_after);
			coll_finish_all(&c, now, "the collector's --timeout-s ran out");
			break;
		}
		if (stop_signal) {
			fprintf(stderr, "%scollector: signal %d: stopping\n",
				tty && !quiet ? "\n" : "", (int)stop_signal);
			coll_finish_all(&c, now, "the collector was stopped");
			break;
		}
	}
	if (!quiet && tty)
		progress(&c, mono_now(), &last_prog, &last_n, tty, true), fputc('\n', stderr);
	final_report(&c, db, out_dir, dropped);
	if (c.st.runs_complete != c.st.runs_finished || c.st.store_errors ||
	    (exit_after && c.st.runs_finished < exit_after))
		status = status ? status : 1;
	coll_free(&c);
	store_close(c.store);
	close(sk.fd);
	return status;
}
