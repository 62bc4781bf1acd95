/*
 * json.c - strict check that a record's payload is one JSON object (RFC
 * 8259) in valid UTF-8, before it goes into the database and a JSON-lines
 * file whose readers trust it. Nesting is bounded so a hostile payload
 * cannot exhaust the stack.
 */
#include "core.h"

#include <string.h>

#define JSON_MAX_DEPTH 32

struct jp {
	const unsigned char *p;
	size_t len, pos;
	char *err;
	size_t errlen;
};

static int jfail(struct jp *j, const char *what)
{
	if (j->err && j->errlen)
		snprintf(j->err, j->errlen, "payload is not valid JSON: %s at byte %zu",
			 what, j->pos);
	return -1;
}

static void skip_ws(struct jp *j)
{
	while (j->pos < j->len && (j->p[j->pos] == ' ' || j->p[j->pos] == '\t' ||
				   j->p[j->pos] == '\n' || j->p[j->pos] == '\r'))
		j->pos++;
}

static bool lit(struct jp *j, const char *s)
{
	size_t n = strlen(s);

	if (j->len - j->pos < n || memcmp(j->p + j->pos, s, n))
		return false;
	j->pos += n;
	return true;
}

/* One UTF-8 sequence starting at a byte >= 0x80: shortest form, no
 * surrogates, at most U+10FFFF. */
static int utf8(struct jp *j)
{
	unsigned char c = j->p[j->pos];
	unsigned need, cp, min;

	if (c >= 0xc2 && c <= 0xdf) {
		need = 1, cp = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2, cp = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3, cp = c & 0x07, min = 0x10000;
	} else {
		return jfail(j, "invalid UTF-8 lead byte");
	}
	if (j->len - j->pos - 1 < need)
		return jfail(j, "truncated UTF-8 sequence");
	for (unsigned i = 1; i <= need; i++) {
		unsigned char d = j->p[j->pos + i];

		if ((d & 0xc0) != 0x80)
			return jfail(j, "invalid UTF-8 continuation byte");
		cp = cp << 6 | (d & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return jfail(j, "overlong, surrogate or out-of-range UTF-8");
	j->pos += need + 1;
	return 0;
}

static int string(struct jp *j)
{
	j->pos++;	/* opening quote */
	while (j->pos < j->len) {
		unsigned char c = j->p[j->pos];

		if (c == '"') {
			j->pos++;
			return 0;
		}
		if (c < 0x20)
			return jfail(j, "control character in a string");
		if (c >= 0x80) {
			if (utf8(j) < 0)
				return -1;
			continue;
		}
		if (c == '\\') {
			if (++j->pos >= j->len)
				break;
			c = j->p[j->pos];
			if (c == 'u') {
				for (int i = 1; i <= 4; i++) {
					if (j->pos + i >= j->len ||
					    !strchr("0123456789abcdefABCDEF", j->p[j->pos + i]) ||
					    !j->p[j->pos + i])
						return jfail(j, "\\u needs 4 hex digits");
				}
				j->pos += 4;
			} else if (!strchr("\"\\/bfnrt", c) || !c) {
				return jfail(j, "unknown escape");
			}
		}
		j->pos++;
	}
	return jfail(j, "unterminated string");
}

static bool digit(struct jp *j)
{
	return j->pos < j->len && j->p[j->pos] >= '0' && j->p[j->pos] <= '9';
}

static int number(struct jp *j)
{
	if (j->p[j->pos] == '-')
		j->pos++;
	if (!digit(j))
		return jfail(j, "number without digits");
	if (j->p[j->pos] == '0')
		j->pos++;
	else
		while (digit(j))
			j->pos++;
	if (j->pos < j->len && j->p[j->pos] == '.') {
		j->pos++;
		if (!digit(j))
			return jfail(j, "no digits after the decimal point");
		while (digit(j))
			j->pos++;
	}
	if (j->pos < j->len && (j->p[j->pos] == 'e' || j->p[j->pos] == 'E')) {
		j->pos++;
		if (j->pos < j->len && (j->p[j->pos] == '+' || j->p[j->pos] == '-'))
			j->pos++;
		if (!digit(j))
			return jfail(j, "no digits in the exponent");
		while (digit(j))
			j->pos++;
	}
	return 0;
}

static int value(struct jp *j, unsigned depth);

static int container(struct jp *j, unsigned depth, char close)
{
	bool object = close == '}';

	if (depth >= JSON_MAX_DEPTH)
		return jfail(j, "nesting deeper than 32");
	j->pos++;
	skip_ws(j);
	if (j->pos < j->len && j->p[j->pos] == close) {
		j->pos++;
		return 0;
	}
	for (;;) {
		skip_ws(j);
		if (object) {
			if (j->pos >= j->len || j->p[j->pos] != '"')
				return jfail(j, "expected a string key");
			if (string(j) < 0)
				return -1;
			skip_ws(j);
			if (j->pos >= j->len || j->p[j->pos] != ':')
				return jfail(j, "expected ':'");
			j->pos++;
		}
		if (value(j, depth + 1) < 0)
			return -1;
		skip_ws(j);
		if (j->pos < j->len && j->p[j->pos] == ',') {
			j->pos++;
			continue;
		}
		if (j->pos < j->len && j->p[j->pos] == close) {
			j->pos++;
			return 0;
		}
		return jfail(j, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int value(struct jp *j, unsigned depth)
{
	skip_ws(j);
	if (j->pos >= j->len)
		return jfail(j, "value missing");
	switch (j->p[j->pos]) {
	case '{':
		return container(j, depth, '}');
	case '[':
		return container(j, depth, ']');
	case '"':
		return string(j);
	case 't':
		return lit(j, "true") ? 0 : jfail(j, "bad literal");
	case 'f':
		return lit(j, "false") ? 0 : jfail(j, "bad literal");
	case 'n':
		return lit(j, "null") ? 0 : jfail(j, "bad literal");
	default:
		if (j->p[j->pos] == '-' || digit(j))
			return number(j);
		return jfail(j, "unexpected character");
	}
}

int json_check_object(const char *p, size_t len, char *err, size_t errlen)
{
	struct jp j = { (const unsigned char *)p, len, 0, err, errlen };

	if (!len || p[0] != '{')
		return jfail(&j, "not an object");
	if (value(&j, 0) < 0)
		return -1;
	if (j.pos != len)
		return jfail(&j, "bytes after the object");
	return 0;
}
