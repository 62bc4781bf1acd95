/*
 * reset.c - see reset.h.
 */
#include "arch/reset.h"
#include "arch/cpu.h"
#include "arch/tsc.h"
#include "drivers/console.h"
#include "lib/exit.h"
#include "platform.h"

#define PORT_RST_CNT		0xcf9
#define RST_CNT_SYS_RST		0x02	/* hard reset (platform reset), not INIT */
#define RST_CNT_RST_CPU		0x04	/* 0 -> 1 starts the reset */
#define PORT_KBC_STATUS		0x64
#define PORT_KBC_CMD		0x64
#define KBC_STATUS_IBF		0x02	/* input buffer full: not ready for a command */
#define KBC_CMD_PULSE_RESET	0xfe	/* pulse output port bit 0 (CPU reset) */
/* Each poll is a port read plus udelay(1): at least 0.1 s in all, and
 * 0.2-0.3 s on hardware, where a read of port 0x64 over LPC costs 1-2 us. */
#define KBC_WAIT_POLLS		100000u
#define PCI_CONFIG_ADDR		0xcf8
#define PCI_CONFIG_DATA		0xcfc

static void put_hex(uint64_t v)
{
	char buf[19], *p = buf + sizeof(buf) - 1;

	*p = '\0';
	do {
		*--p = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	console_puts(p);
}

/* Just before a reset write: the lines announcing it (and any reason an
 * earlier attempt was skipped) must be on the screen and out of the
 * UART, or the reset cuts them off. */
static void before_reset_write(void)
{
	platform_exit_flush();
}

static void wait_for_reset(void)
{
	udelay(RESET_WAIT_MS * 1000u);
}

/* The FADT's reset register. ACPI 6.x 4.8.3.6: write RESET_VALUE to the
 * register named by RESET_REG, an 8-bit register at bit offset 0. */
static void try_fadt(void)
{
	uint64_t a = acpi.fadt_reset_addr;
	uint8_t v = acpi.fadt_reset_value;

	if (!acpi_ok || !acpi.have_fadt) {
		console_puts("irqlab: reboot: no ACPI FADT: reset register not tried\n");
		return;
	}
	if (!acpi.fadt_reset_ok) {
		console_puts("irqlab: reboot: ACPI reset register not usable (");
		console_puts(acpi.fadt_reset_why ? acpi.fadt_reset_why : "?");
		console_puts(")\n");
		return;
	}
	console_puts("irqlab: reboot: trying the ACPI reset register (FADT: ");
	switch (acpi.fadt_reset_space) {
	case ACPI_GAS_IO:
		console_puts("I/O ");
		break;
	case ACPI_GAS_MEMORY:
		console_puts("memory ");
		break;
	default:
		console_puts("PCI config ");
		break;
	}
	put_hex(a);
	console_puts(" <- ");
	put_hex(v);
	console_puts(")\n");
	/* acpi_parse accepted the register only if its address fits its
	 * space (acpi.h): I/O below 0x10000, PCI config device <= 31,
	 * function <= 7, offset <= 0xff. */
	switch (acpi.fadt_reset_space) {
	case ACPI_GAS_IO:
		before_reset_write();
		outb((uint16_t)a, v);
		break;
	case ACPI_GAS_MEMORY:
		/* 0-4 GiB is identity mapped; above it nothing is mapped here
		 * (and nothing may be mapped from a trap). */
		if (a >= 0x100000000ull) {
			console_puts("irqlab: reboot: register above 4 GiB, not mapped: not written\n");
			return;
		}
		before_reset_write();
		*(volatile uint8_t *)(uintptr_t)a = v;
		break;
	default: {
		/* Configuration mechanism #1: enable, bus 0, device 15:11,
		 * function 10:8, dword-aligned offset 7:2; the byte lane is
		 * the offset's low two bits. */
		uint32_t dev = ACPI_GAS_PCI_DEV(a), fn = ACPI_GAS_PCI_FN(a);
		uint32_t reg = ACPI_GAS_PCI_REG(a);

		before_reset_write();
		outl(PCI_CONFIG_ADDR, 0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc));
		outb((uint16_t)(PCI_CONFIG_DATA + (reg & 3)), v);
		break;
	}
	}
	wait_for_reset();
}

static void try_cf9(void)
{
	console_puts("irqlab: reboot: trying port 0xcf9 (reset control: 0x02 then 0x06)\n");
	before_reset_write();
	/* Set the reset type first, then raise RST_CPU with it: some
	 * chipsets act only on RST_CPU's rising edge with SYS_RST already
	 * set. */
	outb(PORT_RST_CNT, RST_CNT_SYS_RST);
	udelay(50);
	outb(PORT_RST_CNT, RST_CNT_SYS_RST | RST_CNT_RST_CPU);
	wait_for_reset();
}

static void try_kbc(void)
{
	unsigned i;

	console_puts("irqlab: reboot: trying the keyboard controller (port 0x64 <- 0xfe)\n");
	for (i = 0; i < KBC_WAIT_POLLS; i++) {
		if (!(inb(PORT_KBC_STATUS) & KBC_STATUS_IBF))
			break;
		udelay(1);
	}
	/* An absent controller reads 0xff: IBF never clears. Write anyway,
	 * as Linux does; nothing is lost. */
	if (i == KBC_WAIT_POLLS)
		console_puts("irqlab: reboot: keyboard controller input buffer never "
			     "emptied (no 8042?); writing anyway\n");
	before_reset_write();
	outb(PORT_KBC_CMD, KBC_CMD_PULSE_RESET);
	wait_for_reset();
}

void reset_machine(void)
{
	irq_hard_disable();
	try_fadt();
	try_cf9();
	try_kbc();
	console_puts("irqlab: reboot: no method reset the machine (ACPI reset register, "
		     "port 0xcf9, keyboard controller)\n");
}
