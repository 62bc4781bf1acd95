/*
 * uart16550.c - polled 16550 output. irqlab never takes UART interrupts:
 * the console must work from any context, NMI included.
 */
#include "drivers/uart16550.h"
#include "arch/cpu.h"
#include "arch/tsc.h"

#define UART_THR	0	/* transmit holding (DLAB=0) */
#define UART_DLL	0	/* divisor latch low (DLAB=1) */
#define UART_IER	1
#define UART_DLM	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_SCR	7

#define LCR_8N1		0x03
#define LCR_DLAB	0x80
#define LSR_THRE	0x20	/* transmit holding register empty */
#define LSR_TEMT	0x40	/* THR (FIFO) and shift register both empty */
#define UART_CLOCK_HZ	115200	/* 1.8432 MHz / 16 */

bool uart_init(uint16_t port, unsigned baud)
{
	unsigned divisor = UART_CLOCK_HZ / baud;

	/* The scratch register holds what was written on a real 16550 and
	 * on QEMU's model; an empty port reads back 0xff. */
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return false;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, divisor & 0xff);
	outb(port + UART_DLM, divisor >> 8);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, 0x07);	/* enable and clear FIFOs */
	outb(port + UART_MCR, 0x03);	/* DTR, RTS; OUT2 off: no IRQ line */
	return true;
}

void uart_putc(uint16_t port, char c)
{
	/* Bounded: a wedged UART must not hang an NMI handler that prints.
	 * At 115200 baud a character takes ~87 us; this allows far more. */
	for (unsigned i = 0; i < 1000000; i++)
		if (inb(port + UART_LSR) & LSR_THRE)
			break;
	outb(port + UART_THR, (uint8_t)c);
}

bool uart_drain(uint16_t port, unsigned timeout_us)
{
	/* A full 16-byte FIFO plus the shift register at 115200 baud 8N1
	 * is 17 characters of ~87 us: about 1.5 ms. */
	for (unsigned i = 0; i < timeout_us; i++) {
		if (inb(port + UART_LSR) & LSR_TEMT)
			return true;
		udelay(1);
	}
	return (inb(port + UART_LSR) & LSR_TEMT) != 0;
}
