// SPDX-License-Identifier: GPL-2.0
/*
 * The network namespaces a socket drain walks.  The tcp iterator only walks
 * the namespace of the thread that creates it, so a drain creates one
 * iterator in our own namespace and one in each other namespace that holds
 * live flows, stepping into each with setns() just long enough to create it.
 *
 * The kernel programs list the other namespaces with live flows, and a
 * process seen in each (the foreign_netns map).  A namespace is entered by
 * a path: that process's /proc/<pid>/ns/net, or, when it has gone, any
 * process's or /run/netns entry with the same inode number, found by a scan
 * of /proc and /run/netns.  No namespace is held open between drains, so we
 * never keep a dead container's namespace alive.
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
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tcptop.h"
#include "tracer_internal.h"
#include "tcptop.skel.h"

/* Scans for namespaces that could not be found wait this many drains. */
#define TCPTOP_NETNS_RESCAN_EVERY 8

static bool tcptop_has_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[0].effective & (1u << CAP_SYS_ADMIN);
}

int tcptop_netns_init(struct tcptop_tracer *tr)
{
	struct tcptop_netns_set *s = &tr->netns;
	struct stat st;

	s->self_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (s->self_fd < 0)
		return -errno;
	if (fstat(s->self_fd, &st) != 0)
		return -errno;
	s->self_inum = (uint32_t)st.st_ino;
	s->can_enter = tcptop_has_cap_sys_admin();
	return 0;
}

void tcptop_netns_free(struct tcptop_tracer *tr)
{
	struct tcptop_netns_set *s = &tr->netns;

	if (s->self_fd >= 0)
		close(s->self_fd);
	s->self_fd = -1;
	free(s->ns);
	s->ns = NULL;
	s->n = s->cap = 0;
}

static struct tcptop_netns *tcptop_netns_find(struct tcptop_netns_set *s, uint32_t inum)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->ns[i].inum == inum)
			return &s->ns[i];
	return NULL;
}

static struct tcptop_netns *tcptop_netns_add(struct tcptop_netns_set *s, uint32_t inum)
{
	struct tcptop_netns *e = tcptop_netns_find(s, inum);

	if (e)
		return e;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct tcptop_netns *p = realloc(s->ns, cap * sizeof(*p));

		if (!p)
			return NULL;
		s->ns = p;
		s->cap = cap;
	}
	e = &s->ns[s->n++];
	memset(e, 0, sizeof(*e));
	e->inum = inum;
	return e;
}

/* The inode number of the namespace behind path, or 0. */
static uint32_t tcptop_netns_inum(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

int tcptop_netns_scan(const char *const *dirs, tcptop_netns_visit_fn visit, void *ctx)
{
	static const char *const formats[] = { "%s/%s/ns/net", "%s/%s" };
	char path[300];
	struct dirent *de;
	size_t d;
	int n = 0;

	for (d = 0; d < 2; d++) {
		DIR *dir = opendir(dirs[d]);

		if (!dir)
			continue;
		while ((de = readdir(dir))) {
			uint32_t inum;

			if (de->d_name[0] == '.' || (d == 0 && (de->d_name[0] < '0' || de->d_name[0] > '9')))
				continue;
			snprintf(path, sizeof(path), formats[d], dirs[d], de->d_name);
			inum = tcptop_netns_inum(path);
			if (inum && visit(path, inum, ctx) == 0)
				n++;
		}
		closedir(dir);
	}
	return n;
}

static int tcptop_netns_note_path(const char *path, uint32_t inum, void *ctx)
{
	struct tcptop_netns_set *s = ctx;
	struct tcptop_netns *e;

	if (inum == s->self_inum)
		return 1;
	e = s->full_scan ? tcptop_netns_add(s, inum) : tcptop_netns_find(s, inum);
	if (!e || (e->path[0] && !s->full_scan))
		return 1;
	if (s->full_scan)
		e->wanted = true;
	snprintf(e->path, sizeof(e->path), "%s", path);
	return 0;
}

void tcptop_netns_refresh(struct tcptop_tracer *tr)
{
	static const char *const dirs[] = { "/proc", "/run/netns" };
	struct tcptop_netns_set *s = &tr->netns;
	int fd = bpf_map__fd(tr->skel->maps.foreign_netns);
	struct tcptop_netns_live live;
	/* 0 is never a key here, and a missing key starts the walk at the first (no NULL for valgrind). */
	uint32_t key = 0, next = 0, *prev = &key;
	bool missing = false;
	size_t i;

	for (i = 0; i < s->n; i++)
		s->ns[i].wanted = false;
	/* Past the map's room, only a walk of every namespace we find is safe. */
	s->full_scan = __atomic_load_n(&tr->skel->bss->netns_untracked, __ATOMIC_RELAXED) != 0;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct tcptop_netns *e;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &live) != 0 || live.flows <= 0)
			continue;
		e = tcptop_netns_add(s, key);
		if (!e)
			continue;
		e->wanted = true;
		/* The path found last time may now name another namespace, or none. */
		if (e->path[0] && tcptop_netns_inum(e->path) != key)
			e->path[0] = '\0';
		if (!e->path[0] && live.tgid) {
			char path[64];

			snprintf(path, sizeof(path), "/proc/%u/ns/net", live.tgid);
			if (tcptop_netns_inum(path) == key)
				snprintf(e->path, sizeof(e->path), "%s", path);
		}
		missing = missing || !e->path[0];
	}
	if (s->full_scan || (missing && tr->drains >= s->next_scan)) {
		tcptop_netns_scan(dirs, tcptop_netns_note_path, s);
		s->next_scan = tr->drains + TCPTOP_NETNS_RESCAN_EVERY;
	}
}

