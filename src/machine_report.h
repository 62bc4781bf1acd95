#ifndef IRQLAB_MACHINE_REPORT_H
#define IRQLAB_MACHINE_REPORT_H
/* The first output of every run: what machine this is, so figures from
 * different machines can be told apart and compared. */
void machine_report(void);
#endif
