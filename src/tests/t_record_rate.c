/*
 * record_rate: how fast records leave the image, both ways in one run - the
 * console mirror (serial and 0xe9) and UDP to the collector. A figure for
 * ./build.sh bench, not a timed test: it only checks that every record
 * was accounted for.
 */
#include "tests/suites.h"
#include "arch/tsc.h"
#include "lib/report.h"
#include "net/netstack.h"
#include "record/record.h"

#define N_RECORDS 2000

static void test_record_rate(void)
{
	unsigned long before = record_count();
	uint64_t t0, t1, t2, t3;

	/* Mirror: record_emitf prints each record as it appends it. */
	t0 = time_ns();
	for (unsigned i = 0; i < N_RECORDS; i++)
		record_emitf(REC_INFO, "{\"rate_test\":%u,\"pad\":\"0123456789abcdef0123456789abcdef\"}", i);
	t1 = time_ns();
	report(record_count() - before == N_RECORDS, "%u records appended", N_RECORDS);

	/* UDP: hand them to the network in one go (send only; the
	 * collector's NACK/ACK exchange comes at the end of the run). */
	t2 = time_ns();
	net_service();
	t3 = time_ns();

	uint64_t serial_rps = N_RECORDS * 1000000000ull / (t1 - t0 ? t1 - t0 : 1);
	uint64_t udp_rps = N_RECORDS * 1000000000ull / (t3 - t2 ? t3 - t2 : 1);
	report_info("records per second: console mirror %llu, UDP %s%llu",
		    (unsigned long long)serial_rps, net_active() ? "" : "(no network) ",
		    (unsigned long long)(net_active() ? udp_rps : 0));
	record_emitf(REC_BENCH, "{\"name\":\"record_rate\",\"records\":%u,"
		     "\"serial_records_per_s\":%llu,\"udp_records_per_s\":%llu,"
		     "\"udp\":%s}", N_RECORDS, (unsigned long long)serial_rps,
		     (unsigned long long)udp_rps, net_active() ? "true" : "false");
}

SUITE(record_rate, test_record_rate, SUITE_OPTIONAL);
