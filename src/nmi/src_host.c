/*
 * src_host.c - NMIs injected by the host: QEMU's monitor command `nmi`
 * (HMP; QMP inject-nmi) raises an external NMI on every CPU. With a local
 * APIC that is LINT1 (hw/i386/x86.c x86_nmi -> apic_deliver_nmi ->
 * apic_external_nmi), delivered only if LINT1 is unmasked in NMI mode;
 * while it is masked (the boot default here) QEMU drops the NMI. PCs wire
 * the chipset's NMI to LINT1 the same way; the MADT's local APIC NMI
 * entry names the pin and its polarity.
 *
 * The image cannot tell these NMIs from any other by hardware, so the
 * source is a fallback (nmi.h): it claims the NMIs no other started source
 * claimed. Run it alone and it counts exactly the host's NMIs.
 *
 * The test runner must say that it injects: nmi_host_expect=N on the
 * command line is the number of `nmi` commands it will send once the
 * image prints that it is ready, one at a time, each after the image has
 * printed that it received the previous one, so that none collapses into
 * another (tests/inject-nmi.sh, t_nmi_sources.c). raised = N; the rate is
 * the runner's, the rate argument of start() is ignored.
 */
#include "nmi/nmi.h"
#include "nmi/sources.h"
#include "config.h"
#include "platform.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include <stdio.h>

CONFIG_OPTION(opt_nmi_host_expect, "nmi_host_expect", OPT_UINT, NULL, 0, 1000000, "0",
	      "NMIs the test runner injects through QEMU's monitor (`nmi`); "
	      "0: none, the host NMI source is skipped");

#define ACPI_UID_ALL_XAPIC	0xffu
#define ACPI_UID_ALL_X2APIC	0xffffffffu

static struct nmi_source host_nmi_source;

static unsigned lvt_reg;
static uint32_t saved_lvt;
static volatile bool armed;

/* The LINT pin and LVT polarity bit the MADT gives for this CPU's NMI
 * input; LINT1, active high, without an entry. */
static void nmi_pin(unsigned *reg, uint32_t *polarity)
{
	uint32_t uid = ACPI_UID_ALL_X2APIC;

	*reg = APIC_LVT_LINT1;
	*polarity = 0;
	if (!acpi_ok || !acpi.have_madt)
		return;
	for (unsigned i = 0; i < acpi.n_cpus; i++)
		if (acpi.cpus[i].apic_id == apic_id())
			uid = acpi.cpus[i].acpi_uid;
	for (unsigned i = 0; i < acpi.n_lapic_nmis; i++) {
		const struct acpi_lapic_nmi *n = &acpi.lapic_nmis[i];

		if (n->acpi_uid != uid && n->acpi_uid != ACPI_UID_ALL_XAPIC &&
		    n->acpi_uid != ACPI_UID_ALL_X2APIC)
			continue;
		*reg = n->lint ? APIC_LVT_LINT1 : APIC_LVT_LINT0;
		/* LVT bit 13: input pin polarity, 1 = active low. */
		*polarity = ACPI_INTI_POLARITY(n->flags) == 3 ? 1u << 13 : 0;
		return;
	}
}

static bool host_nmi_probe(char *why, size_t whylen)
{
	if (opt_nmi_host_expect.u == 0) {
		snprintf(why, whylen, "the host injects no NMIs here (nmi_host_expect=0; "
			 "a runner that sends monitor `nmi` commands sets it, "
			 "see tests/inject-nmi.sh)");
		return false;
	}
	if (apic_mode() == APIC_MODE_NONE) {
		snprintf(why, whylen, "no local APIC");
		return false;
	}
	return true;
}

static int host_nmi_start(uint64_t rate_hz, char *err, size_t errlen)
{
	uint32_t polarity;
	char why[200];

	(void)rate_hz;
	if (!host_nmi_probe(why, sizeof(why))) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	nmi_pin(&lvt_reg, &polarity);
	saved_lvt = apic_read(lvt_reg);
	host_nmi_source.raised = opt_nmi_host_expect.u;
	armed = true;
	barrier();
	/* NMI delivery: edge-sensitive whatever bit 15 says (SDM 11.5.1),
	 * and level is not supported on LINT1 at all. */
	apic_write(lvt_reg, APIC_DM_NMI | polarity);
	return 0;
}

static bool host_nmi_handle(void)
{
	if (!armed)
		return false;
	return nmi_claim(&host_nmi_source, 1, 0);
}

static void host_nmi_stop(void)
{
	apic_write(lvt_reg, APIC_LVT_MASKED);
	nmi_drain();
	armed = false;
	apic_write(lvt_reg, saved_lvt);
}

uint64_t host_nmi_expected(void) { return opt_nmi_host_expect.u; }

static struct nmi_source host_nmi_source = {
	.name = "host",
	.probe = host_nmi_probe,
	.start = host_nmi_start,
	.stop = host_nmi_stop,
	.handle = host_nmi_handle,
	.fallback = true,
};
NMI_SOURCE(host_nmi_source);
