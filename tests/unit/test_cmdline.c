/*
 * test_cmdline.c - host tests of the generic command line parser
 * (src/lib/cmdline.c) against this file's own option table; irqlab's real
 * table in src/config.c is not linked. Every error message is checked for
 * what the user needs to fix the line: the key, the value, what is accepted.
 */
// uses: src/lib/cmdline.c
#include <stdint.h>
#include <stdlib.h>

#include "tests/unit/check.h"
#include "lib/cmdline.h"

static const char *const modes[] = { "fast", "slow", "auto", NULL };
static const char *const feats[] = { "x2apic", "hpet", "pit", "tsc", NULL };

enum { O_MODE, O_FEAT, O_COUNT, O_VERBOSE, O_NAME, O_BIG, N_OPTS };

static const struct cmdline_opt opts[N_OPTS] = {
	[O_MODE]    = { "mode", OPT_ENUM, modes, 0, 0, "auto", "how" },
	[O_FEAT]    = { "feat", OPT_LIST, feats, 0, 0, "pit,tsc", "what" },
	[O_COUNT]   = { "count", OPT_UINT, NULL, 1, 5000000, "10", "how many" },
	[O_VERBOSE] = { "verbose", OPT_BOOL, NULL, 0, 0, "off", "chatty" },
	[O_NAME]    = { "name", OPT_STRING, NULL, 0, 0, "irq", "label" },
	[O_BIG]     = { "big", OPT_UINT, NULL, 0, UINT64_MAX, NULL, "no default" },
};

#define KNOWN	"mode, feat, count, verbose, name, big"

static struct cmdline_val vals[N_OPTS];
static char err[512];

static int parse(const char *line)
{
	memset(err, 0, sizeof(err));
	memset(vals, 0x5a, sizeof(vals));	/* the parser must set every field */
	return cmdline_parse(line, opts, N_OPTS, vals, err, sizeof(err));
}

/* Parse one "key=value" that must succeed; returns vals[idx].u. */
static uint64_t ok_u(const char *line, unsigned idx)
{
	if (parse(line) != 0) {
		printf("      unexpected error for \"%s\": %s\n", line, err);
		return 0xdeadull;
	}
	return vals[idx].u;
}

/* Must fail with a message containing each of the NULL-terminated strings. */
static void check_err(const char *line, const char *const *needles, const char *what)
{
	int r = parse(line);
	bool ok = r == -1 && err[0];

	for (unsigned i = 0; ok && needles && needles[i]; i++)
		if (!strstr(err, needles[i])) {
			printf("      message lacks \"%s\"\n", needles[i]);
			ok = false;
		}
	if (!CHECK(ok, "%s", what))
		printf("      line \"%s\": rc %d, message \"%s\"\n", line, r, err);
}

#define ERR(line, what, ...) \
	check_err(line, (const char *const[]){ __VA_ARGS__, NULL }, what)

static bool none_given(void)
{
	for (unsigned i = 0; i < N_OPTS; i++)
		if (vals[i].given)
			return false;
	return true;
}

static void test_defaults(void)
{
	check_set_prefix("defaults");
	CHECK_EQ_U64(parse(NULL), 0, "NULL line parses");
	CHECK_EQ_U64(vals[O_MODE].u, 2, "mode default auto = index 2");
	CHECK_EQ_U64(vals[O_FEAT].u, 0xc, "feat default pit,tsc = bits 2|3");
	CHECK_EQ_U64(vals[O_COUNT].u, 10, "count default 10");
	CHECK_EQ_U64(vals[O_VERBOSE].u, 0, "verbose default off");
	CHECK_STR(vals[O_NAME].s, "irq", "name default");
	CHECK_EQ_U64(vals[O_BIG].u, 0, "no default: zero");
	CHECK(vals[O_BIG].s[0] == 0, "no default: empty string");
	CHECK(none_given(), "nothing given");

	CHECK_EQ_U64(parse(""), 0, "empty line parses");
	CHECK(none_given() && vals[O_COUNT].u == 10, "empty line: defaults");
	CHECK_EQ_U64(parse(" \t\r\n  "), 0, "whitespace-only line parses");
	CHECK(none_given() && vals[O_MODE].u == 2, "whitespace-only: defaults");

	/* One option given: the others still get their defaults. */
	CHECK_EQ_U64(parse("count=7"), 0, "one option parses");
	CHECK(vals[O_COUNT].given && vals[O_COUNT].u == 7, "count=7 given");
	CHECK(!vals[O_MODE].given && vals[O_MODE].u == 2, "mode still default");
	CHECK(!vals[O_FEAT].given && vals[O_FEAT].u == 0xc, "feat still default");
	CHECK(!vals[O_NAME].given && strcmp(vals[O_NAME].s, "irq") == 0,
	      "name still default");
	CHECK(!vals[O_VERBOSE].given && !vals[O_BIG].given, "others not given");

	/* A bad default in a table is an error, not silently zero. */
	{
		static const struct cmdline_opt bad[] = {
			{ "mode", OPT_ENUM, modes, 0, 0, "medium", "" },
		};
		struct cmdline_val v;

		memset(err, 0, sizeof(err));
		CHECK(cmdline_parse("", bad, 1, &v, err, sizeof(err)) == -1 &&
		      strstr(err, "medium"), "bad default in the table reported");
	}
}

