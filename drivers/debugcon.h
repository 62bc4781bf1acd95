#ifndef IRQLAB_DRIVERS_DEBUGCON_H
#define IRQLAB_DRIVERS_DEBUGCON_H
#include <stdbool.h>

#define DEBUGCON_PORT 0xe9

/* QEMU's and Bochs' debug console reads back 0xe9 when present. */
bool debugcon_detect(void);
void debugcon_putc(char c);
#endif
