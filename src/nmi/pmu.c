/*
 * pmu.c - PMU counter overflow as an NMI source: detection, programming,
 * the NMI handler. Pure: the hardware is behind p->ops (pmu_msr.h).
 *
 * The sequences, and the hardware facts they rest on:
 *
 *  start (Intel v2+, AMD PerfMonV2)    start (Intel v1, AMD legacy)
 *	GLOBAL_CTRL = 0                     EVTSEL = 0
 *	EVTSEL / FIXED_CTR_CTRL = 0         counter = -period
 *	counter = -period                   LVT_PMC = NMI, unmasked
 *	ack our status bit (stale)          EVTSEL = event | OS | INT | EN
 *	EVTSEL / FIXED_CTR_CTRL = on, PMI
 *	LVT_PMC = NMI, unmasked
 *	GLOBAL_CTRL = our bit
 *
 *  NMI (global)                        NMI (no global status)
 *	status = GLOBAL_STATUS              v = counter
 *	not our bit: not ours               bit width-1 still set: not ours
 *	GLOBAL_CTRL = 0                     counter = -period (re-arm)
 *	counter = -period (re-arm)          LVT_PMC = NMI, unmasked
 *	ack our bit (+ v4 freeze bits)
 *	GLOBAL_CTRL = our bit
 *	LVT_PMC = NMI, unmasked
 *
 * Why this order:
 *  - Delivering a PMI sets the mask bit of Intel's LVT performance-counter
 *    entry (SDM vol. 3A, "Local Vector Table"), so every handler unmasks
 *    it. It does so last, after the counter is re-armed and the overflow
 *    acknowledged: an overflow still pending when the entry is unmasked
 *    is signalled again, a spurious NMI. Linux unmasks late on Haswell
 *    and later for exactly this reason (intel_pmu_handle_irq, "late
 *    ack"). AMD does not set the mask bit (Linux amd_pmu_v2_handle_irq);
 *    writing the unmasked value there is harmless and keeps one sequence.
 *  - The counter is stopped (GLOBAL_CTRL = 0) across re-arm and ack, so
 *    the ack, which comes after the re-arm, cannot clear the status of a
 *    fresh overflow: nothing counts between the two.
 *  - Without a global status register (Intel v1, AMD legacy) the counter
 *    itself is the status: preloaded with -period its top bit (width-1)
 *    is set until it wraps past zero; re-arming it is the acknowledgement.
 *  - Counter writes are masked to the counter's width: bits above it are
 *    reserved and a full-width write with them set raises #GP.
 */
#include "nmi/pmu.h"
#include "arch/apic.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static struct pmu_cpuid_regs cpuid(const struct pmu *p, uint32_t leaf)
{
	return p->ops->cpuid(p->ops->ctx, leaf, 0);
}

__attribute__((format(printf, 2, 3)))
static int no_pmu(struct pmu *p, const char *fmt, ...)
{
	va_list ap;

	p->caps.vendor = PMU_NONE;
	va_start(ap, fmt);
	vsnprintf(p->caps.why, sizeof(p->caps.why), fmt, ap);
	va_end(ap);
	return -1;
}

__attribute__((format(printf, 2, 3)))
static int fail(struct pmu *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return -1;
}

static bool width_ok(unsigned w)
{
	/* Every PMU irqlab knows counts with 40 to 48 bits; fewer than 32
	 * would make even the 32-bit write path wrong. */
	return w >= 32 && w <= 64;
}

static bool is_amd(struct pmu_cpuid_regs v)
{
	/* "AuthenticAMD"; Hygon ("HygonGenuine") carries AMD's PMU. */
	return (v.b == 0x68747541 && v.d == 0x69746e65 && v.c == 0x444d4163) ||
	       (v.b == 0x6f677948 && v.d == 0x6e65476e && v.c == 0x656e6975);
}