static void test_enum(void)
{
	check_set_prefix("enum");
	CHECK_EQ_U64(ok_u("mode=fast", O_MODE), 0, "fast = 0");
	CHECK(vals[O_MODE].given, "mode given");
	CHECK_EQ_U64(ok_u("mode=slow", O_MODE), 1, "slow = 1");
	CHECK_EQ_U64(ok_u("mode=auto", O_MODE), 2, "auto = 2 (given explicitly)");
	CHECK(vals[O_MODE].given, "given even when equal to the default");

	ERR("mode=medium", "unknown value", "medium");
	CHECK_STR(err, "bad value 'medium' for 'mode': accepted values: fast, slow, auto",
		  "message names value, key and accepted values");
	ERR("mode=fas", "prefix of a value rejected", "'fas'", "'mode'", "fast, slow, auto");
	ERR("mode=fastx", "value with extra characters rejected", "'fastx'");
	ERR("mode=FAST", "values are case-sensitive", "'FAST'");
	ERR("mode=", "empty enum value rejected", "''", "'mode'", "fast, slow, auto");
	ERR("mode=fast,slow", "a list for an enum rejected", "'fast,slow'");
}

static void test_list(void)
{
	check_set_prefix("list");
	CHECK_EQ_U64(ok_u("feat=hpet", O_FEAT), 0x2, "hpet alone = bit 1");
	CHECK(vals[O_FEAT].given, "feat given");
	/* The default (pit,tsc = 0xc) is replaced, not or-ed into. */
	CHECK_EQ_U64(ok_u("feat=x2apic,tsc", O_FEAT), 0x9, "x2apic,tsc = 1|8");
	CHECK_EQ_U64(ok_u("feat=tsc,x2apic,hpet", O_FEAT), 0xb, "order does not matter");
	CHECK_EQ_U64(ok_u("feat=x2apic,hpet,pit,tsc", O_FEAT), 0xf, "all four");

	ERR("feat=hpet,bogus", "unknown element", "'bogus'", "'feat'",
	    "x2apic, hpet, pit, tsc");
	CHECK_STR(err, "bad value 'bogus' for 'feat': accepted values: x2apic, hpet, pit, tsc",
		  "message names the bad element only");
	ERR("feat=hpet,,tsc", "empty element a,,b rejected", "'feat'");
	ERR("feat=hpet,", "trailing comma rejected", "'feat'");
	ERR("feat=,hpet", "leading comma rejected", "'feat'");
	ERR("feat=", "empty list rejected", "'feat'");
	ERR("feat=HPET", "elements are case-sensitive", "'HPET'");
	ERR("feat=hpe", "prefix of an element rejected", "'hpe'");
}

