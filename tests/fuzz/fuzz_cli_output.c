// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz harness: the CLI's screen and JSON output (cli/screen.c, cli/json.c,
 * cli/utf8.c) for hostile COMMs.  The input is kernel records (struct
 * tcptop_sock_rec) as raw bytes, so COMM, addresses, ports and counts are all
 * chosen by the fuzzer.  The JSON must parse (strictly, as RFC 8259 says)
 * and the screen must hold no byte that drives a terminal.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "flow_table_internal.h"
#include "json.h"
#include "rows.h"
#include "screen.h"
#include "tcptop.h"
#include "utf8.h"

#define FUZZ_ASSERT(cond)                                                                      \
	do {                                                                                   \
		if (!(cond))                                                                   \
			abort();                                                               \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- a strict JSON checker: returns the end of one value, or NULL ------------ */

static const char *fuzz_json_value(const char *p, const char *end, int depth);

static const char *fuzz_json_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static const char *fuzz_json_string(const char *p, const char *end)
{
	if (p >= end || *p != '"')
		return NULL;
	for (p++; p < end; ) {
		unsigned char c = (unsigned char)*p;
		uint32_t cp;
		size_t n;

		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			if (++p >= end)
				return NULL;
			if (*p == 'u') {
				for (n = 1; n <= 4; n++)
					if (p + n >= end || !strchr("0123456789abcdefABCDEF", p[n]) || !p[n])
						return NULL;
				p += 5;
			} else if (*p && strchr("\"\\/bfnrt", *p)) {
				p++;
			} else {
				return NULL;
			}
			continue;
		}
		n = tcptop_utf8_decode((const unsigned char *)p, (size_t)(end - p), &cp);
		if (!n)
			return NULL;
		p += n;
	}
	return NULL;
}

static const char *fuzz_json_number(const char *p, const char *end)
{
	const char *start;

	if (p < end && *p == '-')
		p++;
	start = p;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (p == start || (*start == '0' && p - start > 1))
		return NULL;
	if (p < end && *p == '.') {
		start = ++p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == start)
			return NULL;
	}
	return p;
}

static const char *fuzz_json_container(const char *p, const char *end, int depth, char close)
{
	bool first = true;

	for (p++;; first = false) {
		p = fuzz_json_ws(p, end);
		if (p < end && *p == close && first)
			return p + 1;
		if (!first) {
			if (p < end && *p == close)
				return p + 1;
			if (p >= end || *p != ',')
				return NULL;
			p = fuzz_json_ws(p + 1, end);
		}
		if (close == '}') {
			p = fuzz_json_string(p, end);
			if (!p)
				return NULL;
			p = fuzz_json_ws(p, end);
			if (p >= end || *p != ':')
				return NULL;
			p++;
		}
		p = fuzz_json_value(p, end, depth + 1);
		if (!p)
			return NULL;
	}
}

static const char *fuzz_json_value(const char *p, const char *end, int depth)
{
	p = fuzz_json_ws(p, end);
	if (p >= end || depth > 16)
		return NULL;
	switch (*p) {
	case '{':
		return fuzz_json_container(p, end, depth, '}');
	case '[':
		return fuzz_json_container(p, end, depth, ']');
	case '"':
		return fuzz_json_string(p, end);
	case 't':
		return end - p >= 4 && !memcmp(p, "true", 4) ? p + 4 : NULL;
	case 'f':
		return end - p >= 5 && !memcmp(p, "false", 5) ? p + 5 : NULL;
	case 'n':
		return end - p >= 4 && !memcmp(p, "null", 4) ? p + 4 : NULL;
	default:
		return fuzz_json_number(p, end);
	}
}

/* ---- checks ----------------------------------------------------------------- */

/* One JSON object per line, and nothing else. */
static void fuzz_check_json(const char *buf, size_t len)
{
	const char *end = buf + len, *p;

	FUZZ_ASSERT(len > 1 && buf[len - 1] == '\n' && memchr(buf, '\n', len) == end - 1);
	FUZZ_ASSERT(buf[0] == '{');
	p = fuzz_json_value(buf, end - 1, 0);
	FUZZ_ASSERT(p == end - 1);
}

/* Well-formed UTF-8 with no control character but the newline. */
static void fuzz_check_screen(const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf, *end = p + len;

	while (p < end) {
		uint32_t cp;
		size_t n = tcptop_utf8_decode(p, (size_t)(end - p), &cp);

		FUZZ_ASSERT(n > 0);
		FUZZ_ASSERT(cp == '\n' || !tcptop_utf8_is_control(cp));
		p += n;
	}
}

static void fuzz_check_comm(const char *comm)
{
	char out[TCPTOP_COMM_MAX + 1];
	size_t width = tcptop_utf8_sanitize(comm, out, sizeof(out));

	FUZZ_ASSERT(strlen(out) <= strlen(comm) && width <= strlen(out));
	fuzz_check_screen(out, strlen(out));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct timespec when = { .tv_sec = 1700000000, .tv_nsec = 123456789 };
	struct tcptop_drain_stats stats = { .dropped_events = 1, .dropped_bytes = 2 };
	struct tcptop_screen scr = { .clock = "12:34:56", .loadavg = "0.1 0.2 0.3 1/2 3\n" };
	struct tcptop_rows rows = { 0 };
	struct tcptop_table *t = NULL;
	struct tcptop_sock_rec rec;
	char *buf = NULL;
	size_t len = 0, off, i;
	FILE *out;

	if (tcptop_table_new(&t))
		return 0;
	tcptop_table_begin(t);
	for (off = 0; off + sizeof(rec) <= size; off += sizeof(rec)) {
		memcpy(&rec, data + off, sizeof(rec));
		/* The kernel only ever hands over TCP sockets of these two families. */
		rec.family = rec.family & 1 ? AF_INET6 : AF_INET;
		FUZZ_ASSERT(tcptop_table_add_record(t, &rec) == 0);
	}
	for (i = 0; i < tcptop_table_count(t); i++)
		fuzz_check_comm(tcptop_table_at(t, i)->comm);
	FUZZ_ASSERT(tcptop_rows_collect(&rows, t, (enum tcptop_sort)(size % 3)) == 0);

	out = open_memstream(&buf, &len);
	FUZZ_ASSERT(out != NULL);
	FUZZ_ASSERT(tcptop_json_print(out, &when, rows.v, rows.n, &stats) == 0);
	fclose(out);
	fuzz_check_json(buf, len);
	free(buf);

	buf = NULL;
	out = open_memstream(&buf, &len);
	FUZZ_ASSERT(out != NULL);
	scr.stats = &stats;
	scr.rows = rows.v;
	scr.nrows = rows.n;
	FUZZ_ASSERT(tcptop_screen_print(out, &scr) == 0);
	fclose(out);
	fuzz_check_screen(buf, len);
	free(buf);

	tcptop_rows_free(&rows);
	tcptop_table_free(t);
	return 0;
}
