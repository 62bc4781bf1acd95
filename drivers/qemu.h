#ifndef IRQLAB_DRIVERS_QEMU_H
#define IRQLAB_DRIVERS_QEMU_H
#include <stdbool.h>

/* QEMU's fw_cfg device answers with the signature "QEMU" (pc and q35). */
bool qemu_detect(void);
/* isa-debug-exit at port 0xf4: QEMU exits with status (code << 1) | 1.
 * Returns only if the device is absent. */
void qemu_debug_exit(unsigned code);
#endif