static void test_uint(void)
{
	check_set_prefix("uint");
	CHECK_EQ_U64(ok_u("count=42", O_COUNT), 42, "decimal");
	CHECK(vals[O_COUNT].given, "count given");
	CHECK_EQ_U64(ok_u("count=1", O_COUNT), 1, "minimum 1 accepted");
	CHECK_EQ_U64(ok_u("count=5000000", O_COUNT), 5000000, "maximum accepted");
	CHECK_EQ_U64(ok_u("count=0x1F", O_COUNT), 31, "hex, upper-case digits");
	CHECK_EQ_U64(ok_u("count=0xbeef", O_COUNT), 0xbeef, "hex, lower-case digits");
	CHECK_EQ_U64(ok_u("count=0X10", O_COUNT), 16, "0X prefix");
	CHECK_EQ_U64(ok_u("count=007", O_COUNT), 7, "leading zeros are decimal");
	CHECK_EQ_U64(ok_u("count=4k", O_COUNT), 4000, "k = 1000");
	CHECK_EQ_U64(ok_u("count=3M", O_COUNT), 3000000, "M = 1000000");
	CHECK_EQ_U64(ok_u("count=5M", O_COUNT), 5000000, "5M = the maximum");

	ERR("count=0", "below minimum rejected", "'0'", "'count'", "1", "5000000");
	CHECK_STR(err, "bad value '0' for 'count': expected a number from 1 to 5000000",
		  "range message");
	ERR("count=5000001", "above maximum rejected", "'5000001'", "'count'");
	ERR("count=6M", "suffix result above maximum rejected", "'6M'");
	ERR("count=5001k", "5001k above maximum rejected", "'5001k'");
	ERR("count=", "empty number rejected", "''", "'count'");
	ERR("count=12x", "trailing junk rejected", "'12x'");
	ERR("count=-1", "negative rejected", "'-1'");
	ERR("count=+5", "plus sign rejected", "'+5'");
	ERR("count=1.5", "fraction rejected", "'1.5'");
	ERR("count=0x", "bare 0x rejected", "'0x'");
	ERR("count=0xg", "bad hex digit rejected", "'0xg'");
	ERR("count=k", "bare suffix rejected", "'k'");
	ERR("count=4K", "upper-case K is not a suffix", "'4K'");
	ERR("count=4m", "lower-case m is not a suffix", "'4m'");
	ERR("count=4kk", "double suffix rejected", "'4kk'");

	/* Full 64-bit range on `big`. */
	CHECK_EQ_U64(ok_u("big=18446744073709551615", O_BIG), UINT64_MAX, "2^64 - 1 decimal");
	CHECK_EQ_U64(ok_u("big=0xffffffffffffffff", O_BIG), UINT64_MAX, "2^64 - 1 hex");
	CHECK_EQ_U64(ok_u("big=0", O_BIG), 0, "0 with min 0");
	/* 18446744073709551 * 1000 = 18446744073709551000 <= 2^64 - 1 */
	CHECK_EQ_U64(ok_u("big=18446744073709551k", O_BIG), 18446744073709551000ull,
		     "k product just below 2^64");
	ERR("big=18446744073709551616", "2^64 rejected (overflow)", "'18446744073709551616'");
	ERR("big=99999999999999999999", "20 nines rejected (overflow)",
	    "'99999999999999999999'", "'big'");
	ERR("big=0x10000000000000000", "17 hex digits rejected (overflow)", "'big'");
	/* 18446744073709552 * 1000 = 18446744073709552000 > 2^64 - 1 */
	ERR("big=18446744073709552k", "k product overflow rejected", "'big'");
	ERR("big=18446744073710M", "M product overflow rejected", "'big'");
	/* 2^64 + 1 wraps to 1 in a careless multiply-add. */
	ERR("big=18446744073709551617", "2^64 + 1 rejected, not wrapped to 1", "'big'");

	/* cmdline_parse_value takes a length, not a NUL: "42junk", 2 -> 42. */
	{
		struct cmdline_val v;

		memset(&v, 0, sizeof(v));
		CHECK(cmdline_parse_value(&opts[O_COUNT], "42junk", 2, &v, err,
					  sizeof(err)) == 0 && v.u == 42,
		      "parse_value honours len");
		CHECK(cmdline_parse_value(&opts[O_COUNT], "0x1fz", 4, &v, err,
					  sizeof(err)) == 0 && v.u == 31,
		      "parse_value honours len (hex)");
		CHECK(cmdline_parse_value(&opts[O_MODE], "slowly", 4, &v, err,
					  sizeof(err)) == 0 && v.u == 1,
		      "parse_value honours len (enum)");
	}
}

