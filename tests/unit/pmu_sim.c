/*
 * pmu_sim.c - the simulated PMU described in pmu_sim.h.
 */
#include "tests/unit/pmu_sim.h"
#include "arch/apic.h"

#include <string.h>

#define GP		13	/* #GP vector */

static uint64_t mask_bits(unsigned w)
{
	return w >= 64 ? ~0ull : (1ull << w) - 1;
}

static bool intel(const struct sim *s)
{
	return !s->m.amd;
}

/* Intel v2+ or AMD PerfMonV2: global control and status exist. */
static bool has_global(const struct sim *s)
{
	return s->m.version >= 2;
}

static unsigned amd_counters(const struct sim *s)
{
	if (s->m.version >= 2)
		return s->m.n_gp;
	return s->m.amd_ext_core ? 6 : 4;
}

static unsigned n_gp(const struct sim *s)
{
	return s->m.amd ? amd_counters(s) : s->m.n_gp;
}

static uint32_t fixed_set(const struct sim *s)
{
	uint32_t m;

	if (s->m.amd || s->m.version < 2)
		return 0;
	m = (uint32_t)mask_bits(s->m.n_fixed);
	if (s->m.version >= 5)
		m |= s->m.fixed_ecx;
	return m & 0xff;
}

static unsigned gp_width(const struct sim *s)
{
	return s->m.amd ? 48 : s->m.gp_width;
}

/* Bits of GLOBAL_CTRL / STATUS that name counters. */
static uint64_t counter_bits(const struct sim *s)
{
	return mask_bits(n_gp(s)) | ((uint64_t)fixed_set(s) << 32);
}

static uint64_t ack_allowed(const struct sim *s)
{
	uint64_t m = counter_bits(s);

	if (s->m.amd)
		return m;
	m |= GLOBAL_STATUS_OVF_BUF | GLOBAL_STATUS_COND_CHGD;
	if (s->m.version >= 3)
		m |= GLOBAL_STATUS_OVF_UNCORE;
	if (s->m.version >= 4)
		m |= (1ull << 55) | GLOBAL_STATUS_LBR_FRZ | GLOBAL_STATUS_CTR_FRZ | (1ull << 60);
	return m;
}

/* Status bits whose counter has its PMI enabled. */
static uint64_t pmi_enabled(const struct sim *s)
{
	uint64_t m = 0;

	for (unsigned i = 0; i < n_gp(s); i++)
		if (s->sel[i] & EVTSEL_INT)
			m |= 1ull << i;
	for (unsigned i = 0; i < 8; i++)
		if ((fixed_set(s) >> i & 1) && (s->fixed_ctrl >> (4 * i) & FIXED_CTRL_PMI))
			m |= GLOBAL_FIXED_BIT(i);
	return m;
}

static bool lvt_delivers(const struct sim *s)
{
	return !(s->lvt & APIC_LVT_MASKED) && (s->lvt & 0x700) == APIC_DM_NMI;
}

static void deliver(struct sim *s)
{
	s->pmis_delivered++;
	s->nmi_latched = 1;	/* a second one while latched collapses */
	if (intel(s))
		s->lvt |= APIC_LVT_MASKED;
}

/* Intel v2+: the PMI is asserted while a PMI-enabled status bit is set. */
static void level_check(struct sim *s)
{
	if (intel(s) && s->m.version >= 2 && (s->gstatus & pmi_enabled(s) & counter_bits(s)) &&
	    lvt_delivers(s))
		deliver(s);
}

static void overflow(struct sim *s, unsigned slot, bool pmi)
{
	s->overflows++;
	if (has_global(s))
		s->gstatus |= 1ull << slot;
	if (!pmi)
		return;
	if (intel(s) && (s->debugctl & DEBUGCTL_FREEZE_PERFMON_ON_PMI)) {
		if (s->m.version >= 4)
			s->gstatus |= GLOBAL_STATUS_CTR_FRZ;
		else if (s->m.version >= 2)
			s->gctrl = 0;
	}
	if (intel(s) && s->m.version >= 2) {
		level_check(s);
	} else if (lvt_delivers(s)) {
		deliver(s);
	} else {
		s->pmis_lost++;
	}
}

static void count(struct sim *s, uint64_t *ctr, unsigned width, unsigned slot,
		  bool pmi, uint64_t n)
{
	uint64_t m = mask_bits(width), v = (*ctr & m) + n;

	*ctr = v & m;
	if (v > m)
		overflow(s, slot, pmi);
}