static int detect_amd(struct pmu *p)
{
	struct pmu_caps *c = &p->caps;
	uint32_t ext_max = cpuid(p, 0x80000000u).a;

	c->vendor = PMU_AMD;
	c->gp_width = AMD_COUNTER_WIDTH;
	if (ext_max >= 0x80000022u &&
	    (cpuid(p, 0x80000022u).a & AMD_EXT22_EAX_PERFMON_V2)) {
		c->version = 2;
		c->amd_ext_core = true;	/* PerfMonV2 counters are the 0xc0010200 set */
		c->n_gp = cpuid(p, 0x80000022u).b & 0xf;
		if (!c->n_gp)
			return no_pmu(p, "AMD PerfMonV2 with 0 core counters (CPUID 0x80000022 EBX)");
		return 0;
	}
	c->version = 1;
	if (ext_max >= 0x80000001u &&
	    (cpuid(p, 0x80000001u).c & AMD_EXT1_ECX_PERFCTR_CORE)) {
		c->amd_ext_core = true;
		c->n_gp = 6;
		return 0;
	}
	/* The four K7 counters have no CPUID bit: every AMD64 part has them,
	 * a hypervisor need not. Without PerfCtrExtCore or PerfMonV2 under a
	 * hypervisor, assume none (pmu_readback would catch a lie anyway). */
	if (c->hypervisor)
		return no_pmu(p, "AMD CPU without PerfCtrExtCore or PerfMonV2 under a hypervisor");
	c->n_gp = 4;
	return 0;
}

static int detect_intel(struct pmu *p, uint32_t max_basic, bool pdcm)
{
	struct pmu_caps *c = &p->caps;
	struct pmu_cpuid_regs a;
	const char *hv = c->hypervisor ? " (hypervisor present)" : "";

	if (max_basic < 0xa)
		return no_pmu(p, "CPUID has no leaf 0xA (highest basic leaf 0x%x)%s",
			      max_basic, hv);
	a = cpuid(p, 0xa);
	c->vendor = PMU_INTEL;
	c->version = a.a & 0xff;
	if (!c->version)
		return no_pmu(p, "CPUID.0AH reports perfmon version 0%s", hv);
	c->n_gp = (a.a >> 8) & 0xff;
	c->gp_width = (a.a >> 16) & 0xff;
	c->events_len = a.a >> 24;
	c->events_missing = a.b;
	if (c->version >= 2) {
		c->n_fixed = a.d & 0x1f;
		c->fixed_width = (a.d >> 5) & 0xff;
		c->fixed_mask = c->n_fixed >= 32 ? ~0u : (1u << c->n_fixed) - 1;
	}
	/* v5: fixed counter i exists if ECX[i] or EDX[4:0] > i, so the set
	 * need not be contiguous. */
	if (c->version >= 5)
		c->fixed_mask |= a.c;
	if (pdcm) {
		uint64_t cap;

		if (!p->ops->read_safe(p->ops->ctx, MSR_IA32_PERF_CAPABILITIES, &cap))
			c->full_width_write = cap & PERF_CAP_FW_WRITE;
	}
	if (!pmu_counter_available(c, PMU_CTR_AUTO))
		return no_pmu(p, "CPUID.0AH: perfmon v%u with no usable counter "
			      "(%u general x %u bits, fixed 0x%x x %u bits, events missing 0x%x/%u)%s",
			      c->version, c->n_gp, c->gp_width, c->fixed_mask,
			      c->fixed_width, c->events_missing, c->events_len, hv);
	return 0;
}

int pmu_detect(struct pmu *p, const struct pmu_msr_ops *ops)
{
	struct pmu_cpuid_regs v, f;

	memset(p, 0, sizeof(*p));
	p->ops = ops;
	v = cpuid(p, 0);
	f = v.a >= 1 ? cpuid(p, 1) : (struct pmu_cpuid_regs){ 0 };
	p->caps.hypervisor = f.c & CPUID1_ECX_HYPERVISOR;
	if (is_amd(v))
		return detect_amd(p);
	/* Architectural perfmon is defined by leaf 0xA, not by the vendor
	 * string (Zhaoxin/Centaur implement it too). */
	return detect_intel(p, v.a, f.c & CPUID1_ECX_PDCM);
}