static void test_bool(void)
{
	static const char *const on[] = { "verbose=1", "verbose=on", "verbose=yes" };
	static const char *const off[] = { "verbose=0", "verbose=off", "verbose=no" };

	check_set_prefix("bool");
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ_U64(ok_u(on[i], O_VERBOSE), 1, on[i]);
		CHECK(vals[O_VERBOSE].given, "%s: given", on[i]);
		CHECK_EQ_U64(ok_u(off[i], O_VERBOSE), 0, off[i]);
	}
	ERR("verbose=true", "'true' rejected with the accepted list", "'true'", "'verbose'",
	    "0, 1, on, off, yes, no");
	ERR("verbose=ON", "case-sensitive", "'ON'");
	ERR("verbose=2", "2 rejected", "'2'");
	ERR("verbose=", "empty bool rejected", "''", "'verbose'");
	ERR("verbose=onn", "'onn' rejected", "'onn'");
}

static void test_string(void)
{
	char line[300], want[CMDLINE_STR_MAX];

	check_set_prefix("string");
	CHECK_EQ_U64(parse("name=hello"), 0, "plain string parses");
	CHECK_STR(vals[O_NAME].s, "hello", "value");
	CHECK(vals[O_NAME].given, "given");
	CHECK_EQ_U64(parse("name=a=b,c"), 0, "string with '=' and ',' parses");
	CHECK_STR(vals[O_NAME].s, "a=b,c", "everything after the first '='");
	CHECK_EQ_U64(parse("name="), 0, "empty string parses");
	CHECK_STR(vals[O_NAME].s, "", "empty, not the default");
	CHECK(vals[O_NAME].given, "empty string given");

	/* 127 bytes fit (CMDLINE_STR_MAX - 1), 128 do not. */
	memset(want, 's', CMDLINE_STR_MAX - 1);
	want[CMDLINE_STR_MAX - 1] = 0;
	snprintf(line, sizeof(line), "name=%s", want);
	CHECK_EQ_U64(parse(line), 0, "127-byte string parses");
	CHECK_STR(vals[O_NAME].s, want, "127-byte value intact");
	snprintf(line, sizeof(line), "name=%ss", want);
	ERR(line, "128-byte string rejected", "'name'", "too long", "128");
	snprintf(line, sizeof(line), "name=%s%s", want, "tail-of-a-long-value");
	ERR(line, "147-byte string rejected", "'name'", "147");
}

static void test_errors(void)
{
	check_set_prefix("errors");
	ERR("bogus=1", "unknown key: names it and lists the known keys", "'bogus'", KNOWN);
	CHECK_STR(err, "unknown option 'bogus'; known options: " KNOWN, "unknown key message");
	ERR("mode=fast bogus=1", "unknown key after a good one", "'bogus'", KNOWN);
	ERR("mod=fast", "prefix of a key is unknown", "'mod'", KNOWN);
	ERR("modes=fast", "key with extra characters is unknown", "'modes'");
	ERR("MODE=fast", "keys are case-sensitive", "'MODE'");
	ERR("=fast", "empty key is unknown", "''", KNOWN);

	ERR("verbose", "token without '=' rejected", "'verbose'", "key=value");
	CHECK_STR(err, "'verbose' is not of the form key=value", "message text");
	ERR("mode=fast irqlab", "bare word later rejected", "'irqlab'");
	ERR("irqlab mode=fast", "leading bare word without '/' rejected", "'irqlab'");

	ERR("mode=fast mode=slow", "duplicate key rejected", "'mode'", "twice");
	ERR("count=3 verbose=on count=3", "duplicate with the same value rejected",
	    "'count'", "twice");
	/* the default does not count as "given" */
	CHECK_EQ_U64(parse("count=3"), 0, "once is fine");

	/* Errors stop the parse; the message is about the first bad token. */
	ERR("mode=medium count=0", "first error reported", "'medium'");

	/* A small err buffer: truncated, terminated, not overrun (ASan). */
	{
		char *small = malloc(16);
		struct cmdline_val v[N_OPTS];
		int r;

		r = cmdline_parse("bogus=1", opts, N_OPTS, v, small, 16);
		CHECK(r == -1 && strlen(small) == 15 &&
		      strncmp(small, "unknown option ", 15) == 0,
		      "16-byte err buffer: truncated message");
		r = cmdline_parse("mode=medium", opts, N_OPTS, v, small, 16);
		CHECK(r == -1 && strlen(small) == 15, "16-byte buffer, bad enum");
		r = cmdline_parse("feat=nope", opts, N_OPTS, v, small, 1);
		CHECK(r == -1 && small[0] == 0, "1-byte buffer, bad list");
		free(small);
	}
	/* A table with so many keys that the list overflows err. */
	{
		static struct cmdline_opt many[100];
		static char keys[100][16];
		struct cmdline_val *v = calloc(100, sizeof(*v));
		char *e = malloc(128);
		int r;

		for (unsigned i = 0; i < 100; i++) {
			snprintf(keys[i], sizeof(keys[i]), "option%u", i);
			many[i] = (struct cmdline_opt){ keys[i], OPT_BOOL, NULL, 0, 0, "0", "" };
		}
		r = cmdline_parse("zz=1", many, 100, v, e, 128);
		CHECK(r == -1 && strlen(e) == 127 && strstr(e, "'zz'"),
		      "key list longer than err: cut at 127");
		free(v);
		free(e);
	}
}

