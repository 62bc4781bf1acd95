/*
 * sources.h - what the NMI sources of src/nmi/src_*.c expose beyond
 * their struct nmi_source: set-up shared between them and the details the
 * nmi_sources suite checks.
 */
#ifndef IRQLAB_NMI_SOURCES_H
#define IRQLAB_NMI_SOURCES_H

#include <stddef.h>
#include <stdint.h>

/* Register every I/O APIC the MADT lists (idempotent); -1 with a
 * message if there are none or one cannot be mapped. */
int nmi_ioapics_from_acpi(char *err, size_t errlen);
/* The GSI the ioapic source programs (ISA IRQ0 after the MADT's source
 * overrides); valid after its probe. */
uint32_t ioapic_nmi_gsi(void);

/* The hpet source's comparator; valid after its probe. */
unsigned hpet_nmi_comparator(void);

/* The lint source: the LVT entry it uses, and how often QEMU delivered
 * the PIC's request as an ExtINT interrupt as well (see src_lint.c). */
unsigned lint_nmi_lvt_reg(void);
uint64_t lint_nmi_extint_count(void);

/* The ipi source: APIC timer ticks that found the previous NMI not yet
 * handled and sent none (handshake mode). */
uint64_t ipi_nmi_skipped_ticks(void);

/* The host source: NMIs the runner will inject (nmi_host_expect). */
uint64_t host_nmi_expected(void);

#endif
