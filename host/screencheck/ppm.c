/*
 * ppm.c - the P6 header: "P6", whitespace, width, height, maxval, each
 * separated by whitespace with '#' comments allowed, then exactly one
 * whitespace byte and width * height * 3 bytes of RGB (netpbm's ppm(5)).
 */
#include "host/screencheck/ppm.h"
#include <stdio.h>
#include <string.h>

#define PPM_DIM_MAX	16384u

static void skip_space(const uint8_t *d, size_t len, size_t *i)
{
	while (*i < len) {
		if (d[*i] == '#') {
			while (*i < len && d[*i] != '\n')
				(*i)++;
		} else if (d[*i] == ' ' || d[*i] == '\t' || d[*i] == '\n' ||
			   d[*i] == '\r') {
			(*i)++;
		} else {
			break;
		}
	}
}

static int number(const uint8_t *d, size_t len, size_t *i, unsigned *v)
{
	unsigned n = 0, digits = 0;

	skip_space(d, len, i);
	while (*i < len && d[*i] >= '0' && d[*i] <= '9') {
		if (n > 100000000u)
			return -1;
		n = n * 10 + (d[*i] - '0');
		(*i)++;
		digits++;
	}
	*v = n;
	return digits ? 0 : -1;
}

int ppm_parse(const uint8_t *data, size_t len, struct image *im, char *err,
	      size_t errlen)
{
	unsigned w, h, maxval;
	size_t i = 2, need;

	memset(im, 0, sizeof(*im));
	if (len < 2 || data[0] != 'P' || data[1] != '6') {
		snprintf(err, errlen, "not a binary PPM (P6) file");
		return -1;
	}
	if (number(data, len, &i, &w) || number(data, len, &i, &h) ||
	    number(data, len, &i, &maxval)) {
		snprintf(err, errlen, "PPM header is malformed");
		return -1;
	}
	if (w == 0 || h == 0 || w > PPM_DIM_MAX || h > PPM_DIM_MAX) {
		snprintf(err, errlen, "PPM size %ux%u (1..%u each)", w, h, PPM_DIM_MAX);
		return -1;
	}
	if (maxval != 255) {
		snprintf(err, errlen, "PPM maxval %u (only 255, one byte per channel)",
			 maxval);
		return -1;
	}
	if (i >= len || !(data[i] == ' ' || data[i] == '\t' || data[i] == '\n' ||
			  data[i] == '\r')) {
		snprintf(err, errlen, "PPM header is not followed by whitespace");
		return -1;
	}
	i++;
	need = (size_t)w * h * 3;
	if (len - i < need) {
		snprintf(err, errlen, "PPM %ux%u needs %zu pixel bytes, the file has %zu",
			 w, h, need, len - i);
		return -1;
	}
	im->width = w;
	im->height = h;
	im->rgb = data + i;
	return 0;
}
