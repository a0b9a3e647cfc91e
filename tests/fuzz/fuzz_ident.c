// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz harness: the plugin's identifier sanitiser (plugin/plugin_ident.c) and
 * the units built on it (plugin/plugin_units.c).  COMM is whatever a process
 * set with prctl(PR_SET_NAME), so every byte of it is hostile input.
 *
 * Input: a 4-byte header (aggregate, TopFlows, linger limit, unused), then
 * kernel records (struct tcptop_sock_rec) as raw bytes.  A record whose flags
 * have bit 15 set starts a new read.  Each record's identifiers are checked
 * directly, then every read is folded into the units and checked for exact
 * sums and clean identifiers.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz_check.h"
#include "flow_table_internal.h"
#include "tcptop.h"

#define FUZZ_IDENT_NEW_READ 0x8000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The sanitiser alone, at every output size a caller could pass. */
static void fuzz_ident_comm(const char comm[TCPTOP_COMM_MAX])
{
	char out[TCPTOP_COMM_MAX + 4];
	size_t len, n, i;

	for (len = 0; len <= sizeof(out); len++) {
		memset(out, 'Z', sizeof(out));
		n = tcptop_ident_comm(comm, out, len);
		if (!len) {
			FUZZ_ASSERT(n == 0 && out[0] == 'Z');
			continue;
		}
		FUZZ_ASSERT(n < len && out[n] == '\0' && strlen(out) == n);
		for (i = n + 1; i < sizeof(out); i++)
			FUZZ_ASSERT(i < len || out[i] == 'Z');
		fuzz_check_ident_field(out);
		FUZZ_ASSERT(!strchr(out, '-'));
		FUZZ_ASSERT(len == 1 || n > 0);
	}
}

/* Every aggregate's identifier of one record's entries, family unchecked. */
static void fuzz_ident_direct(const struct tcptop_sock_rec *rec)
{
	struct tcptop_flow_entry e;
	struct tcptop_ident id;
	int agg, s, err;

	for (s = 0; s < TCPTOP_SLOTS; s++) {
		memset(&e, 0, sizeof(e));
		e.tgid = rec->slot[s].tgid;
		memcpy(e.comm, rec->slot[s].comm, sizeof(e.comm));
		e.family = rec->family;
		e.lport = rec->lport;
		e.rport = rec->rport;
		memcpy(e.laddr, rec->laddr, sizeof(e.laddr));
		memcpy(e.raddr, rec->raddr, sizeof(e.raddr));
		fuzz_ident_comm(e.comm);
		for (agg = TCPTOP_AGGREGATE_FLOW; agg < TCPTOP_AGGREGATE_KINDS; agg++) {
			memset(&id, 'Z', sizeof(id));
			err = tcptop_ident_build((enum tcptop_aggregate)agg, &e, &id);
			if (e.family != AF_INET && e.family != AF_INET6) {
				/* No address to show; what was written must still be terminated. */
				FUZZ_ASSERT(err == 0 || err == -EAFNOSUPPORT);
				FUZZ_ASSERT(memchr(id.plugin_instance, 0, TCPTOP_IDENT_LEN));
				FUZZ_ASSERT(memchr(id.type_instance, 0, TCPTOP_IDENT_LEN));
				continue;
			}
			FUZZ_ASSERT(err == 0);
			fuzz_check_ident((enum tcptop_aggregate)agg, &id);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcptop_table *t = NULL;
	struct tcptop_units *u = NULL;
	enum tcptop_aggregate agg;
	uint64_t other_rx = 0, other_tx = 0;
	struct tcptop_sock_rec rec;
	size_t off;
	bool pending = false;

	if (size < 4)
		return 0;
	agg = (enum tcptop_aggregate)(data[0] % TCPTOP_AGGREGATE_KINDS);
	if (tcptop_table_new(&t) || tcptop_units_new(agg, data[1] % 8, data[2] % 8, &u))
		goto cleanup;
	tcptop_table_begin(t);
	for (off = 4; off + sizeof(rec) <= size; off += sizeof(rec)) {
		memcpy(&rec, data + off, sizeof(rec));
		fuzz_ident_direct(&rec);
		if ((rec.flags & FUZZ_IDENT_NEW_READ) && pending) {
			fuzz_check_fold(u, agg, t, NULL, &other_rx, &other_tx);
			tcptop_table_begin(t);
			pending = false;
		}
		/* The kernel only ever hands over TCP sockets of these two families. */
		rec.family = rec.family & 1 ? AF_INET6 : AF_INET;
		/* Keep sums far from wrapping: a socket moves less than 2^48 bytes per read. */
		for (int s = 0; s < TCPTOP_SLOTS; s++) {
			rec.slot[s].tx &= (1ull << 48) - 1;
			rec.slot[s].rx &= (1ull << 48) - 1;
		}
		FUZZ_ASSERT(tcptop_table_add_record(t, &rec) == 0);
		pending = true;
	}
	fuzz_check_fold(u, agg, t, NULL, &other_rx, &other_tx);
	/* A read with nothing new: flows closed last time are forgotten, sums still hold. */
	tcptop_table_begin(t);
	fuzz_check_fold(u, agg, t, NULL, &other_rx, &other_tx);

cleanup:
	tcptop_units_free(u);
	tcptop_table_free(t);
	return 0;
}
