/*
 * arch/cc.h - lwIP's compiler and platform glue for irqlab.
 *
 * lwIP includes this from lwip/arch.h, before its own defaults, so only
 * what differs from them is defined here. Packed structs, size_t, the
 * u8_t..u64_t types and the printf formats come from lwIP's GCC defaults
 * over picolibc's <stdint.h>, <stddef.h> and <inttypes.h>.
 *
 * Note the name space: lwIP finds this file as "arch/cc.h" through
 * -Isrc/net/lwip_port, after -Isrc. src/arch/ must therefore never hold a
 * cc.h, sys_arch.h or perf.h of its own, or lwIP would pick that up.
 */
#ifndef IRQLAB_LWIP_ARCH_CC_H
#define IRQLAB_LWIP_ARCH_CC_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>	/* printf (picolibc tinystdio), for LWIP_PLATFORM_DIAG */
#include <sys/types.h>

#include "lib/panic.h"

/*
 * picolibc has ssize_t (a long, in <sys/types.h>) but no SSIZE_MAX, and
 * lwIP reads a missing SSIZE_MAX as "no ssize_t" and typedefs it as int,
 * which conflicts. Supply the limit; the type is already declared, so
 * lwIP need not look for it in <unistd.h>.
 */
#ifndef SSIZE_MAX
#define SSIZE_MAX	LONG_MAX
#endif
#define LWIP_NO_UNISTD_H	1

/*
 * Byte order. BYTE_ORDER == LITTLE_ENDIAN (1234) comes from picolibc's
 * <machine/endian.h>, through <sys/types.h>, and agrees with lwIP's own
 * default. The swaps are GCC builtins, so each is one inline bswap/rol
 * instead of a call to lwIP's portable versions in def.c (which these
 * definitions compile out).
 */
#define lwip_htons(x)	((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x)	((u32_t)__builtin_bswap32((u32_t)(x)))

/*
 * lwIP parses only dotted-quad text (ip4addr_aton); its private ASCII
 * classifiers do that without pulling in picolibc's locale-aware ctype
 * tables.
 */
#define LWIP_NO_CTYPE_H	1

/*
 * Randomness, for DHCP transaction ids and the first ephemeral UDP port.
 * Not for cryptography. Implemented in sys_arch.c: RDRAND when the CPU
 * has it, else xorshift seeded from the TSC.
 */
uint32_t irqlab_rand32(void);
#define LWIP_RAND()	((u32_t)irqlab_rand32())

/*
 * Diagnostics and assertions. DIAG prints only when LWIP_DEBUG is
 * defined (it is not, so today nothing in lwIP calls printf). A failed
 * LWIP_ASSERT means lwIP's own state is corrupt and the run's results
 * cannot be trusted, so it panics (message, stack trace, FAIL record)
 * instead of continuing. lwIP asserts on its own invariants and on API
 * misuse; malformed frames go to its drop counters instead.
 */

#define LWIP_PLATFORM_DIAG(x)	do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x)	\
	panic("lwIP assertion \"%s\" failed at %s:%d", (x), __FILE__, __LINE__)

#endif
