/*
 * fpu.h - the one door from a trap path into code that may use SSE/x87.
 *
 * Entry code does not save vector state (all code reachable from it is
 * built -mgeneral-regs-only). Anything else - printf, the C library - may
 * use XMM registers, so a trap path that calls it brackets the call with
 * fpu_save()/fpu_restore(). Nests two deep (an expected-fault report
 * inside an NMI report, say); deeper nesting is a bug and panics.
 */
#ifndef IRQLAB_ARCH_FPU_H
#define IRQLAB_ARCH_FPU_H

void fpu_save(void);
void fpu_restore(void);

#endif
