/*
 * run.c - every result, the summary and the end of the run become records
 * (src/record), in addition to their console lines.
 */
#include "run.h"
#include "lib/report.h"
#include "record/record.h"
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
}

void run_records_init(void)
{
	report_result_hook = on_result;
	report_summary_hook = on_summary;
	report_finish_hook = on_finish;
}
