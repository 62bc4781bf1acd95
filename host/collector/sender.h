/*
 * sender.h - the simulated machine's record log (sender_log.c), shared
 * with its network side (sender.c).
 */
#ifndef IRQLAB_COLLECTOR_SENDER_H
#define IRQLAB_COLLECTOR_SENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct entry {
	uint16_t type, len;
	char *json;
};

extern struct entry *log_;	/* records 0..nrec, END last */
extern uint32_t nrec;		/* records before END; END is seq nrec */

uint64_t rnd(void);
double rnd_percent(void);
void rnd_seed(uint64_t seed);
/* Records 0..nrec-1: run, machine, a mix, summary. */
void generate(uint64_t run_id, const char *mac, uint64_t seed);
void put(uint32_t seq, uint16_t type, const char *json);
uint32_t checksum(void);
int write_serial(const char *path, uint64_t run_id, bool crlf, bool noise);
int write_sent(const char *path);

#endif
