/*
 * t_intel_ring.h - the Intel driver's descriptor rings against a device
 * model in RAM (t_intel_ring.c); part of the intel suite (t_intel.c).
 */
#ifndef IRQLAB_TESTS_T_INTEL_RING_H
#define IRQLAB_TESTS_T_INTEL_RING_H

void intel_ring_model_tests(void);

#endif
