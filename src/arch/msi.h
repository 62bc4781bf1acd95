/*
 * msi.h - the x86 message-signalled interrupt format (Intel SDM vol. 3,
 * 11.11 "Message Signalled Interrupts"): a device raises an interrupt by
 * writing `data` to `address` in the 0xFEExxxxx window, which the local
 * APICs decode. Used by HPET FSB delivery and, later, PCI MSI.
 */
#ifndef IRQLAB_ARCH_MSI_H
#define IRQLAB_ARCH_MSI_H

#include <stdint.h>

/* Address: 31:20 = 0xFEE, 19:12 destination APIC ID, 3 redirection hint,
 * 2 destination mode (0 physical). Only 8 bits of APIC ID fit: IDs above
 * 255 need interrupt remapping. */
#define MSI_ADDR_BASE		0xfee00000u
#define MSI_ADDR_DEST_SHIFT	12
#define MSI_MAX_DEST_ID		0xffu

/* Data: 7:0 vector, 10:8 delivery mode, 14 level (assert), 15 trigger
 * mode (0 edge). NMI delivery ignores the vector and is edge-triggered
 * whatever the trigger bit says (SDM 11.11.2); program vector 0, edge. */
#define MSI_DATA_DM_FIXED	(0u << 8)
#define MSI_DATA_DM_NMI		(4u << 8)
#define MSI_DATA_LEVEL_ASSERT	(1u << 14)
#define MSI_DATA_TRIGGER_LEVEL	(1u << 15)

/* Physical destination, no redirection hint. */
static inline uint32_t msi_address(uint8_t dest_apic_id)
{
	return MSI_ADDR_BASE | (uint32_t)dest_apic_id << MSI_ADDR_DEST_SHIFT;
}

static inline uint32_t msi_data_nmi(void)
{
	return MSI_DATA_DM_NMI;
}

#endif
