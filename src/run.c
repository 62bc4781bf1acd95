/*
 * run.c - every result, the summary and the end of the run become records
 * (src/record), in addition to their console lines.
 */
#include "run.h"
#include "lib/report.h"
#include "record/record.h"
#include "arch/percpu.h"
#include "net/netstack.h"
#include <stdio.h>
#include <string.h>

static void on_result(const char *tag, const char *prefix, const char *msg)
{
	char p[256], m[1024];

	record_emitf(REC_RESULT, "{\"status\":\"%s\",\"suite\":\"%s\",\"test\":\"%s\"}",
		     tag, json_escape(p, sizeof(p), prefix), json_escape(m, sizeof(m), msg));
}

static void on_summary(unsigned tests, unsigned failures, unsigned skipped, int code)
{
	record_emitf(REC_SUMMARY, "{\"tests\":%u,\"failures\":%u,\"skipped\":%u,"
		     "\"exit_code\":%d,\"records_lost\":%lu}",
		     tests, failures, skipped, code, record_lost());
}

static void on_finish(int code)
{
	(void)code;
	record_end();
	record_mirror_flush();
	/* fpu_save() is taken by the fatal-exception and panic paths only:
	 * the run is ending in a trap or with broken state, where lwIP must
	 * not be entered. */
	if (this_cpu()->fpu_depth > 0) {
		if (net_active())
			printf("irqlab: the run ended in an exception or panic: records "
			       "not sent over the network; the serial log holds all of "
			       "them (collector --from-serial)\n");
		return;
	}
	net_finish();
}

void run_records_init(void)
{
	report_result_hook = on_result;
	report_summary_hook = on_summary;
	report_finish_hook = on_finish;
}
