/*
 * net.h - irqlab's network stack: lwIP (NO_SYS, IPv4, UDP, DHCP, ICMP),
 * configured in lwip_port/lwipopts.h.
 *
 * Rules for everything that calls into lwIP:
 *   - tsc_init() runs before net_stack_init(): lwIP's timeouts read
 *     time_ms() through sys_now(), and it reads 0 until the TSC is set up.
 *   - Every lwIP call, including netif input and pbuf_free, is made from
 *     the main loop, never from an interrupt or NMI handler: the stack
 *     is built without SYS_LIGHTWEIGHT_PROT critical sections.
 *   - The main loop calls sys_check_timeouts() ("lwip/timeouts.h") on
 *     every pass: the ARP and DHCP timers (0.5 s and up) fire only from
 *     there, late by however long the loop is busy.
 *   - When a netif is added: DHCP sends nothing until netif_set_link_up(),
 *     so the driver reports link (or the netif code assumes it) before
 *     dhcp_start() can make progress.
 */
#ifndef IRQLAB_NET_NET_H
#define IRQLAB_NET_NET_H

/* Initialise lwIP's memory pools, heap, statistics and protocol state.
 * Call once; no netif exists afterwards. */
void net_stack_init(void);

#endif
