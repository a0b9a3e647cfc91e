// SPDX-License-Identifier: GPL-2.0
/* Text rendering of one interval; see screen.h for the layout. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "screen.h"
#include "utf8.h"

/*
 * Column widths.  LADDR/RADDR fit any IPv4 "a.b.c.d:port"; IPv6 endpoints
 * can reach 51 characters, so those columns grow per row rather than cut an
 * address.  COMM is never truncated (the kernel keeps at most 15 bytes).
 */
#define TCPTOP_W_PID 7
#define TCPTOP_W_COMM 15
#define TCPTOP_W_ADDR4 21
#define TCPTOP_W_ADDR6 32
#define TCPTOP_W_KB 6

static bool tcptop_screen_has(const struct tcptop_flow_entry *const *rows, size_t n, int family)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i]->family == family)
			return true;
	return false;
}

static bool tcptop_screen_dropped(const struct tcptop_screen *s)
{
	return s->stats && (s->stats->dropped_events || s->stats->dropped_bytes);
}

static void tcptop_screen_header(FILE *out, int family)
{
	int w = family == AF_INET ? TCPTOP_W_ADDR4 : TCPTOP_W_ADDR6;

	fprintf(out, "\n%-*s %-*s %-*s %-*s %*s %*s\n", TCPTOP_W_PID, "PID", TCPTOP_W_COMM, "COMM",
		w, family == AF_INET ? "LADDR" : "LADDR6", w, family == AF_INET ? "RADDR" : "RADDR6",
		TCPTOP_W_KB, "RX_KB", TCPTOP_W_KB, "TX_KB");
}

static void tcptop_screen_row(FILE *out, const struct tcptop_flow_entry *e)
{
	char comm[TCPTOP_COMM_MAX + 1];
	char laddr[TCPTOP_ENDPOINT_STRLEN], raddr[TCPTOP_ENDPOINT_STRLEN];
	int w = e->family == AF_INET ? TCPTOP_W_ADDR4 : TCPTOP_W_ADDR6;
	size_t width;

	/* COMM is data, never a format; control bytes would drive the terminal. */
	width = tcptop_utf8_sanitize(e->comm, comm, sizeof(comm));
	if (tcptop_format_endpoint(e->family, e->laddr, e->lport, laddr, sizeof(laddr)))
		strcpy(laddr, "?");
	if (tcptop_format_endpoint(e->family, e->raddr, e->rport, raddr, sizeof(raddr)))
		strcpy(raddr, "?");
	fprintf(out, "%-*u ", TCPTOP_W_PID, e->tgid);
	fputs(comm, out);
	/* Pad by characters, not bytes, so a UTF-8 name keeps the columns straight. */
	for (; width < TCPTOP_W_COMM; width++)
		fputc(' ', out);
	fprintf(out, " %-*s %-*s %*llu %*llu\n", w, laddr, w, raddr,
		TCPTOP_W_KB, (unsigned long long)tcptop_kbytes(e->rx_delta),
		TCPTOP_W_KB, (unsigned long long)tcptop_kbytes(e->tx_delta));
}

static void tcptop_screen_section(FILE *out, const struct tcptop_screen *s, int family)
{
	size_t i;

	if (!tcptop_screen_has(s->rows, s->nrows, family))
		return;
	tcptop_screen_header(out, family);
	for (i = 0; i < s->nrows; i++)
		if (s->rows[i]->family == family)
			tcptop_screen_row(out, s->rows[i]);
}

/* Whose sockets were refused: a full map must name who filled it. */
static void tcptop_screen_refused(FILE *out, const struct tcptop_drain_stats *st)
{
	int i;

	for (i = 0; i < TCPTOP_REFUSED_UIDS && st->refused_uids[i].events; i++)
		fprintf(out, "%suid %u: %llu events", i ? ", " : " [",
			st->refused_uids[i].uid, (unsigned long long)st->refused_uids[i].events);
	if (i)
		fputc(']', out);
}

/* Drops are never silent: exact numbers, by reason, on the screen itself. */
static void tcptop_screen_drops(FILE *out, const struct tcptop_drain_stats *st)
{
	const char *sep = " (";
	int k;

	fprintf(out, "DROPPED this interval: %llu events, %llu bytes not attributed",
		(unsigned long long)st->dropped_events, (unsigned long long)st->dropped_bytes);
	for (k = 0; k < TCPTOP_DROPPED_KINDS; k++) {
		if (!st->dropped_events_by_kind[k] && !st->dropped_bytes_by_kind[k])
			continue;
		fprintf(out, "%s%s: %llu events, %llu bytes", sep,
			tcptop_drop_kind_name((enum tcptop_drop_kind)k),
			(unsigned long long)st->dropped_events_by_kind[k],
			(unsigned long long)st->dropped_bytes_by_kind[k]);
		if (k == TCPTOP_DROPPED_USER_SHARE)
			tcptop_screen_refused(out, st);
		sep = "; ";
	}
	fputs(sep[0] == ';' ? ")\n" : "\n", out);
}

/*
 * Without clearing, a blank line goes before the summary (or drops) line, as
 * in the original.  Sections start with their own blank line, so with -S a
 * second one would only double the gap.
 */
static bool tcptop_screen_separated(const struct tcptop_screen *s)
{
	return s->clock || tcptop_screen_dropped(s);
}

int tcptop_screen_print(FILE *out, const struct tcptop_screen *s)
{
	if (s->clear)
		fputs(TCPTOP_SCREEN_CLEAR, out);
	else if (tcptop_screen_separated(s))
		fputc('\n', out);
	if (s->clock) {
		const char *la = s->loadavg ? s->loadavg : "";
		size_t n = strcspn(la, "\n");

		fprintf(out, "%s loadavg: %.*s\n", s->clock, (int)n, la);
	}
	if (tcptop_screen_dropped(s))
		tcptop_screen_drops(out, s->stats);
	tcptop_screen_section(out, s, AF_INET);
	tcptop_screen_section(out, s, AF_INET6);
	if (fflush(out) == EOF || ferror(out))
		return -EIO;
	return 0;
}

size_t tcptop_screen_fit(const struct tcptop_screen *s, size_t height)
{
	size_t fixed = 0, k, lines;
	bool v4 = false, v6 = false;

	if (!height)
		return s->nrows;
	/* The cursor's line after the last row must stay on screen too. */
	fixed = 1 + (!s->clear && tcptop_screen_separated(s) ? 1 : 0) + (s->clock ? 1 : 0) +
		(tcptop_screen_dropped(s) ? 1 : 0);
	for (k = 0; k < s->nrows; k++) {
		bool next_v4 = v4 || s->rows[k]->family == AF_INET;
		bool next_v6 = v6 || s->rows[k]->family != AF_INET;

		/* Each section costs a blank line and a header. */
		lines = fixed + (next_v4 ? 2 : 0) + (next_v6 ? 2 : 0) + k + 1;
		if (lines > height)
			break;
		v4 = next_v4;
		v6 = next_v6;
	}
	return k;
}