static bool fixed_ok(const struct pmu_caps *c, unsigned i)
{
	return c->vendor == PMU_INTEL && c->version >= 2 &&
	       (c->fixed_mask >> i) & 1 && width_ok(c->fixed_width);
}

bool pmu_counter_available(const struct pmu_caps *c, enum pmu_counter_kind k)
{
	switch (k) {
	case PMU_CTR_FIXED_CYCLES:
		return fixed_ok(c, INTEL_FIXED_CORE_CYCLES);
	case PMU_CTR_FIXED_INSTRUCTIONS:
		return fixed_ok(c, INTEL_FIXED_INSTRUCTIONS);
	case PMU_CTR_GP_CYCLES:
		if (c->vendor == PMU_AMD)
			return c->n_gp >= 1;
		/* EBX bit 0 set, or beyond the enumerated length: no core
		 * cycles event on the general counters. */
		return c->vendor == PMU_INTEL && c->n_gp >= 1 && width_ok(c->gp_width) &&
		       c->events_len >= 1 && !(c->events_missing & 1);
	case PMU_CTR_AUTO:
		return pmu_counter_available(c, PMU_CTR_FIXED_CYCLES) ||
		       pmu_counter_available(c, PMU_CTR_GP_CYCLES) ||
		       pmu_counter_available(c, PMU_CTR_FIXED_INSTRUCTIONS);
	default:
		return false;
	}
}

const char *pmu_counter_kind_name(enum pmu_counter_kind k)
{
	static const char *const names[PMU_CTR_KINDS] = {
		"auto", "fixed-cycles", "fixed-instructions", "gp-cycles",
	};
	return (unsigned)k < PMU_CTR_KINDS ? names[k] : "?";
}

const char *pmu_describe(const struct pmu_caps *c, char *buf, size_t len)
{
	const char *hv = c->hypervisor ? ", hypervisor" : "";

	if (c->vendor == PMU_INTEL)
		snprintf(buf, len, "Intel perfmon v%u: %u general x %u bits, "
			 "fixed 0x%x x %u bits, %s writes%s", c->version, c->n_gp,
			 c->gp_width, c->fixed_mask, c->fixed_width,
			 c->full_width_write ? "full-width" : "32-bit", hv);
	else if (c->vendor == PMU_AMD)
		snprintf(buf, len, "AMD %s: %u counters x %u bits%s",
			 c->version == 2 ? "PerfMonV2" :
			 c->amd_ext_core ? "PerfCtrExtCore" : "legacy",
			 c->n_gp, c->gp_width, hv);
	else
		snprintf(buf, len, "none: %s", c->why);
	return buf;
}

uint64_t pmu_max_period(const struct pmu *p)
{
	uint64_t top = (1ull << (p->width - 1)) - 1;

	/* Intel without full-width writes: see PMU_MAX_PERIOD_32BIT. Linux
	 * applies the limit to the fixed counters too; so does irqlab. */
	if (p->caps.vendor == PMU_INTEL && !p->caps.full_width_write &&
	    top > PMU_MAX_PERIOD_32BIT)
		top = PMU_MAX_PERIOD_32BIT;
	return top;
}

