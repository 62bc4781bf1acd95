/*
 * internal.h - what the files of src/irqflags share and nothing else
 * needs: the selected mode, the patched displacements, the stubs.
 */
#ifndef IRQLAB_IRQFLAGS_INTERNAL_H
#define IRQLAB_IRQFLAGS_INTERNAL_H

#include "irqflags/irqflags.h"
#include "config.h"
#include <stdint.h>

extern enum irqflags_mode irqflags_cur_mode;
extern enum irqflags_variant irqflags_cur_variant;
extern enum irqflags_broken irqflags_cur_broken;
extern struct cmdline_val opt_irqflags, opt_irqflags_patch, opt_irqflags_broken;

/* %gs-relative displacements of this CPU's mask and pending bytes, as
 * written into the sites (soft.c). */
extern int32_t irqflags_mask_disp, irqflags_pending_disp;
void irqflags_compute_disp(void);

/* Assembly entry points (soft.c, patch.c). */
void irqflags_replay_thunk(void);
/* What the thunk calls: replays every pending vector; mask must be 0
 * and IF clear. Returns whether the caller should execute sti. */
bool irqflags_replay(uint64_t rip);
/* Call targets of the call variant: [mode][op], each an inline site
 * pinned to its mode, then ret. */
extern void *const irqflags_stubs[2][IRQF_NR_OPS];

/* Encode the bytes a site of `op` holds for a mode and variant at
 * address `at`, padded to the site length; returns the length, and the
 * offset of a call rel32 in *call_off (-1 if none). */
unsigned irqflags_encode(uint8_t *buf, unsigned op, enum irqflags_mode mode,
			 enum irqflags_variant variant, enum irqflags_broken broken,
			 uint64_t at, int *call_off);
/* Length of op's site, 0 for an unknown op. */
unsigned irqflags_site_len(unsigned op);

#endif
