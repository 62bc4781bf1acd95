# lwip.mk - the lwIP 2.1.3 sources irqlab links, as $(LWIP_SRC)/src/... paths.
# Included by the top-level Makefile, which builds them with the kernel
# flags plus -mgeneral-regs-only -w. The tree itself lives in the build
# cache (LWIP_SRC) and is never copied into this repository.
#
# Only files that carry code under src/net/lwip_port/lwipopts.h are listed:
# no TCP/altcp, IPv6, DNS, raw, IGMP, AutoIP, sockets or netconn. Adding
# an option there usually means adding its file here (lwIP's own
# src/Filelists.mk names them).

LWIP_CSRCS := \
	$(LWIP_SRC)/src/core/init.c \
	$(LWIP_SRC)/src/core/def.c \
	$(LWIP_SRC)/src/core/inet_chksum.c \
	$(LWIP_SRC)/src/core/ip.c \
	$(LWIP_SRC)/src/core/mem.c \
	$(LWIP_SRC)/src/core/memp.c \
	$(LWIP_SRC)/src/core/netif.c \
	$(LWIP_SRC)/src/core/pbuf.c \
	$(LWIP_SRC)/src/core/stats.c \
	$(LWIP_SRC)/src/core/timeouts.c \
	$(LWIP_SRC)/src/core/udp.c \
	$(LWIP_SRC)/src/core/ipv4/dhcp.c \
	$(LWIP_SRC)/src/core/ipv4/etharp.c \
	$(LWIP_SRC)/src/core/ipv4/icmp.c \
	$(LWIP_SRC)/src/core/ipv4/ip4.c \
	$(LWIP_SRC)/src/core/ipv4/ip4_addr.c \
	$(LWIP_SRC)/src/core/ipv4/ip4_frag.c \
	$(LWIP_SRC)/src/netif/ethernet.c
