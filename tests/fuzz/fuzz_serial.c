/*
 * fuzz_serial.c - libFuzzer target for the collector's serial-log reader
 * (host/collector/serial.c): the input is a log, split into lines as
 * getline() would, each fed to the same code as `collector --from-serial`.
 * A line the parser accepts must print back to itself in the serial form.
 */
#include "core.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const char *line, size_t len)
{
	struct serial_rec r;
	char buf[2048];
	int n;

	if (serial_parse_line(line, len, &r, NULL, 0) != 1)
		return;
	if (r.json < line || r.json + r.len > line + len)
		abort();
	n = snprintf(buf, sizeof(buf), "@irqlab %016llx %u %s %.*s",
		     (unsigned long long)r.run_id, r.seq, proto_type_name(r.type),
		     (int)r.len, r.json);
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if ((size_t)n != len || memcmp(buf, line, len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct coll c;
	size_t pos = 0;
	unsigned long lineno = 0;

	coll_init(&c, 0);
	c.max_records = 4096;
	c.max_runs = 8;
	c.mem_limit = 1 << 20;
	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (data + pos)) + 1 : size - pos;
		char *line = malloc(len ? len : 1);

		memcpy(line, data + pos, len);
		roundtrip(line, len);
		coll_serial_line(&c, line, len, "fuzz", ++lineno, 0);
		free(line);
		pos += len;
	}
	coll_serial_done(&c, 1);
	coll_free(&c);
	if (c.mem_used || c.nruns || c.nactive)
		abort();	/* the memory budget's accounting drifted */
	return 0;
}
