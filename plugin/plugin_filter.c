// SPDX-License-Identifier: GPL-2.0
/* Flow selection; the rules are in plugin_filter.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "plugin_filter.h"

void tcptop_filter_init(struct tcptop_filter *f)
{
	memset(f, 0, sizeof(*f));
}

void tcptop_filter_free(struct tcptop_filter *f)
{
	size_t i;

	for (i = 0; i < f->nprocs; i++) {
		if (f->procs[i].is_regex)
			regfree(&f->procs[i].re);
		free(f->procs[i].name);
	}
	free(f->procs);
	free(f->pids);
	free(f->lports);
	free(f->rports);
	free(f->netns);
	tcptop_filter_init(f);
}

/* Appends one element of size sz to *arr, which holds *n of them. */
static void *tcptop_filter_grow(void *arr, size_t *n, size_t sz)
{
	void *p = realloc(arr, (*n + 1) * sz);

	if (p)
		(*n)++;
	return p;
}

int tcptop_filter_add_pid(struct tcptop_filter *f, uint32_t pid)
{
	uint32_t *p = tcptop_filter_grow(f->pids, &f->npids, sizeof(*p));

	if (!p)
		return -ENOMEM;
	f->pids = p;
	p[f->npids - 1] = pid;
	return 0;
}

static int tcptop_filter_add_port(uint16_t **ports, size_t *n, uint16_t port)
{
	uint16_t *p = tcptop_filter_grow(*ports, n, sizeof(*p));

	if (!p)
		return -ENOMEM;
	*ports = p;
	p[*n - 1] = port;
	return 0;
}

int tcptop_filter_add_local_port(struct tcptop_filter *f, uint16_t port)
{
	return tcptop_filter_add_port(&f->lports, &f->nlports, port);
}

int tcptop_filter_add_remote_port(struct tcptop_filter *f, uint16_t port)
{
	return tcptop_filter_add_port(&f->rports, &f->nrports, port);
}

int tcptop_filter_add_netns(struct tcptop_filter *f, uint32_t inum)
{
	uint32_t *p = tcptop_filter_grow(f->netns, &f->nnetns, sizeof(*p));

	if (!p)
		return -ENOMEM;
	f->netns = p;
	p[f->nnetns - 1] = inum;
	return 0;
}

/* Fills p from spec; on failure p holds nothing that needs freeing. */
static int tcptop_filter_process_init(struct tcptop_filter_process *p, const char *spec,
				      char *why, size_t whylen)
{
	size_t len = strlen(spec);
	int rc;

	memset(p, 0, sizeof(*p));
	if (len >= 2 && spec[0] == '/' && spec[len - 1] == '/') {
		char *pattern = strndup(spec + 1, len - 2);

		if (!pattern)
			return -ENOMEM;
		if (!pattern[0]) {
			free(pattern);
			snprintf(why, whylen, "the regular expression is empty");
			return -EINVAL;
		}
		rc = regcomp(&p->re, pattern, REG_EXTENDED | REG_NOSUB);
		free(pattern);
		if (rc) {
			char msg[128];

			regerror(rc, &p->re, msg, sizeof(msg));
			snprintf(why, whylen, "invalid regular expression: %s", msg);
			return -EINVAL;
		}
		p->is_regex = true;
		return 0;
	}
	if (len == 0 || len >= TCPTOP_COMM_MAX) {
		snprintf(why, whylen,
			 "a process name has 1 to %d characters (Linux truncates longer names), so this can never match; use \"/regex/\" for a pattern",
			 TCPTOP_COMM_MAX - 1);
		return -EINVAL;
	}
	p->name = strdup(spec);
	return p->name ? 0 : -ENOMEM;
}

int tcptop_filter_add_process(struct tcptop_filter *f, const char *spec, char *why,
			      size_t whylen)
{
	struct tcptop_filter_process proc, *p;
	int err = tcptop_filter_process_init(&proc, spec, why, whylen);

	if (err)
		return err;
	p = tcptop_filter_grow(f->procs, &f->nprocs, sizeof(*p));
	if (!p) {
		if (proc.is_regex)
			regfree(&proc.re);
		free(proc.name);
		return -ENOMEM;
	}
	f->procs = p;
	p[f->nprocs - 1] = proc;
	return 0;
}

static bool tcptop_filter_has_pid(const struct tcptop_filter *f, uint32_t pid)
{
	size_t i;

	for (i = 0; i < f->npids; i++)
		if (f->pids[i] == pid)
			return true;
	return false;
}

static bool tcptop_filter_has_port(const uint16_t *ports, size_t n, uint16_t port)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

static bool tcptop_filter_has_process(const struct tcptop_filter *f, const char *comm)
{
	char name[TCPTOP_COMM_MAX + 1];
	size_t i;

	/* The table's COMM is NUL-terminated, but copy it to be sure of that. */
	memcpy(name, comm, TCPTOP_COMM_MAX);
	name[TCPTOP_COMM_MAX] = '\0';
	for (i = 0; i < f->nprocs; i++) {
		const struct tcptop_filter_process *p = &f->procs[i];

		if (p->is_regex ? regexec(&p->re, name, 0, NULL, 0) == 0
				: strcmp(p->name, name) == 0)
			return true;
	}
	return false;
}

static bool tcptop_filter_selected(const struct tcptop_filter *f, const struct tcptop_flow_entry *e)
{
	if (f->npids && !tcptop_filter_has_pid(f, e->tgid))
		return false;
	if (f->nlports && !tcptop_filter_has_port(f->lports, f->nlports, e->lport))
		return false;
	if (f->nrports && !tcptop_filter_has_port(f->rports, f->nrports, e->rport))
		return false;
	if (f->nprocs && !tcptop_filter_has_process(f, e->comm))
		return false;
	return true;
}

static bool tcptop_filter_is_loopback(int family, const uint8_t *a)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	if (family == AF_INET)
		return a[0] == 127;
	return memcmp(a, v6_loopback, sizeof(v6_loopback)) == 0;
}

bool tcptop_filter_match(const struct tcptop_filter *f, const struct tcptop_flow_entry *e)
{
	bool any_selection = f->npids || f->nprocs || f->nlports || f->nrports;

	if (f->families) {
		unsigned fam = e->family == AF_INET ? TCPTOP_FILTER_IPV4 : TCPTOP_FILTER_IPV6;

		if (!(f->families & fam))
			return false;
	}
	if (f->nnetns && e->netns) {
		size_t i;

		for (i = 0; i < f->nnetns && f->netns[i] != e->netns; i++)
			;
		if (i == f->nnetns)
			return false;
	}
	if (f->ignore_loopback && (tcptop_filter_is_loopback(e->family, e->laddr) ||
				   tcptop_filter_is_loopback(e->family, e->raddr)))
		return false;
	if (!any_selection)
		return true;
	return tcptop_filter_selected(f, e) != f->ignore_selected;
}

void tcptop_filter_pushdown(const struct tcptop_filter *f, uint32_t *pid, int *family)
{
	*pid = f->npids == 1 && !f->ignore_selected ? f->pids[0] : 0;
	if (f->families == TCPTOP_FILTER_IPV4)
		*family = AF_INET;
	else if (f->families == TCPTOP_FILTER_IPV6)
		*family = AF_INET6;
	else
		*family = 0;
}
