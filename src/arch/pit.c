/*
 * pit.c - 8254 PIT access. See pit.h; datasheet: Intel 8254 Programmable
 * Interval Timer (order no. 231164).
 *
 * Mode/command byte written to port 0x43:
 *   bits 7:6 channel (00 ch0, 10 ch2), bits 5:4 access (00 latch,
 *   11 LSB then MSB), bits 3:1 mode, bit 0 BCD (0 = binary).
 */
#include "arch/pit.h"
#include "arch/cpu.h"

#define PIT_CMD_CH0		(0u << 6)
#define PIT_CMD_CH2		(2u << 6)
#define PIT_CMD_LATCH		(0u << 4)
#define PIT_CMD_LOHI		(3u << 4)
#define PIT_CMD_MODE0		(0u << 1)	/* interrupt on terminal count */
#define PIT_CMD_MODE2		(2u << 1)	/* rate generator */

/* Port 0x61 bits 7:4 are read-only status; write back only bits 3:0. */
#define PORT61_WRITABLE		0x0fu

#define PIT_MIN_DIVISOR_MODE2	2u	/* mode 2: a count of 1 is illegal */
#define PIT_MAX_DIVISOR		65536u	/* written as 0 */

/* The count changes every 0.84 us; a few thousand reads (each at least
 * ~0.5 us on hardware, more under emulation) leave no doubt. */
#define PIT_PRESENCE_POLLS	4000u

static uint16_t pit_ch2_read_count(void)
{
	uint8_t lo, hi;

	outb(PIT_PORT_MODE, PIT_CMD_CH2 | PIT_CMD_LATCH);
	lo = inb(PIT_PORT_CH2);
	hi = inb(PIT_PORT_CH2);
	return (uint16_t)(lo | (hi << 8));
}

bool pit_present(void)
{
	static int cached = -1;
	uint16_t first;

	if (cached >= 0)
		return cached;
	cached = 0;
	pit_ch2_start_oneshot(0xffff);
	first = pit_ch2_read_count();
	for (unsigned i = 0; i < PIT_PRESENCE_POLLS; i++)
		if (pit_ch2_read_count() != first) {
			cached = 1;
			break;
		}
	pit_ch2_stop();
	return cached;
}

void pit_ch2_start_oneshot(uint16_t ticks)
{
	uint8_t p61 = inb(PIT_PORT_61);

	/* Speaker off so OUT2 is silent, gate high so the count runs once
	 * loaded. Bits 3:2 (IOCHK/SERR NMI disables) are kept as they are. */
	outb(PIT_PORT_61, (p61 & PORT61_WRITABLE & ~PORT61_SPEAKER_EN) |
	     PORT61_CH2_GATE);
	/* Writing the mode drives OUT2 low; counting starts on the first
	 * input clock after the MSB is written (gate already high). */
	outb(PIT_PORT_MODE, PIT_CMD_CH2 | PIT_CMD_LOHI | PIT_CMD_MODE0);
	outb(PIT_PORT_CH2, ticks & 0xff);
	outb(PIT_PORT_CH2, ticks >> 8);
}

bool pit_ch2_out(void)
{
	return inb(PIT_PORT_61) & PORT61_CH2_OUT;
}

void pit_ch2_stop(void)
{
	uint8_t p61 = inb(PIT_PORT_61);

	outb(PIT_PORT_61, p61 & PORT61_WRITABLE &
	     ~(PORT61_CH2_GATE | PORT61_SPEAKER_EN));
}

uint32_t pit_ch0_start_periodic(uint32_t rate_hz)
{
	uint32_t divisor;

	if (rate_hz == 0)
		return 0;
	divisor = (PIT_INPUT_HZ + rate_hz / 2) / rate_hz;
	if (divisor < PIT_MIN_DIVISOR_MODE2)
		divisor = PIT_MIN_DIVISOR_MODE2;
	if (divisor > PIT_MAX_DIVISOR)
		divisor = PIT_MAX_DIVISOR;

	/* io_delay between accesses: old PITs need ~1 us recovery time. */
	outb(PIT_PORT_MODE, PIT_CMD_CH0 | PIT_CMD_LOHI | PIT_CMD_MODE2);
	io_delay();
	outb(PIT_PORT_CH0, divisor & 0xff);	/* 65536 -> 0x00, 0x00 */
	io_delay();
	outb(PIT_PORT_CH0, (divisor >> 8) & 0xff);
	io_delay();
	return divisor;
}

uint32_t pit_rate_hz_for_divisor(uint32_t divisor)
{
	if (divisor == 0)
		return 0;
	return (PIT_INPUT_HZ + divisor / 2) / divisor;
}

void pit_ch0_stop(void)
{
	/*
	 * Per the datasheet, writing a mode word stops the counter: in
	 * mode 0 OUT goes low and stays low until a new count is loaded, so
	 * no further IRQ0 edge. Some virtual PITs only act on the mode once
	 * a count is loaded (KVM in-kernel PIT) or at the next interrupt
	 * (QEMU), so load a count and write the mode once more (the
	 * sequence Linux's clockevent_i8253_disable() uses).
	 */
	outb(PIT_PORT_MODE, PIT_CMD_CH0 | PIT_CMD_LOHI | PIT_CMD_MODE0);
	io_delay();
	outb(PIT_PORT_CH0, 0);
	io_delay();
	outb(PIT_PORT_CH0, 0);
	io_delay();
	outb(PIT_PORT_MODE, PIT_CMD_CH0 | PIT_CMD_LOHI | PIT_CMD_MODE0);
	io_delay();
}

uint16_t pit_ch0_read_count(void)
{
	uint8_t lo, hi;

	/* Counter latch command: freezes a snapshot until both bytes are
	 * read; the counter itself keeps running. */
	outb(PIT_PORT_MODE, PIT_CMD_CH0 | PIT_CMD_LATCH);
	lo = inb(PIT_PORT_CH0);
	hi = inb(PIT_PORT_CH0);
	return (uint16_t)(lo | (hi << 8));
}