static void advance(struct sim *s, uint64_t n)
{
	bool frozen = intel(s) && s->m.version >= 4 && (s->gstatus & GLOBAL_STATUS_CTR_FRZ);

	if (s->m.drop_writes || frozen)
		return;
	for (unsigned i = 0; i < n_gp(s); i++) {
		bool on = s->sel[i] & EVTSEL_EN;

		if (has_global(s))
			on = on && (s->gctrl >> i & 1);
		if (on)
			count(s, &s->ctr[i], gp_width(s), i, s->sel[i] & EVTSEL_INT, n);
	}
	for (unsigned i = 0; i < 8; i++) {
		uint64_t f = s->fixed_ctrl >> (4 * i) & 0xf;

		if ((fixed_set(s) >> i & 1) && (f & 3) && (s->gctrl >> (32 + i) & 1))
			count(s, &s->fixed[i], s->m.fixed_width, 32 + i, f & FIXED_CTRL_PMI, n);
	}
}

static uint64_t sext32(uint64_t v)
{
	return (uint64_t)(int64_t)(int32_t)(uint32_t)v;
}

bool sim_is_counter_msr(const struct sim *s, uint32_t msr, unsigned *slot)
{
	unsigned i;

	if (s->m.amd) {
		if (msr >= MSR_K7_PERFCTR0 && msr < MSR_K7_PERFCTR0 + 4)
			i = msr - MSR_K7_PERFCTR0;
		else if (msr >= MSR_F15H_PERF_CTR0 && msr < MSR_F15H_PERF_CTR0 + 12 &&
			 (msr - MSR_F15H_PERF_CTR0) % 2 == 0)
			i = (msr - MSR_F15H_PERF_CTR0) / 2;
		else
			return false;
		*slot = i;
		return true;
	}
	if (msr >= MSR_IA32_PMC0 && msr < MSR_IA32_PMC0 + 8)
		*slot = msr - MSR_IA32_PMC0;
	else if (msr >= MSR_IA32_A_PMC0 && msr < MSR_IA32_A_PMC0 + 8)
		*slot = msr - MSR_IA32_A_PMC0;
	else if (msr >= MSR_IA32_FIXED_CTR0 && msr < MSR_IA32_FIXED_CTR0 + 8)
		*slot = 32 + msr - MSR_IA32_FIXED_CTR0;
	else
		return false;
	return true;
}

uint64_t sim_counter_mask(const struct sim *s, uint32_t msr)
{
	unsigned slot = 0;

	sim_is_counter_msr(s, msr, &slot);
	return mask_bits(slot >= 32 ? s->m.fixed_width : gp_width(s));
}

uint64_t sim_counter_after_write(const struct sim *s, uint32_t msr, uint64_t val)
{
	uint64_t m = sim_counter_mask(s, msr);

	if (intel(s) && msr >= MSR_IA32_PMC0 && msr < MSR_IA32_PMC0 + 8)
		return sext32(val) & m;
	return val & m;
}

