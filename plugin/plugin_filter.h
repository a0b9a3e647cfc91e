/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which flows the plugin reports.  PID, Process, LocalPort and RemotePort
 * make the selection: a flow is selected when it matches every kind that was
 * given (any value of a kind will do), and IgnoreSelected turns that into
 * "everything but".  Family, NetworkNamespace and IgnoreLoopback narrow what
 * is reported whatever the selection says.  With no PID/Process/port given, every flow
 * is selected, as collectd's own select/ignore lists behave.
 */
#ifndef TCPTOP_PLUGIN_FILTER_H
#define TCPTOP_PLUGIN_FILTER_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcptop_core.h"


#define TCPTOP_FILTER_IPV4 0x1u
#define TCPTOP_FILTER_IPV6 0x2u

struct tcptop_filter_process {
	char *name;		/* exact COMM, when not a regex */
	regex_t re;
	bool is_regex;
};

struct tcptop_filter {
	uint32_t *pids;
	size_t npids;
	struct tcptop_filter_process *procs;
	size_t nprocs;
	uint16_t *lports;
	size_t nlports;
	uint16_t *rports;
	size_t nrports;
	uint32_t *netns;	/* network namespace inode numbers; none: any */
	size_t nnetns;
	unsigned families;	/* TCPTOP_FILTER_*; 0: any */
	bool ignore_loopback;
	bool ignore_selected;
};

void tcptop_filter_init(struct tcptop_filter *f);
void tcptop_filter_free(struct tcptop_filter *f);

int tcptop_filter_add_pid(struct tcptop_filter *f, uint32_t pid);
/*
 * "/regex/" (POSIX extended) or an exact COMM.  Returns 0, -ENOMEM, or
 * -EINVAL with the reason in why.
 */
int tcptop_filter_add_process(struct tcptop_filter *f, const char *spec, char *why,
			      size_t whylen);
int tcptop_filter_add_local_port(struct tcptop_filter *f, uint16_t port);
int tcptop_filter_add_remote_port(struct tcptop_filter *f, uint16_t port);
/* A flow's namespace must be one of these (a flow the kernel gave none passes). */
int tcptop_filter_add_netns(struct tcptop_filter *f, uint32_t inum);

bool tcptop_filter_match(const struct tcptop_filter *f, const struct tcptop_flow_entry *e);

/*
 * What the kernel can filter by itself without changing the result: one PID
 * (when it is the only PID and the selection is not inverted) and one family.
 * Zero means no kernel filter.
 */
void tcptop_filter_pushdown(const struct tcptop_filter *f, uint32_t *pid, int *family);

#endif