static void test_path_and_space(void)
{
	check_set_prefix("path");
	CHECK_EQ_U64(parse("build/irqlab32.elf mode=slow"), 0, "leading kernel path skipped");
	CHECK(vals[O_MODE].u == 1 && vals[O_MODE].given, "option after the path parsed");
	CHECK_EQ_U64(parse("/boot/irqlab.elf"), 0, "path alone");
	CHECK(none_given(), "path alone: nothing given");
	CHECK_EQ_U64(parse("  \tbuild/irqlab32.elf\tcount=9"), 0,
		     "path after leading whitespace skipped");
	CHECK_EQ_U64(vals[O_COUNT].u, 9, "count after the path");
	ERR("mode=slow build/irqlab32.elf", "path after an option rejected",
	    "'build/irqlab32.elf'", "key=value");
	ERR("build/irqlab32.elf other/path", "second path rejected", "'other/path'");
	ERR("build/irqlab32.elf mode=fast x/y", "path at the end rejected", "'x/y'");
	/* '/' in a value is not a path token */
	CHECK_EQ_U64(parse("name=a/b"), 0, "'/' inside a value");
	CHECK_STR(vals[O_NAME].s, "a/b", "value with '/'");

	check_set_prefix("whitespace");
	CHECK_EQ_U64(parse("  mode=fast \t\tcount=0x20\r\n verbose=yes\r\n"), 0,
		     "spaces, tabs, CR LF between and around");
	CHECK_EQ_U64(vals[O_MODE].u, 0, "mode");
	CHECK_EQ_U64(vals[O_COUNT].u, 32, "count (not swallowing \\t)");
	CHECK_EQ_U64(vals[O_VERBOSE].u, 1, "verbose (not swallowing \\r\\n)");
	CHECK(vals[O_MODE].given && vals[O_COUNT].given && vals[O_VERBOSE].given &&
	      !vals[O_FEAT].given && !vals[O_NAME].given && !vals[O_BIG].given,
	      "given flags exactly for the three");
	CHECK_EQ_U64(parse("name=ab\tc"), -1, "tab ends a value ('c' is a bare word)");
	CHECK_EQ_U64(parse("name=x\r\n"), 0, "CR LF after the last value");
	CHECK_STR(vals[O_NAME].s, "x", "CR not part of the value");
	CHECK_EQ_U64(parse("mode=fast feat=hpet,tsc count=2k verbose=on name=n big=0x10"),
		     0, "all six options");
	CHECK(vals[O_MODE].u == 0 && vals[O_FEAT].u == 0xa && vals[O_COUNT].u == 2000 &&
	      vals[O_VERBOSE].u == 1 && strcmp(vals[O_NAME].s, "n") == 0 &&
	      vals[O_BIG].u == 16, "all six values");
	CHECK(!none_given() && vals[O_BIG].given && vals[O_FEAT].given, "all six given");
}

int main(void)
{
	test_defaults();
	test_enum();
	test_list();
	test_uint();
	test_bool();
	test_string();
	test_errors();
	test_path_and_space();
	return check_summary();
}
