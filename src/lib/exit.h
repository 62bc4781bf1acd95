#ifndef IRQLAB_LIB_EXIT_H
#define IRQLAB_LIB_EXIT_H

/* Print "--- DONE: <code> ---" and end the run: QEMU's isa-debug-exit when
 * running under QEMU, else halt (interrupts off; NMIs wake hlt, so loop). */
void platform_exit(int code) __attribute__((noreturn));

/* exit= on the command line: 0 auto (QEMU's isa-debug-exit when fw_cfg
 * says QEMU), 1 qemu (always write the port), 2 halt (never). */
void platform_exit_mode(int mode);

#endif
