// SPDX-License-Identifier: GPL-2.0
/*
 * Start-up seeding (tracepoint mode): run the iter/tcp program once in every
 * network namespace we can enter, so connections that already exist get an
 * RX cursor.  The iterator only walks the namespace of the thread that
 * creates it, hence the setns() tour; only this thread moves, and it comes
 * back before we return.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tracer_internal.h"

struct tcptop_netns_seen {
	ino_t *ino;
	size_t n, cap;
};

static bool tcptop_netns_seen_add(struct tcptop_netns_seen *s, ino_t ino)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->ino[i] == ino)
			return false;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		ino_t *p = realloc(s->ino, cap * sizeof(*p));

		if (!p)
			return false;
		s->ino = p;
		s->cap = cap;
	}
	s->ino[s->n++] = ino;
	return true;
}

static int tcptop_seed_run(struct bpf_link *link)
{
	char buf[64];
	int fd = bpf_iter_create(bpf_link__fd(link));
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		;
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

/* Enter the namespace behind path (if new to us), seed it; returns 1 if seeded. */
static int tcptop_seed_netns(struct bpf_link *link, const char *path, struct tcptop_netns_seen *seen)
{
	struct stat st;
	int fd, seeded = 0;

	if (stat(path, &st) != 0 || !tcptop_netns_seen_add(seen, st.st_ino))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (setns(fd, CLONE_NEWNET) == 0 && tcptop_seed_run(link) == 0)
		seeded = 1;
	close(fd);
	return seeded;
}

static int tcptop_seed_dir(struct bpf_link *link, const char *dir, const char *fmt,
			   struct tcptop_netns_seen *seen)
{
	char path[300];
	struct dirent *de;
	DIR *d = opendir(dir);
	int seeded = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), fmt, dir, de->d_name);
		seeded += tcptop_seed_netns(link, path, seen);
	}
	closedir(d);
	return seeded;
}

int tcptop_tracer_seed_rx(struct tcptop_tracer *tr, struct bpf_program *prog)
{
	struct tcptop_netns_seen seen = { 0 };
	struct bpf_link *link;
	struct stat st;
	int self, err, seeded = 0;

	link = bpf_program__attach_iter(prog, NULL);
	if (!link)
		return -errno;
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		err = -errno;
		goto cleanup;
	}
	/* Our own namespace first: if the tour fails, the common case is still covered. */
	err = tcptop_seed_run(link);
	if (err)
		goto cleanup;
	if (fstat(self, &st) == 0)
		tcptop_netns_seen_add(&seen, st.st_ino);
	seeded = 1 + tcptop_seed_dir(link, "/proc", "%s/%s/ns/net", &seen) +
		 tcptop_seed_dir(link, "/run/netns", "%s/%s", &seen);
	if (setns(self, CLONE_NEWNET) != 0) {
		err = -errno;
		tcptop_log(tr, TCPTOP_LOG_ERROR, "cannot return to our network namespace: %s",
			   strerror(-err));
		goto cleanup;
	}
	tcptop_log(tr, TCPTOP_LOG_DEBUG, "existing connections seeded in %d network namespace(s)",
		   seeded);

cleanup:
	if (self >= 0)
		close(self);
	free(seen.ino);
	bpf_link__destroy(link);
	return err;
}
