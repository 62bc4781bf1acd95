#ifndef IRQLAB_RUN_H
#define IRQLAB_RUN_H
/* The run as a sequence of records: results, summary and end-of-run
 * record hooked into report.c. Call after record_init(). */
void run_records_init(void);
#endif
