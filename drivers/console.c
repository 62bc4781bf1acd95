#include "drivers/console.h"
#include "drivers/debugcon.h"
#include "drivers/screen.h"
#include "drivers/uart16550.h"

static bool have_serial, have_debugcon;

void console_init(void)
{
	have_serial = uart_init(COM1_PORT, 115200);
	have_debugcon = debugcon_detect();
}

bool console_has_serial(void) { return have_serial; }
bool console_has_debugcon(void) { return have_debugcon; }

void console_putc(char c)
{
	/* Serial terminals want CR LF; the debug console gets the raw byte
	 * so its log is an exact copy of what the image printed. */
	if (have_serial) {
		if (c == '\n')
			uart_putc(COM1_PORT, '\r');
		uart_putc(COM1_PORT, c);
	}
	if (have_debugcon)
		debugcon_putc(c);
	/* Buffered until screen_init() says whether there is a screen. */
	screen_putc(c);
}

void console_flush(void)
{
	screen_flush_final();
}

void console_write(const char *s, size_t n)
{
	while (n--)
		console_putc(*s++);
}

void console_puts(const char *s)
{
	while (*s)
		console_putc(*s++);
}
