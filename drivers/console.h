/*
 * console.h - the console: COM1 at 115200 plus the 0xe9 debug console when
 * present, plus the screen (drivers/screen.h) once screen_init() has found
 * one; until then screen output is buffered. Polled, lock-free, usable
 * from any context; picolibc's stdio writes through it (src/lib/stdio.c).
 */
#ifndef IRQLAB_DRIVERS_CONSOLE_H
#define IRQLAB_DRIVERS_CONSOLE_H
#include <stdbool.h>
#include <stddef.h>

void console_init(void);
void console_putc(char c);
void console_write(const char *s, size_t n);
void console_puts(const char *s);
/* On the way out of a run (exit, halt, reboot): draws screen output that
 * a nested context (an NMI inside a print) queued, in case the print it
 * interrupted never finishes. Serial and debugcon are never buffered. */
void console_flush(void);
bool console_has_serial(void);
bool console_has_debugcon(void);
#endif
