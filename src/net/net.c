/*
 * net.c - bring up the lwIP stack. NIC drivers and their netifs attach
 * to it later; see net.h for the rules every caller follows.
 */
#include "net/net.h"

#include "lwip/init.h"

void net_stack_init(void)
{
	lwip_init();
}
