#include "drivers/debugcon.h"
#include "arch/cpu.h"

bool debugcon_detect(void)
{
	return inb(DEBUGCON_PORT) == DEBUGCON_PORT;
}

void debugcon_putc(char c)
{
	outb(DEBUGCON_PORT, (uint8_t)c);
}
