// SPDX-License-Identifier: GPL-2.0
/* Invariants of identifiers and unit folds; see fuzz_check.h. */
#include <string.h>

#include "fuzz_check.h"

void fuzz_check_ident_field(const char *s)
{
	size_t n = strnlen(s, TCPTOP_IDENT_LEN), i;

	FUZZ_ASSERT(n < TCPTOP_IDENT_LEN);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		FUZZ_ASSERT((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '_' || c == '-');
	}
}

static size_t fuzz_count(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

void fuzz_check_ident(enum tcptop_aggregate agg, const struct tcptop_ident *id)
{
	fuzz_check_ident_field(id->plugin_instance);
	fuzz_check_ident_field(id->type_instance);
	/* A plugin instance is never empty: csv and Graphite would lose a path level. */
	FUZZ_ASSERT(id->plugin_instance[0] != '\0');
	switch (agg) {
	case TCPTOP_AGGREGATE_FLOW:
		/* "<comm>-<pid>" and "<laddr>_<lport>-<raddr>_<rport>": '-' only separates. */
		FUZZ_ASSERT(fuzz_count(id->plugin_instance, '-') == 1);
		FUZZ_ASSERT(fuzz_count(id->type_instance, '-') == 1);
		break;
	case TCPTOP_AGGREGATE_PROCESS:
		FUZZ_ASSERT(fuzz_count(id->plugin_instance, '-') == 1);
		FUZZ_ASSERT(id->type_instance[0] == '\0');
		break;
	case TCPTOP_AGGREGATE_LOCAL_PORT:
	case TCPTOP_AGGREGATE_REMOTE_HOST:
		FUZZ_ASSERT(fuzz_count(id->type_instance, '-') == 0);
		FUZZ_ASSERT(id->type_instance[0] != '\0');
		break;
	case TCPTOP_AGGREGATE_TOTAL:
		FUZZ_ASSERT(strcmp(id->plugin_instance, "total") == 0);
		FUZZ_ASSERT(id->type_instance[0] == '\0');
		break;
	case TCPTOP_AGGREGATE_PROCESS_NAME:
		/* A name, never a bucket's: "other" and friends come escaped. */
		FUZZ_ASSERT(fuzz_count(id->type_instance, '-') == 0);
		FUZZ_ASSERT(strcmp(id->type_instance, "other") != 0);
		/* fall through */
	case TCPTOP_AGGREGATE_LISTENING_PORT:
	case TCPTOP_AGGREGATE_CGROUP:
	case TCPTOP_AGGREGATE_NETNS:
		FUZZ_ASSERT(strcmp(id->plugin_instance, tcptop_aggregate_name(agg)) == 0);
		FUZZ_ASSERT(id->type_instance[0] != '\0');
		break;
	case TCPTOP_AGGREGATE_KINDS:
		FUZZ_ASSERT(0);
	}
}

static bool fuzz_is_other(enum tcptop_aggregate agg, const struct tcptop_ident *id)
{
	struct tcptop_ident other;

	tcptop_ident_other(agg, &other);
	return strcmp(other.plugin_instance, id->plugin_instance) == 0 &&
	       strcmp(other.type_instance, id->type_instance) == 0;
}

void fuzz_check_fold(struct tcptop_units *u, enum tcptop_aggregate agg, struct tcptop_table *t,
		     const struct tcptop_filter *f, uint64_t *other_rx, uint64_t *other_tx)
{
	uint64_t want_rx = 0, want_tx = 0, got_rx = 0, got_tx = 0;
	size_t i, n = tcptop_table_count(t);

	for (i = 0; i < n; i++) {
		const struct tcptop_flow_entry *e = tcptop_table_at(t, i);

		if (f && !tcptop_filter_match(f, e))
			continue;
		want_rx += e->rx_delta;
		want_tx += e->tx_delta;
	}
	/* Only allocation can fail, and the harness does not run out of memory. */
	FUZZ_ASSERT(tcptop_units_fold(u, t, f) == 0);
	n = tcptop_units_reported(u);
	for (i = 0; i < n; i++) {
		const struct tcptop_unit *unit = tcptop_units_report_at(u, i);

		FUZZ_ASSERT(unit != NULL);
		/* Cumulative counters never go down (DERIVE). */
		if (fuzz_is_other(agg, &unit->id)) {
			fuzz_check_ident_field(unit->id.plugin_instance);
			fuzz_check_ident_field(unit->id.type_instance);
			FUZZ_ASSERT(i == n - 1);
			FUZZ_ASSERT(unit->rx >= *other_rx && unit->tx >= *other_tx);
			got_rx += unit->rx - *other_rx;
			got_tx += unit->tx - *other_tx;
			*other_rx = unit->rx;
			*other_tx = unit->tx;
		} else {
			fuzz_check_ident(agg, &unit->id);
			FUZZ_ASSERT(unit->rx >= unit->rx_delta && unit->tx >= unit->tx_delta);
			got_rx += unit->rx_delta;
			got_tx += unit->tx_delta;
		}
	}
	FUZZ_ASSERT(tcptop_units_report_at(u, n) == NULL);
	FUZZ_ASSERT(got_rx == want_rx && got_tx == want_tx);
}
