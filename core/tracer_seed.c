// SPDX-License-Identifier: GPL-2.0
/*
 * Start-up seeding (tracepoint mode): run the iter/tcp program once in every
 * network namespace we can enter, so connections that already exist get an
 * RX cursor.  The iterator only walks the namespace of the thread that
 * creates it, hence the setns() tour; only this thread moves, and it comes
 * back before we return.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tracer_internal.h"

struct tcptop_seed_tour {
	struct tcptop_tracer *tr;
	struct bpf_link *link;
	uint32_t *seen;
	size_t n, cap;
	int failed;		/* could not come back to our own namespace */
};

static int tcptop_seed_run(struct bpf_link *link)
{
	char buf[64];
	int fd = bpf_iter_create(bpf_link__fd(link));
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN)))
		;
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

static bool tcptop_seed_first_visit(struct tcptop_seed_tour *t, uint32_t inum)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->seen[i] == inum)
			return false;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		uint32_t *p = realloc(t->seen, cap * sizeof(*p));

		if (!p)
			return false;
		t->seen = p;
		t->cap = cap;
	}
	t->seen[t->n++] = inum;
	return true;
}

static int tcptop_seed_netns(const char *path, uint32_t inum, void *ctx)
{
	struct tcptop_seed_tour *t = ctx;
	int fd, seeded = 1;

	if (t->failed || !tcptop_seed_first_visit(t, inum))
		return 1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	if (setns(fd, CLONE_NEWNET) == 0) {
		seeded = tcptop_seed_run(t->link) == 0 ? 0 : 1;
		if (setns(t->tr->netns.self_fd, CLONE_NEWNET) != 0)
			t->failed = -errno;
	}
	close(fd);
	return seeded;
}

int tcptop_tracer_seed_rx(struct tcptop_tracer *tr, struct bpf_program *prog)
{
	static const char *const dirs[] = { "/proc", "/run/netns" };
	struct tcptop_seed_tour tour = { .tr = tr };
	int err, seeded = 1;

	tour.link = bpf_program__attach_iter(prog, NULL);
	if (!tour.link)
		return -errno;
	/* Our own namespace first: if the tour fails, the common case is still covered. */
	err = tcptop_seed_run(tour.link);
	if (err)
		goto cleanup;
	tcptop_seed_first_visit(&tour, tr->netns.self_inum);
	if (!tr->netns.can_enter) {
		/* Said once, here; the socket drain does not say it again. */
		tr->netns.warned = true;
		tcptop_log(tr, TCPTOP_LOG_WARNING,
			   "without CAP_SYS_ADMIN, other network namespaces cannot be entered: connections that already exist there are counted from their first read after start-up%s",
			   tr->drain_method == TCPTOP_DRAIN_SOCKET ?
			   ", and flows there are reported when they end, not while they live" : "");
		goto cleanup;
	}
	seeded += tcptop_netns_scan(dirs, tcptop_seed_netns, &tour);
	if (tour.failed) {
		err = tour.failed;
		tcptop_log(tr, TCPTOP_LOG_ERROR, "cannot return to our network namespace: %s",
			   strerror(-err));
		goto cleanup;
	}
	tcptop_log(tr, TCPTOP_LOG_DEBUG, "existing connections seeded in %d network namespace(s)",
		   seeded);

cleanup:
	free(tour.seen);
	bpf_link__destroy(tour.link);
	return err;
}
