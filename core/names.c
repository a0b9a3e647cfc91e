// SPDX-License-Identifier: GPL-2.0
/*
 * Names of attach modes, drain methods and drop kinds, as messages and both
 * front ends spell them.  No BPF here, so unit tests and fuzzers link it.
 */
#include <errno.h>
#include <string.h>

#include "tcptop.h"
#include "tcptop_core.h"

/* The kernel programs count drops by the same numbers the front ends report them by. */
_Static_assert((int)TCPTOP_DROPPED_MAP_FULL == (int)TCPTOP_DROP_MAP_FULL, "drop kinds");
_Static_assert((int)TCPTOP_DROPPED_SLOTS_FULL == (int)TCPTOP_DROP_SLOTS_FULL, "drop kinds");
_Static_assert((int)TCPTOP_DROPPED_CLOSED_RING_FULL == (int)TCPTOP_DROP_CLOSED_BUF_FULL, "drop kinds");
_Static_assert((int)TCPTOP_DROPPED_STASH_FULL == (int)TCPTOP_DROP_STASH_FULL, "drop kinds");
_Static_assert((int)TCPTOP_DROPPED_SOFTIRQ == (int)TCPTOP_DROP_SOFTIRQ, "drop kinds");
_Static_assert((int)TCPTOP_DROPPED_USER_SHARE == (int)TCPTOP_DROP_USER_SHARE, "drop kinds");
_Static_assert((int)TCPTOP_DROPPED_SKIPPED_BY_KERNEL == (int)TCPTOP_DROP_NR,
	       "only the kernel's recursion misses are counted outside the programs");
_Static_assert(TCPTOP_COMM_MAX == TCPTOP_COMM_LEN, "a process name is copied whole");

static const char *const tcptop_mode_names[] = {
	[TCPTOP_MODE_AUTO] = "auto",
	[TCPTOP_MODE_TRACEPOINT] = "tracepoint",
	[TCPTOP_MODE_FENTRY] = "fentry",
	[TCPTOP_MODE_KPROBE] = "kprobe",
};

static const char *const tcptop_drain_names[] = {
	[TCPTOP_DRAIN_AUTO] = "auto",
	[TCPTOP_DRAIN_MAP] = "map",
	[TCPTOP_DRAIN_SOCKET] = "socket",
};

#define TCPTOP_NAMES_N(a) (sizeof(a) / sizeof((a)[0]))

static int tcptop_name_index(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

const char *tcptop_mode_name(enum tcptop_mode mode)
{
	if ((unsigned)mode >= TCPTOP_NAMES_N(tcptop_mode_names))
		return NULL;
	return tcptop_mode_names[mode];
}

int tcptop_mode_parse(const char *s, enum tcptop_mode *out)
{
	int i = tcptop_name_index(tcptop_mode_names, TCPTOP_NAMES_N(tcptop_mode_names), s);

	if (i < 0)
		return i;
	*out = (enum tcptop_mode)i;
	return 0;
}

const char *tcptop_drain_method_name(enum tcptop_drain_method m)
{
	if ((unsigned)m >= TCPTOP_NAMES_N(tcptop_drain_names))
		return NULL;
	return tcptop_drain_names[m];
}

int tcptop_drain_method_parse(const char *s, enum tcptop_drain_method *out)
{
	int i = tcptop_name_index(tcptop_drain_names, TCPTOP_NAMES_N(tcptop_drain_names), s);

	if (i < 0)
		return i;
	*out = (enum tcptop_drain_method)i;
	return 0;
}

const char *tcptop_drop_kind_name(enum tcptop_drop_kind kind)
{
	static const char *const names[] = {
		[TCPTOP_DROPPED_MAP_FULL] = "map_full",
		[TCPTOP_DROPPED_SLOTS_FULL] = "processes_per_socket",
		[TCPTOP_DROPPED_CLOSED_RING_FULL] = "closed_ring_full",
		[TCPTOP_DROPPED_STASH_FULL] = "calls_in_flight",
		[TCPTOP_DROPPED_SOFTIRQ] = "softirq_reader",
		[TCPTOP_DROPPED_USER_SHARE] = "user_share",
		[TCPTOP_DROPPED_SKIPPED_BY_KERNEL] = "skipped_by_kernel",
	};

	if ((unsigned)kind >= TCPTOP_DROPPED_KINDS)
		return NULL;
	return names[kind];
}