int pmu_period_for_rate(uint64_t clock_hz, uint64_t rate_hz, uint64_t max_period,
			uint64_t *period, char *err, size_t errlen)
{
	uint64_t n;

	if (!rate_hz) {
		snprintf(err, errlen, "PMU NMI rate must be at least 1 Hz");
		return -1;
	}
	if (!clock_hz) {
		snprintf(err, errlen, "PMU: the counted clock's rate is unknown");
		return -1;
	}
	n = clock_hz / rate_hz;
	if (n < PMU_MIN_PERIOD) {
		snprintf(err, errlen, "PMU NMI rate %llu Hz too high: %llu events per NMI "
			 "at %llu Hz, minimum %llu", (unsigned long long)rate_hz,
			 (unsigned long long)n, (unsigned long long)clock_hz,
			 (unsigned long long)PMU_MIN_PERIOD);
		return -1;
	}
	if (n > max_period) {
		snprintf(err, errlen, "PMU NMI rate %llu Hz too low: %llu events per NMI "
			 "at %llu Hz, the counter takes at most %llu",
			 (unsigned long long)rate_hz, (unsigned long long)n,
			 (unsigned long long)clock_hz, (unsigned long long)max_period);
		return -1;
	}
	*period = n;
	return 0;
}

static void setup_intel(struct pmu *p)
{
	const struct pmu_caps *c = &p->caps;

	p->status_msr = MSR_IA32_PERF_GLOBAL_STATUS;
	p->ctrl_msr = MSR_IA32_PERF_GLOBAL_CTRL;
	/* v4+ STATUS_RESET also clears the freeze bits; v2-v3 OVF_CTRL has
	 * no such bits (reserved: writing them raises #GP). The freeze bits
	 * are set on PMI if IA32_DEBUGCTL asks for freezing (firmware or
	 * another tool may have left it so); left set, they keep every
	 * counter frozen and no further PMI comes. */
	p->ack_msr = c->version >= 4 ? MSR_IA32_PERF_GLOBAL_STATUS_RESET
				     : MSR_IA32_PERF_GLOBAL_OVF_CTRL;
	p->ack_extra = c->version >= 4 ? GLOBAL_STATUS_LBR_FRZ | GLOBAL_STATUS_CTR_FRZ : 0;
	if (p->kind == PMU_CTR_GP_CYCLES) {
		p->index = 0;
		p->width = c->gp_width;
		/*
		 * A write to IA32_PMCx stores EAX sign-extended to the counter
		 * width (EDX is ignored): -period arrives intact only while
		 * period < 2^31 (pmu_max_period). IA32_A_PMCx, present when
		 * IA32_PERF_CAPABILITIES[13] says so, takes all width bits.
		 * Reads of either give the full value.
		 */
		p->ctr_msr = (c->full_width_write ? MSR_IA32_A_PMC0 : MSR_IA32_PMC0) + p->index;
		p->sel_msr = MSR_IA32_PERFEVTSEL0 + p->index;
		/* Ring 0 only: irqlab never leaves it. */
		p->sel_val = EVTSEL_EVENT(INTEL_EVENT_CORE_CYCLES) | EVTSEL_UMASK(0) |
			     EVTSEL_OS | EVTSEL_INT | EVTSEL_EN;
		p->global = c->version >= 2;
		p->ovf_bit = 1ull << p->index;
	} else {
		p->index = p->kind == PMU_CTR_FIXED_CYCLES ? INTEL_FIXED_CORE_CYCLES
							   : INTEL_FIXED_INSTRUCTIONS;
		p->width = c->fixed_width;
		p->ctr_msr = MSR_IA32_FIXED_CTR0 + p->index;
		p->sel_msr = MSR_IA32_FIXED_CTR_CTRL;
		p->sel_val = FIXED_CTRL_FIELD(p->index, FIXED_CTRL_OS | FIXED_CTRL_PMI);
		p->global = true;
		p->ovf_bit = GLOBAL_FIXED_BIT(p->index);
	}
}