static void tcptop_netns_warn_once(struct tcptop_tracer *tr, const char *why)
{
	if (tr->netns.warned)
		return;
	tr->netns.warned = true;
	tcptop_log(tr, TCPTOP_LOG_WARNING,
		   "flows in other network namespaces are reported when they end, not while they live: %s",
		   why);
}

/* Creates the iterator inside the namespace behind path; returns its fd or a negative errno. */
static int tcptop_netns_iter_in(struct tcptop_tracer *tr, struct tcptop_netns *e)
{
	int nsfd, fd, err;
	struct stat st;

	nsfd = open(e->path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -errno;
	if (fstat(nsfd, &st) != 0 || (uint32_t)st.st_ino != e->inum) {
		close(nsfd);
		e->path[0] = '\0';
		return -ESTALE;
	}
	if (setns(nsfd, CLONE_NEWNET) != 0) {
		err = -errno;
		close(nsfd);
		return err;
	}
	close(nsfd);
	fd = bpf_iter_create(bpf_link__fd(tr->iter_link));
	err = fd < 0 ? -errno : 0;
	if (setns(tr->netns.self_fd, CLONE_NEWNET) != 0) {
		/* Cannot happen with CAP_SYS_ADMIN; if it does, this thread must not stay there. */
		tcptop_log(tr, TCPTOP_LOG_ERROR,
			   "cannot return to our own network namespace after draining another: %s",
			   strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	return err ? err : fd;
}

int tcptop_netns_open_iters(struct tcptop_tracer *tr, int **fds_out)
{
	struct tcptop_netns_set *s = &tr->netns;
	int *fds, n = 0, fd;
	size_t i;

	fds = calloc(s->n + 1, sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	fd = bpf_iter_create(bpf_link__fd(tr->iter_link));
	if (fd < 0) {
		fd = -errno;
		free(fds);
		return fd;
	}
	fds[n++] = fd;
	for (i = 0; i < s->n; i++) {
		struct tcptop_netns *e = &s->ns[i];

		e->walked = false;
		if (!e->wanted)
			continue;
		if (!s->can_enter) {
			tcptop_netns_warn_once(tr, "entering another network namespace needs CAP_SYS_ADMIN");
			continue;
		}
		if (!e->path[0]) {
			tcptop_netns_warn_once(tr, "a namespace with live flows has no process or /run/netns entry left to enter it by");
			continue;
		}
		fd = tcptop_netns_iter_in(tr, e);
		if (fd == -EIO) {
			free(fds);
			return fd;
		}
		if (fd < 0)
			continue;
		e->walked = true;
		fds[n++] = fd;
	}
	*fds_out = fds;
	return n;
}

void tcptop_netns_count(const struct tcptop_tracer *tr, uint32_t *walked, uint32_t *unreachable)
{
	const struct tcptop_netns_set *s = &tr->netns;
	size_t i;

	*walked = 1;
	*unreachable = 0;
	for (i = 0; i < s->n; i++) {
		*walked += s->ns[i].walked;
		*unreachable += s->ns[i].wanted && !s->ns[i].walked;
	}
}

bool tcptop_netns_was_walked(const struct tcptop_tracer *tr, uint32_t inum)
{
	const struct tcptop_netns *e;

	if (tr->drain_method != TCPTOP_DRAIN_SOCKET || inum == tr->netns.self_inum || !inum)
		return true;
	e = tcptop_netns_find((struct tcptop_netns_set *)&tr->netns, inum);
	return e && e->walked;
}
