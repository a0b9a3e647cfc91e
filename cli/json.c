// SPDX-License-Identifier: GPL-2.0
/* JSON rendering of one interval; see json.h for the schema. */
#include <errno.h>
#include <sys/socket.h>

#include "json.h"
#include "utf8.h"

void tcptop_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = 0;

	while (p[left])
		left++;
	fputc('"', out);
	while (left) {
		uint32_t cp;
		size_t len = tcptop_utf8_decode(p, left, &cp);

		if (!len) {
			/* JSON text is Unicode: a raw byte has no faithful spelling. */
			fputs("\\ufffd", out);
			len = 1;
		} else if (cp == '"' || cp == '\\') {
			fputc('\\', out);
			fputc((int)cp, out);
		} else if (cp == '\n') {
			fputs("\\n", out);
		} else if (cp == '\t') {
			fputs("\\t", out);
		} else if (cp == '\r') {
			fputs("\\r", out);
		} else if (tcptop_utf8_is_control(cp)) {
			fprintf(out, "\\u%04x", (unsigned)cp);
		} else {
			fwrite(p, 1, len, out);
		}
		p += len;
		left -= len;
	}
	fputc('"', out);
}

static void tcptop_json_time(FILE *out, const struct timespec *now)
{
	struct tm tm;
	time_t sec = now->tv_sec;

	if (!gmtime_r(&sec, &tm)) {
		fputs("null", out);
		return;
	}
	fprintf(out, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\"", tm.tm_year + 1900, tm.tm_mon + 1,
		tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now->tv_nsec / 1000000);
}

static void tcptop_json_addr(FILE *out, const struct tcptop_flow_entry *e, const uint8_t *addr)
{
	char buf[TCPTOP_ADDR_STRLEN];

	if (tcptop_format_addr(e->family, addr, buf, sizeof(buf)))
		fputs("null", out);
	else
		fprintf(out, "\"%s\"", buf);
}

static void tcptop_json_flow(FILE *out, const struct tcptop_flow_entry *e)
{
	fprintf(out, "{\"pid\":%u,\"comm\":", e->tgid);
	tcptop_json_string(out, e->comm);
	fprintf(out, ",\"family\":\"%s\",\"laddr\":", e->family == AF_INET ? "ipv4" : "ipv6");
	tcptop_json_addr(out, e, e->laddr);
	fprintf(out, ",\"lport\":%u,\"raddr\":", e->lport);
	tcptop_json_addr(out, e, e->raddr);
	fprintf(out, ",\"rport\":%u,\"rx_bytes\":%llu,\"tx_bytes\":%llu,\"closed\":%s}", e->rport,
		(unsigned long long)e->rx_delta, (unsigned long long)e->tx_delta,
		e->closed ? "true" : "false");
}

static void tcptop_json_drops(FILE *out, const struct tcptop_drain_stats *st)
{
	static const struct tcptop_drain_stats none;
	int k;

	if (!st)
		st = &none;
	fprintf(out, "{\"events\":%llu,\"bytes\":%llu,\"by_reason\":{",
		(unsigned long long)st->dropped_events, (unsigned long long)st->dropped_bytes);
	for (k = 0; k < TCPTOP_DROPPED_KINDS; k++)
		fprintf(out, "%s\"%s\":{\"events\":%llu,\"bytes\":%llu}", k ? "," : "",
			tcptop_drop_kind_name((enum tcptop_drop_kind)k),
			(unsigned long long)st->dropped_events_by_kind[k],
			(unsigned long long)st->dropped_bytes_by_kind[k]);
	fputc('}', out);
	/* Whose sockets were refused their user's share, when any were. */
	for (k = 0; k < TCPTOP_REFUSED_UIDS && st->refused_uids[k].events; k++)
		fprintf(out, "%s{\"uid\":%u,\"events\":%llu,\"bytes\":%llu}",
			k ? "," : ",\"refused_uids\":[", st->refused_uids[k].uid,
			(unsigned long long)st->refused_uids[k].events,
			(unsigned long long)st->refused_uids[k].bytes);
	fputs(k ? "]}" : "}", out);
}

int tcptop_json_print(FILE *out, const struct timespec *now, const struct tcptop_flow_entry *const *rows,
		      size_t nrows, const struct tcptop_drain_stats *stats)
{
	size_t i;

	fputs("{\"time\":", out);
	tcptop_json_time(out, now);
	fputs(",\"flows\":[", out);
	for (i = 0; i < nrows; i++) {
		if (i)
			fputc(',', out);
		tcptop_json_flow(out, rows[i]);
	}
	fputs("],\"drops\":", out);
	tcptop_json_drops(out, stats);
	fputs("}\n", out);
	if (fflush(out) == EOF || ferror(out))
		return -EIO;
	return 0;
}