static void setup_amd(struct pmu *p)
{
	const struct pmu_caps *c = &p->caps;

	p->index = 0;
	p->width = c->gp_width;
	if (c->amd_ext_core) {
		p->ctr_msr = MSR_F15H_PERF_CTR0 + 2 * p->index;
		p->sel_msr = MSR_F15H_PERF_CTL0 + 2 * p->index;
	} else {
		p->ctr_msr = MSR_K7_PERFCTR0 + p->index;
		p->sel_msr = MSR_K7_EVNTSEL0 + p->index;
	}
	p->sel_val = EVTSEL_EVENT(AMD_EVENT_CORE_CYCLES) | EVTSEL_OS | EVTSEL_INT | EVTSEL_EN;
	/* PerfMonV2: a counter counts only with both its EN bit and its bit
	 * in PerfCntrGlobalCtl set. */
	p->global = c->version >= 2;
	p->status_msr = MSR_AMD_PERF_GLOBAL_STATUS;
	p->ctrl_msr = MSR_AMD_PERF_GLOBAL_CTL;
	p->ack_msr = MSR_AMD_PERF_GLOBAL_STATUS_CLR;
	p->ovf_bit = 1ull << p->index;
}

int pmu_setup(struct pmu *p, enum pmu_counter_kind kind, uint64_t clock_hz,
	      uint64_t rate_hz)
{
	const struct pmu_caps *c = &p->caps;
	char desc[160];

	if (p->running)
		return fail(p, "PMU: already running");
	if (c->vendor == PMU_NONE)
		return fail(p, "%s (%s)", PMU_NO_PMU_MSG, c->why);
	if ((unsigned)kind >= PMU_CTR_KINDS)
		return fail(p, "PMU: unknown counter kind %d", (int)kind);
	if (kind == PMU_CTR_AUTO) {
		if (pmu_counter_available(c, PMU_CTR_FIXED_CYCLES))
			kind = PMU_CTR_FIXED_CYCLES;
		else if (pmu_counter_available(c, PMU_CTR_GP_CYCLES))
			kind = PMU_CTR_GP_CYCLES;
		else
			kind = PMU_CTR_FIXED_INSTRUCTIONS;
	}
	if (!pmu_counter_available(c, kind))
		return fail(p, "PMU counter %s is not available on %s",
			    pmu_counter_kind_name(kind), pmu_describe(c, desc, sizeof(desc)));
	p->kind = kind;
	if (c->vendor == PMU_INTEL)
		setup_intel(p);
	else
		setup_amd(p);
	p->width_mask = p->width >= 64 ? ~0ull : (1ull << p->width) - 1;
	if (pmu_period_for_rate(clock_hz, rate_hz, pmu_max_period(p), &p->period,
				p->err, sizeof(p->err)) < 0)
		return -1;
	p->preload = (0 - p->period) & p->width_mask;
	return 0;
}

#define SAFE_W(p, msr, val)							\
	do {									\
		int v_ = (p)->ops->write_safe((p)->ops->ctx, (msr), (val));	\
		if (v_)								\
			return fail((p), "PMU: write of 0x%llx to MSR 0x%x raised vector %d", \
				    (unsigned long long)(val), (unsigned)(msr), v_); \
	} while (0)

int pmu_readback(struct pmu *p)
{
	/* Fits in 31 bits, so the sign-extending IA32_PMCx path stores it
	 * unchanged too; not a value a dead register reads back. */
	const uint64_t pattern = 0x2345abcull;
	uint64_t got = 0;
	int v;

	if (p->running)
		return fail(p, "PMU: already running");
	SAFE_W(p, p->sel_msr, 0);	/* not counting while we look */
	SAFE_W(p, p->ctr_msr, pattern);
	v = p->ops->read_safe(p->ops->ctx, p->ctr_msr, &got);
	if (v)
		return fail(p, "PMU: read of MSR 0x%x raised vector %d", p->ctr_msr, v);
	SAFE_W(p, p->ctr_msr, 0);
	if ((got & p->width_mask) != pattern)
		return fail(p, "%s (counter MSR 0x%x reads 0x%llx after writing 0x%llx: "
			    "the writes are dropped)", PMU_NO_PMU_MSG, p->ctr_msr,
			    (unsigned long long)got, (unsigned long long)pattern);
	return 0;
}

