/*
 * cpu.h - the one place irqlab touches CPU state directly: CPUID, MSRs,
 * control registers, port I/O, the TSC and RFLAGS.
 *
 * Everything here is a static inline so it can be used from the trap and
 * NMI paths, which are compiled with -mgeneral-regs-only.
 */
#ifndef IRQLAB_ARCH_CPU_H
#define IRQLAB_ARCH_CPU_H

#include <stdint.h>
#include <stdbool.h>

/* RFLAGS bits */
#define X86_EFLAGS_CF   (1ul << 0)
#define X86_EFLAGS_TF   (1ul << 8)
#define X86_EFLAGS_IF   (1ul << 9)
#define X86_EFLAGS_DF   (1ul << 10)
#define X86_EFLAGS_RF   (1ul << 16)

/* Control register bits */
#define X86_CR0_MP      (1ul << 1)
#define X86_CR0_EM      (1ul << 2)
#define X86_CR0_WP      (1ul << 16)
#define X86_CR4_PGE     (1ul << 7)
#define X86_CR4_OSFXSR  (1ul << 9)
#define X86_CR4_OSXMMEXCPT (1ul << 10)

/* MSRs */
#define MSR_IA32_APIC_BASE      0x0000001b
#define MSR_IA32_BIOS_SIGN_ID   0x0000008b   /* microcode revision, high half */
#define MSR_IA32_TSC_DEADLINE   0x000006e0
#define MSR_EFER                0xc0000080
#define MSR_FS_BASE             0xc0000100
#define MSR_GS_BASE             0xc0000101
#define MSR_KERNEL_GS_BASE      0xc0000102
#define MSR_AMD64_PATCH_LEVEL   0x0000008b   /* same number on AMD */

#define EFER_LME                (1ul << 8)
#define EFER_NXE                (1ul << 11)

struct cpuid_regs {
	uint32_t a, b, c, d;
};

static inline struct cpuid_regs cpuid_count(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	asm volatile("cpuid"
		     : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline struct cpuid_regs cpuid(uint32_t leaf)
{
	return cpuid_count(leaf, 0);
}

/* Highest basic and extended leaves, so callers never read garbage leaves. */
static inline uint32_t cpuid_max_basic(void) { return cpuid(0).a; }
static inline uint32_t cpuid_max_ext(void) { return cpuid(0x80000000u).a; }

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val),
		     "d"((uint32_t)(val >> 32)) : "memory");
}

/*
 * rdmsr_safe / wrmsr_safe: 0 on success, else the exception vector the
 * access raised (13 for #GP). Implemented in traps.c through the
 * exception table, so a missing MSR is a probe result, not a crash.
 */
int rdmsr_safe(uint32_t msr, uint64_t *val);
int wrmsr_safe(uint32_t msr, uint64_t val);

static inline uint64_t read_cr0(void) { uint64_t v; asm volatile("mov %%cr0,%0" : "=r"(v)); return v; }
static inline uint64_t read_cr2(void) { uint64_t v; asm volatile("mov %%cr2,%0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; asm volatile("mov %%cr3,%0" : "=r"(v)); return v; }
static inline uint64_t read_cr4(void) { uint64_t v; asm volatile("mov %%cr4,%0" : "=r"(v)); return v; }
static inline void write_cr0(uint64_t v) { asm volatile("mov %0,%%cr0" : : "r"(v) : "memory"); }
static inline void write_cr2(uint64_t v) { asm volatile("mov %0,%%cr2" : : "r"(v) : "memory"); }
static inline void write_cr3(uint64_t v) { asm volatile("mov %0,%%cr3" : : "r"(v) : "memory"); }
static inline void write_cr4(uint64_t v) { asm volatile("mov %0,%%cr4" : : "r"(v) : "memory"); }
static inline uint64_t read_dr7(void) { uint64_t v; asm volatile("mov %%dr7,%0" : "=r"(v)); return v; }
static inline void write_dr7(uint64_t v) { asm volatile("mov %0,%%dr7" : : "r"(v) : "memory"); }

static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0,%1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0,%1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0,%1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; asm volatile("inb %1,%0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; asm volatile("inw %1,%0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; asm volatile("inl %1,%0" : "=a"(v) : "Nd"(port)); return v; }
/* A write to port 0x80 (POST codes) takes about 1 us on real chipsets. */
static inline void io_delay(void) { outb(0x80, 0); }

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* rdtsc fenced on both sides: nothing before it retires late, nothing
 * after it starts early (Intel SDM vol. 2, RDTSC; AMD needs lfence to be
 * dispatch-serialising, which every 64-bit AMD part since Fam10h has). */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;
	asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t read_rflags(void)
{
	uint64_t f;
	asm volatile("pushfq; popq %0" : "=r"(f) : : "memory");
	return f;
}

static inline void irq_hard_disable(void) { asm volatile("cli" : : : "memory"); }
static inline void irq_hard_enable(void) { asm volatile("sti" : : : "memory"); }
static inline void cpu_relax(void) { asm volatile("pause" : : : "memory"); }
static inline void halt(void) { asm volatile("hlt" : : : "memory"); }
static inline void invlpg(uintptr_t va) { asm volatile("invlpg (%0)" : : "r"(va) : "memory"); }
static inline void barrier(void) { asm volatile("" : : : "memory"); }

static inline uint64_t read_rbp(void)
{
	uint64_t v;
	asm volatile("mov %%rbp,%0" : "=r"(v));
	return v;
}

static inline bool cpu_has_feature_1ecx(unsigned bit) { return (cpuid(1).c >> bit) & 1; }
static inline bool cpu_has_feature_1edx(unsigned bit) { return (cpuid(1).d >> bit) & 1; }

#endif
