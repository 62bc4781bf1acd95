#ifndef IRQLAB_DRIVERS_UART16550_H
#define IRQLAB_DRIVERS_UART16550_H
#include <stdbool.h>
#include <stdint.h>

#define COM1_PORT 0x3f8

/* Program 8N1 at `baud`, FIFOs on, interrupts off. False if no UART
 * answers at `port` (scratch register does not hold a value). */
bool uart_init(uint16_t port, unsigned baud);
void uart_putc(uint16_t port, char c);
/* Wait until the transmitter is empty (LSR TEMT: FIFO and shift
 * register both drained), polling for at least timeout_us and, at one
 * port read plus udelay(1) per poll, at most about three times that.
 * False on timeout. For the end of a run: a reset or power-off cuts off
 * whatever is still being shifted out. */
bool uart_drain(uint16_t port, unsigned timeout_us);
#endif
