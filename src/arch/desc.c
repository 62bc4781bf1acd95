/*
 * desc.c - GDT, TSS and IDT. One CPU for now; the layout leaves room for a
 * GDT/TSS per CPU when SMP arrives.
 */
#include "arch/desc.h"
#include "arch/cpu.h"
#include <string.h>

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t ist[8];	/* ist[0] unused: IST index 0 means "no switch" */
	uint64_t reserved1;
	uint16_t reserved2;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static uint64_t gdt[5] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static struct idt_gate idt[256] __attribute__((aligned(16)));
static uint8_t ist_stacks[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(4096)));
static unsigned ist_next_free = IST_FIRST_FREE;

/* 0x8e: present, DPL 0, 64-bit interrupt gate (IF cleared on entry). */
#define GATE_INTERRUPT	0x8e

void idt_set_gate(unsigned vector, void *handler, unsigned ist)
{
	uint64_t a = (uint64_t)(uintptr_t)handler;
	struct idt_gate g = {
		.offset_lo = a & 0xffff, .selector = KERNEL_CS, .ist = ist & 7,
		.type_attr = GATE_INTERRUPT, .offset_mid = (a >> 16) & 0xffff,
		.offset_hi = a >> 32, .reserved = 0,
	};
	volatile uint64_t *slot = (volatile uint64_t *)&idt[vector & 0xff];
	uint64_t words[2];

	memcpy(words, &g, sizeof(words));
	/* A live gate may be taken at any instruction (an NMI's above all):
	 * the high half first, then everything that selects the entry -
	 * offset bits 0-31, selector, IST, type - in one 64-bit store, so no
	 * NMI is ever delivered through a half-written gate. The image lives
	 * below 4 GiB, so the high half is the same for every entry. */
	slot[1] = words[1];
	slot[0] = words[0];
}

void idt_set_ist(unsigned vector, unsigned ist)
{
	idt[vector & 0xff].ist = ist & 7;
}

unsigned ist_alloc(void)
{
	if (ist_next_free > IST_COUNT)
		return 0;
	return ist_next_free++;
}

uintptr_t ist_stack_base(unsigned ist)
{
	return (uintptr_t)ist_stacks[ist - 1];
}

uintptr_t ist_stack_top(unsigned ist)
{
	return ist_stack_base(ist) + IST_STACK_SIZE;
}

static void load_tss_descriptor(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	/* 16-byte system descriptor, type 9 = available 64-bit TSS. */
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
		 (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;
}

void desc_init(void)
{
	struct dtr gdtr = { sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };
	struct dtr idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
	unsigned i;

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull;	/* KERNEL_CS: 64-bit code */
	gdt[2] = 0x00cf92000000ffffull;	/* KERNEL_DS */
	memset(&tss, 0, sizeof(tss));
	for (i = 1; i <= IST_COUNT; i++)
		tss.ist[i] = ist_stack_top(i);
	/* No I/O bitmap: base past the limit. Ring 0 never consults it. */
	tss.iomap_base = sizeof(tss);
	load_tss_descriptor();

	/* Reload CS through a far return, then the data segments; the task
	 * register last, once its descriptor is in place. */
	asm volatile("lgdt %0\n\t"
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movw %w2, %%ds\n\t"
		     "movw %w2, %%es\n\t"
		     "movw %w2, %%ss\n\t"
		     "ltr %w3"
		     : : "m"(gdtr), "i"(KERNEL_CS), "r"(KERNEL_DS), "r"(TSS_SEL)
		     : "rax", "memory");

	for (i = 0; i < 256; i++)
		idt_set_gate(i, trap_stubs[i], IST_NONE);
	idt_set_ist(VEC_NMI, IST_NMI);
	idt_set_ist(VEC_DF, IST_DF);
	idt_set_ist(VEC_MC, IST_MC);
	asm volatile("lidt %0" : : "m"(idtr) : "memory");
}
