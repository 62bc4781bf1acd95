/*
 * netstack.h - irqlab's network path: a NIC, lwIP, and the results
 * transport (docs/protocol.md). All of it runs from the main loop only.
 *
 *	net_start()    after the machine report: NIC, address (DHCP or
 *	               static), collector address; a failure is one clear
 *	               message and results go to serial only
 *	net_service()  between suites: send what the log holds, answer NACKs
 *	net_finish()   after the end-of-run record: send, resend END until the
 *	               collector acknowledges or net_timeout_ms passes; says
 *	               which happened
 */
#ifndef IRQLAB_NET_NETSTACK_H
#define IRQLAB_NET_NETSTACK_H

#include <stdbool.h>
#include <stdint.h>

struct nic;
struct netif;

struct netif *net_link_up(struct nic *n);
void net_poll(void);

void net_start(void);
void net_service(void);
void net_finish(void);
bool net_active(void);

#endif
