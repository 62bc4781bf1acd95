/*
 * The record log under reentrancy: a timer signal interrupts the main
 * loop's appends at random points and appends from the handler, as an NMI
 * would. Afterwards every record must be present exactly once, intact, in
 * a gap-free sequence. Also: full arena and index, too-long payloads, and
 * the cost of one append (a figure, not a test).
 */
// uses: src/record/log.c
#include "check.h"
#include "record/log.h"
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

#define SLOTS	200000
static struct log_record *slots[SLOTS];
static uint8_t arena[64 << 20] __attribute__((aligned(64)));
static struct record_log lg;
static volatile sig_atomic_t in_handler_appends;

/* Payload encodes who wrote it and a counter, so the checker can tell
 * every record apart and detect torn or mixed-up bytes. */
static uint16_t fill(char *buf, char who, unsigned n)
{
	return (uint16_t)snprintf(buf, 128, "{\"w\":\"%c\",\"n\":%u,\"pad\":\"%0*u\"}",
				  who, n, (int)(n % 37), 0);
}

static void on_timer(int sig)
{
	char buf[128];
	static unsigned n;
	(void)sig;
	if (log_append(&lg, 2, buf, fill(buf, 'N', n)) >= 0)
		n++;
	in_handler_appends = (sig_atomic_t)n;
}

int main(void)
{
	char buf[128];
	unsigned main_n = 0;
	struct itimerval it = { { 0, 200 }, { 0, 200 } };	/* every 200 us */

	log_init(&lg, arena, sizeof(arena), slots, SLOTS, 1400);
	signal(SIGALRM, on_timer);
	setitimer(ITIMER_REAL, &it, NULL);
	/* Bounded by time too: a sanitizer build on a loaded machine must
	 * not turn this into a livelock of signal handlers. */
	time_t deadline = time(NULL) + 20;
	while (main_n < 150000 && time(NULL) < deadline) {
		if (log_append(&lg, 1, buf, fill(buf, 'M', main_n)) >= 0)
			main_n++;
	}
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);

	unsigned total = log_reserved(&lg), nmi_n = (unsigned)in_handler_appends;
	CHECK(nmi_n > 100, "the signal handler appended %u records while the main loop did", nmi_n);
	CHECK(total == main_n + nmi_n, "%u records reserved = %u main + %u handler",
	      total, main_n, nmi_n);
	CHECK(log_committed_prefix(&lg, 0) == total, "every record is committed, no gap");

	/* Each writer's counters appear exactly once, in order, intact. */
	unsigned next_m = 0, next_n = 0, bad = 0, interleaved = 0;
	char last = 'M';
	for (unsigned s = 0; s < total; s++) {
		const struct log_record *r = log_get(&lg, s);
		char want[128];
		char who;
		unsigned n;

		if (!r || r->seq != s) { bad++; continue; }
		if (sscanf(r->payload, "{\"w\":\"%c\",\"n\":%u", &who, &n) != 2) { bad++; continue; }
		uint16_t len = fill(want, who, n);
		if (len != r->len || memcmp(want, r->payload, len) != 0) { bad++; continue; }
		if (who == 'M') { bad += n != next_m; next_m = n + 1; }
		else { bad += n != next_n; next_n = n + 1; }
		interleaved += who != last;
		last = who;
	}
	CHECK(bad == 0, "every record intact and each writer's records in order (%u bad)", bad);
	CHECK(interleaved > 10, "handler records landed between main-loop records (%u switches)",
	      interleaved);

	/* Limits: too long, index full, arena full - refused, counted, no gap. */
	struct record_log small;
	static struct log_record *small_slots[4];
	static uint8_t small_arena[256] __attribute__((aligned(64)));
	char big[300];
	memset(big, 'x', sizeof(big));
	log_init(&small, small_arena, sizeof(small_arena), small_slots, 4, 100);
	CHECK(log_append(&small, 1, big, 101) == LOG_TOO_LONG, "payload over the limit refused");
	CHECK(log_append(&small, 1, big, 100) == 0, "first record fits");
	CHECK(log_append(&small, 1, big, 100) == 1, "second record fits");
	CHECK(log_append(&small, 1, big, 100) == LOG_FULL_BYTES, "arena full refused");
	CHECK(log_append(&small, 1, big, 1) == LOG_FULL_BYTES, "after overshoot the log stays full");
	CHECK(small.lost == 3 && log_reserved(&small) == 2 && log_committed_prefix(&small, 0) == 2,
	      "refusals counted, numbering gap-free (lost %u, reserved %u)",
	      small.lost, log_reserved(&small));
	log_init(&small, small_arena, sizeof(small_arena), small_slots, 2, 8);
	log_append(&small, 1, "a", 1);
	log_append(&small, 1, "b", 1);
	CHECK(log_append(&small, 1, "c", 1) == LOG_FULL_INDEX && log_reserved(&small) == 2 &&
	      log_get(&small, 2) == NULL, "index full refused without a visible hole");

	/* Cost per record (figure only). */
	struct timespec t0, t1;
	log_init(&lg, arena, sizeof(arena), slots, SLOTS, 1400);
	fill(buf, 'B', 12345);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < SLOTS; i++)
		log_append(&lg, 4, buf, 40);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# record log append, 40-byte payload, host mode: %.1f ns per record "
	       "(ASan/UBSan build unless built by ./build.sh bench)\n",
	       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / SLOTS);
	return check_summary();
}