/* One MSR access: 0, or GP. */
static int msr_access(struct sim *s, uint32_t msr, bool wr, uint64_t *val)
{
	unsigned i, slot;
	uint64_t v = wr ? *val : 0;

	if (s->m.drop_writes) {	/* QEMU TCG: reads 0, writes vanish */
		if (!wr)
			*val = 0;
		return 0;
	}
	if (sim_is_counter_msr(s, msr, &slot)) {
		uint64_t *c;
		uint64_t m = sim_counter_mask(s, msr);

		if (slot >= 32) {
			if (!(fixed_set(s) >> (slot - 32) & 1))
				return GP;
			c = &s->fixed[slot - 32];
		} else {
			if (slot >= n_gp(s))
				return GP;
			if (s->m.amd && msr >= MSR_F15H_PERF_CTR0 && !s->m.amd_ext_core &&
			    s->m.version < 2)
				return GP;
			if (intel(s) && msr >= MSR_IA32_A_PMC0 && !s->m.fw_write)
				return GP;
			c = &s->ctr[slot];
		}
		if (!wr) {
			*val = *c;
			return 0;
		}
		if (intel(s) && msr >= MSR_IA32_PMC0 && msr < MSR_IA32_PMC0 + 8) {
			*c = sext32(v) & m;
			return 0;
		}
		if (v & ~m)
			return GP;	/* bits above the width are reserved */
		*c = v;
		return 0;
	}
	if (s->m.amd) {
		if (msr >= MSR_K7_EVNTSEL0 && msr < MSR_K7_EVNTSEL0 + 4)
			i = msr - MSR_K7_EVNTSEL0;
		else if ((s->m.amd_ext_core || s->m.version >= 2) &&
			 msr >= MSR_F15H_PERF_CTL0 && msr < MSR_F15H_PERF_CTL0 + 2 * n_gp(s) &&
			 (msr - MSR_F15H_PERF_CTL0) % 2 == 0)
			i = (msr - MSR_F15H_PERF_CTL0) / 2;
		else if (s->m.version >= 2 && msr >= MSR_AMD_PERF_GLOBAL_STATUS &&
			 msr <= MSR_AMD_PERF_GLOBAL_STATUS_SET)
			goto global;
		else
			return GP;
		if (i >= n_gp(s))
			return GP;
		if (wr)
			s->sel[i] = v;
		else
			*val = s->sel[i];
		return 0;
	}
	if (msr >= MSR_IA32_PERFEVTSEL0 && msr < MSR_IA32_PERFEVTSEL0 + n_gp(s)) {
		if (wr) {
			s->sel[msr - MSR_IA32_PERFEVTSEL0] = v;
			level_check(s);
		} else {
			*val = s->sel[msr - MSR_IA32_PERFEVTSEL0];
		}
		return 0;
	}
	if (msr == MSR_IA32_DEBUGCTL) {
		if (wr)
			s->debugctl = v;
		else
			*val = s->debugctl;
		return 0;
	}
	if (msr == MSR_IA32_PERF_CAPABILITIES && s->m.pdcm) {
		if (wr)
			return GP;
		*val = s->m.fw_write ? PERF_CAP_FW_WRITE : 0;
		return 0;
	}
	if (s->m.version < 2)
		return GP;
	if (msr == MSR_IA32_FIXED_CTR_CTRL) {
		uint64_t ok = 0;

		for (i = 0; i < 8; i++)
			if (fixed_set(s) >> i & 1)
				ok |= 0xfull << (4 * i);
		if (!wr) {
			*val = s->fixed_ctrl;
			return 0;
		}
		if (v & ~ok)
			return GP;
		s->fixed_ctrl = v;
		level_check(s);
		return 0;
	}
	if (msr >= MSR_IA32_PERF_GLOBAL_STATUS && msr <= MSR_IA32_PERF_GLOBAL_OVF_CTRL)
		goto global;
	if (s->m.version >= 4 && (msr == MSR_IA32_PERF_GLOBAL_STATUS_SET ||
				  msr == MSR_IA32_PERF_GLOBAL_INUSE))
		goto global;
	return GP;

global:
	/* Fold AMD's numbers onto Intel's roles. */
	switch (s->m.amd ? msr - MSR_AMD_PERF_GLOBAL_STATUS + MSR_IA32_PERF_GLOBAL_STATUS
			 : msr == MSR_IA32_PERF_GLOBAL_STATUS_SET ? 0x391u
			 : msr == MSR_IA32_PERF_GLOBAL_INUSE ? 0x392u : msr) {
	case MSR_IA32_PERF_GLOBAL_STATUS:
		if (wr)
			return GP;
		*val = s->gstatus;
		return 0;
	case MSR_IA32_PERF_GLOBAL_CTRL:
		if (!wr) {
			*val = s->gctrl;
			return 0;
		}
		if (v & ~counter_bits(s))
			return GP;
		s->gctrl = v;
		return 0;
	case MSR_IA32_PERF_GLOBAL_OVF_CTRL:	/* AMD: GlobalStatusClr */
		if (!wr) {
			*val = 0;
			return s->m.amd ? GP : 0;
		}
		if (v & ~ack_allowed(s))
			return GP;
		s->gstatus &= ~v;
		return 0;
	case 0x391:				/* STATUS_SET; AMD GlobalStatusSet */
		if (!wr)
			return GP;
		if (v & ~ack_allowed(s))
			return GP;
		s->gstatus |= v;
		level_check(s);
		return 0;
	case 0x392:				/* INUSE, read-only */
		if (wr)
			return GP;
		*val = 0;
		return 0;
	}
	return GP;
}

static void note_fault(struct sim *s)
{
	s->faults++;
	if (s->in_nmi)
		s->nmi_faults++;
}

static int op_read_safe(void *ctx, uint32_t msr, uint64_t *val)
{
	struct sim *s = ctx;
	int v = msr_access(s, msr, false, val);

	if (v) {
		*val = 0;
		note_fault(s);
	}
	return v;
}

