#include "drivers/qemu.h"
#include "arch/cpu.h"

#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_PORT_DATA	0x511
#define FW_CFG_SIGNATURE	0x0000
#define DEBUG_EXIT_PORT		0xf4	/* -device isa-debug-exit,iobase=0xf4,iosize=4 */

bool qemu_detect(void)
{
	static const char sig[4] = { 'Q', 'E', 'M', 'U' };

	outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	for (unsigned i = 0; i < 4; i++)
		if (inb(FW_CFG_PORT_DATA) != (uint8_t)sig[i])
			return false;
	return true;
}

void qemu_debug_exit(unsigned code)
{
	outl(DEBUG_EXIT_PORT, code);
}
