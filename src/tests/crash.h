#ifndef IRQLAB_TESTS_CRASH_H
#define IRQLAB_TESTS_CRASH_H
#include "config.h"
/* crash=KIND: raise that exception with no fixup, so the fatal exception
 * report and the failing exit are what the run produces. */
void crash_on_purpose(enum crash_kind kind) __attribute__((noreturn));
#endif