static int op_write_safe(void *ctx, uint32_t msr, uint64_t val)
{
	struct sim *s = ctx;
	uint64_t v = val;
	int r = msr_access(s, msr, true, &v);

	if (s->n_log < SIM_LOG_MAX)
		s->log[s->n_log++] = (struct sim_write){ msr, val, false, r != 0, s->in_nmi };
	if (r)
		note_fault(s);
	return r;
}

static uint64_t op_read(void *ctx, uint32_t msr)
{
	uint64_t v;

	op_read_safe(ctx, msr, &v);
	return v;
}

static void op_write(void *ctx, uint32_t msr, uint64_t val)
{
	op_write_safe(ctx, msr, val);
}

static void op_apic_write(void *ctx, unsigned reg, uint32_t val)
{
	struct sim *s = ctx;

	if (s->n_log < SIM_LOG_MAX)
		s->log[s->n_log++] = (struct sim_write){ reg, val, true, false, s->in_nmi };
	if (reg != APIC_LVT_PMC)
		return;
	s->lvt = val;
	level_check(s);
}

static struct pmu_cpuid_regs op_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf)
{
	const struct sim *s = ctx;
	const struct sim_model *m = &s->m;
	struct pmu_cpuid_regs r = { 0, 0, 0, 0 };
	uint32_t max = m->max_basic ? m->max_basic : 0xd;

	(void)subleaf;
	if (leaf < 0x80000000u && leaf > max)
		return r;
	switch (leaf) {
	case 0:
		r.a = max;
		if (m->amd) {
			r.b = 0x68747541; r.d = 0x69746e65; r.c = 0x444d4163;	/* AuthenticAMD */
		} else {
			r.b = 0x756e6547; r.d = 0x49656e69; r.c = 0x6c65746e;	/* GenuineIntel */
		}
		break;
	case 1:
		r.c = (m->pdcm ? CPUID1_ECX_PDCM : 0) | (m->hypervisor ? CPUID1_ECX_HYPERVISOR : 0);
		break;
	case 0xa:
		if (m->amd)
			break;
		r.a = m->version | m->n_gp << 8 | m->gp_width << 16 | m->events_len << 24;
		r.b = m->events_missing;
		r.c = m->version >= 5 ? m->fixed_ecx : 0;
		r.d = m->version >= 2 ? (m->n_fixed | m->fixed_width << 5) : 0;
		break;
	case 0x80000000u:
		r.a = m->amd ? (m->version >= 2 ? 0x80000022u : 0x8000001fu) : 0x80000008u;
		break;
	case 0x80000001u:
		r.c = m->amd && (m->amd_ext_core || m->version >= 2) ? AMD_EXT1_ECX_PERFCTR_CORE : 0;
		break;
	case 0x80000022u:
		if (m->amd && m->version >= 2) {
			r.a = AMD_EXT22_EAX_PERFMON_V2;
			r.b = m->n_gp;
		}
		break;
	}
	return r;
}

void sim_init(struct sim *s, const struct sim_model *m)
{
	memset(s, 0, sizeof(*s));
	s->m = *m;
	s->lvt = APIC_LVT_MASKED;	/* apic_init masks every LVT entry */
	s->ops = (struct pmu_msr_ops){
		.ctx = s, .cpuid = op_cpuid, .read_safe = op_read_safe,
		.write_safe = op_write_safe, .read = op_read, .write = op_write,
		.apic_write = op_apic_write,
	};
}

static void dispatch(struct sim *s, struct pmu *p, bool (*handler)(struct pmu *p))
{
	/* Bounded: a wrong handler that re-triggers itself forever is a
	 * finding, not a hang. */
	for (unsigned guard = 0; s->nmi_latched && guard < 64; guard++) {
		struct sim_nmi *n = s->n_nmis < SIM_NMI_MAX ? &s->nmis[s->n_nmis++] : NULL;
		bool claimed;

		s->nmi_latched = 0;
		s->in_nmi = true;
		if (n) {
			n->from = s->n_log;
			n->status_at_entry = s->gstatus;
		}
		claimed = handler(p);
		s->in_nmi = false;
		if (n) {
			n->to = s->n_log;
			n->claimed = claimed;
		}
		if (!claimed)
			s->unclaimed++;
	}
}

void sim_run(struct sim *s, struct pmu *p, bool (*handler)(struct pmu *p),
	     uint64_t events, uint64_t step)
{
	dispatch(s, p, handler);
	for (uint64_t done = 0; done < events; done += step) {
		advance(s, step);
		dispatch(s, p, handler);
	}
}