static int program(struct pmu *p)
{
	if (p->global)
		SAFE_W(p, p->ctrl_msr, 0);
	SAFE_W(p, p->sel_msr, 0);
	SAFE_W(p, p->ctr_msr, p->preload);
	if (p->global)
		SAFE_W(p, p->ack_msr, p->ovf_bit | p->ack_extra);
	if (p->global)
		SAFE_W(p, p->sel_msr, p->sel_val);
	p->ops->apic_write(p->ops->ctx, APIC_LVT_PMC, APIC_DM_NMI);
	/* Claim from the first overflow on: it can come right after the
	 * enable below. */
	p->running = true;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	SAFE_W(p, p->global ? p->ctrl_msr : p->sel_msr, p->global ? p->ovf_bit : p->sel_val);
	return 0;
}

int pmu_start(struct pmu *p)
{
	if (p->running)
		return fail(p, "PMU: already running");
	if (!p->period || p->caps.vendor == PMU_NONE)
		return fail(p, "PMU: pmu_setup first");
	p->raised = p->handled = 0;
	p->stopping = false;
	if (program(p) < 0) {
		p->running = false;
		if (p->global)
			p->ops->write_safe(p->ops->ctx, p->ctrl_msr, 0);
		p->ops->write_safe(p->ops->ctx, p->sel_msr, 0);
		p->ops->apic_write(p->ops->ctx, APIC_LVT_PMC, APIC_LVT_MASKED | APIC_DM_NMI);
		return -1;
	}
	return 0;
}

bool pmu_handle(struct pmu *p)
{
	const struct pmu_msr_ops *o = p->ops;

	if (!p->running)
		return false;
	if (p->global) {
		uint64_t status = o->read(o->ctx, p->status_msr);

		if (!(status & p->ovf_bit))
			return false;
		p->raised++;
		o->write(o->ctx, p->ctrl_msr, 0);
		o->write(o->ctx, p->ctr_msr, p->preload);
		o->write(o->ctx, p->ack_msr, p->ovf_bit | (status & p->ack_extra));
		if (!p->stopping)
			o->write(o->ctx, p->ctrl_msr, p->ovf_bit);
	} else {
		uint64_t v = o->read(o->ctx, p->ctr_msr);

		if (v & (1ull << (p->width - 1)))
			return false;
		p->raised++;
		o->write(o->ctx, p->ctr_msr, p->preload);
	}
	o->apic_write(o->ctx, APIC_LVT_PMC, APIC_DM_NMI);
	p->handled++;
	return true;
}

void pmu_quiesce(struct pmu *p)
{
	if (!p->running)
		return;
	/* Before the writes: an NMI from here on must not re-enable. */
	p->stopping = true;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (p->global)
		p->ops->write_safe(p->ops->ctx, p->ctrl_msr, 0);
	p->ops->write_safe(p->ops->ctx, p->sel_msr, 0);
}

void pmu_finish(struct pmu *p)
{
	const struct pmu_msr_ops *o = p->ops;
	uint64_t v = 0;
	bool pending;

	if (!p->running)
		return;
	pmu_quiesce(p);
	/* An overflow the hardware signalled but no NMI serviced (lost, or
	 * the LVT entry left masked) counts as raised, not handled. */
	if (p->global) {
		o->read_safe(o->ctx, p->status_msr, &v);
		pending = v & p->ovf_bit;
		if (pending)
			o->write_safe(o->ctx, p->ack_msr, p->ovf_bit | (v & p->ack_extra));
	} else {
		o->read_safe(o->ctx, p->ctr_msr, &v);
		pending = !(v & (1ull << (p->width - 1)));
	}
	if (pending)
		p->raised++;
	o->apic_write(o->ctx, APIC_LVT_PMC, APIC_LVT_MASKED | APIC_DM_NMI);
	p->running = false;
	p->stopping = false;
}
