/*
 * ppm.h - binary PPM (P6, maxval 255), as QEMU's monitor `screendump`
 * writes it. Pure parsing of a buffer, so the unit test can feed it
 * broken files.
 */
#ifndef IRQLAB_HOST_SCREENCHECK_PPM_H
#define IRQLAB_HOST_SCREENCHECK_PPM_H
#include <stddef.h>
#include "host/screencheck/decode.h"

/* im->rgb points into data. Returns 0, or -1 with the reason in err. */
int ppm_parse(const uint8_t *data, size_t len, struct image *im, char *err,
	      size_t errlen);

#endif
