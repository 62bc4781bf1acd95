/*
 * lwipopts.h - how irqlab configures lwIP 2.1.3.
 *
 * The stack is a dependency, configured here and glued by arch/cc.h and
 * sys_arch.c; nothing else in the tree includes lwIP internals. What it
 * has to do: get an IPv4 address by DHCP on one Ethernet link, answer
 * ping, and carry irqlab's UDP records. Anything not needed for that is
 * off, so it costs neither code nor a reason to audit it.
 *
 * Options left out keep lwIP's default from lwip/opt.h. Enabling a
 * feature here usually means adding its file to src/net/lwip.mk.
 */
#ifndef IRQLAB_LWIPOPTS_H
#define IRQLAB_LWIPOPTS_H

/* ---- Threading ---------------------------------------------------- */

/* No OS: lwIP runs from irqlab's main loop, its timers are driven by
 * sys_check_timeouts() and its clock is sys_now() (sys_arch.c). */
#define NO_SYS				1
#define LWIP_TIMERS			1

/*
 * No SYS_ARCH_PROTECT critical sections. This is correct ONLY because
 * lwIP is never entered from interrupt or NMI context in irqlab: NIC
 * interrupts (when a driver uses them) just note that work is pending,
 * and the main loop makes every lwIP call. A handler that called into
 * lwIP (pbuf_free, netif input, ...) would race the main loop on the
 * memp/pbuf free lists with nothing to stop it.
 */
#define SYS_LIGHTWEIGHT_PROT		0

/* ---- Memory: all static, nothing from libc malloc ----------------- */

#define MEM_LIBC_MALLOC			0
#define MEMP_MEM_MALLOC			0
/* x86-64: keep pbuf payloads and pool elements 8-byte aligned (lwIP's
 * default of 1 would let structs with u64 fields straddle words). */
#define MEM_ALIGNMENT			8
/* lwIP's heap, for PBUF_RAM (outgoing UDP records, DHCP, ICMP echo
 * replies). 64 KiB holds ~40 full-size frames in flight. */
#define MEM_SIZE			(64 * 1024)

/* Receive pool. One pool pbuf holds one whole Ethernet frame (1514
 * bytes, no VLAN tag, FCS stripped by the NIC), so a driver copies a
 * received frame into a single pbuf instead of walking a chain.
 * 64 x ~1.5 KiB ~= 100 KiB of .bss. */
#define PBUF_POOL_SIZE			64
#define PBUF_POOL_BUFSIZE		1536
/* PBUF_REF/ROM headers; fragmentation of outgoing datagrams uses these. */
#define MEMP_NUM_PBUF			16
/* DHCP's PCB plus a few for irqlab's own protocol. */
#define MEMP_NUM_UDP_PCB		4
/* MEMP_NUM_SYS_TIMEOUT keeps its default, which lwIP computes from the
 * enabled modules (ARP, DHCP, IP fragmentation). */

/* ---- Protocols ---------------------------------------------------- */

#define LWIP_IPV4			1
#define LWIP_IPV6			0

#define LWIP_ETHERNET			1
#define LWIP_ARP			1
/* Don't queue packets behind an unresolved ARP entry beyond the one
 * lwIP always keeps; the sender retries, and the pool stays free. */
#define ARP_QUEUEING			0
#define ETH_PAD_SIZE			0	/* x86 reads unaligned IP headers fine */

/* Send side may fragment a datagram larger than the MTU (without this,
 * lwIP would hand the driver an oversized frame). Receive side does not
 * reassemble: irqlab's host sends only small datagrams, and reassembly
 * would hold pool pbufs for up to IP_REASS_MAXAGE seconds on a lossy
 * link. Received fragments are dropped and counted in lwip_stats.ip.drop
 * (and ip.opterr). */
#define IP_FRAG				1
#define IP_REASSEMBLY			0

#define LWIP_ICMP			1	/* answer ping: handy when bringing up a NIC */
#define LWIP_RAW			0
#define LWIP_IGMP			0
#define LWIP_AUTOIP			0

#define LWIP_UDP			1
#define LWIP_UDPLITE			0
#define LWIP_TCP			0
#define LWIP_ALTCP			0
#define LWIP_ALTCP_TLS			0

#define LWIP_DHCP			1
/* No NTP option request: irqlab's clock is the TSC. */
#define LWIP_DHCP_GET_NTP_SRV		0
/* Keep the lease's siaddr ("next-server"): irqlab's default collector. */
#define LWIP_DHCP_BOOTP_FILE		1
/* Skip the ARP probe of the offered address: the lab's DHCP server owns
 * its isolated link, and the probe adds about a second to every boot. */
#define DHCP_DOES_ARP_CHECK		0
/* No DNS: the collector is reached by the address the test is given. */
#define LWIP_DNS			0

/* The later netif code learns "DHCP bound" from the status callback. */
#define LWIP_NETIF_STATUS_CALLBACK	1
#define LWIP_NETIF_LOOPBACK		0
#define LWIP_HAVE_LOOPIF		0

/* ---- APIs: raw callback API only (NO_SYS has no threads) ---------- */

#define LWIP_NETCONN			0
#define LWIP_SOCKET			0
#define LWIP_NETIF_API			0

/* ---- Checksums: in software, both ways ---------------------------- */

/* irqlab's drivers do not program checksum offload, and checking on
 * receive is how a corrupted DMA buffer shows up as a counted drop. */
#define CHECKSUM_GEN_IP			1
#define CHECKSUM_GEN_UDP		1
#define CHECKSUM_GEN_ICMP		1
#define CHECKSUM_CHECK_IP		1
#define CHECKSUM_CHECK_UDP		1
#define CHECKSUM_CHECK_ICMP		1

/* ---- Statistics: counters only, read by tests from lwip_stats ----- */

#define LWIP_STATS			1
#define LWIP_STATS_DISPLAY		0	/* tests read lwip_stats; no printing code */
#define MIB2_STATS			0
/* 32-bit counters: a long torture run can pass 65535 frames, and a
 * wrapped u16 drop count would read as "no drops". */
#define LWIP_STATS_LARGE		1

/* LWIP_DEBUG stays undefined: no LWIP_DEBUGF output. Assertions stay on
 * (LWIP_NOASSERT undefined) and end in panic(); see arch/cc.h. */

#endif
