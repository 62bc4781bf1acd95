#ifndef IRQLAB_LIB_PANIC_H
#define IRQLAB_LIB_PANIC_H

/* Something that must not happen did: message, stack trace, FAIL, exit
 * with EXIT_FATAL. Safe from trap context (saves vector state). */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* For paths that must not call printf at all (nested faults). */
void panic_raw(const char *msg) __attribute__((noreturn));

#endif
