/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names for the numbers the kernel gives us: a cgroup v2 id (the inode number
 * of the cgroup's directory) and a network namespace's inode number.
 *
 *   cgroup  the last component of the cgroup's path, shortened when it holds
 *           a container id (docker-<64 hex>.scope -> docker-<12 hex>), made
 *           identifier-safe (bytes outside [A-Za-z0-9_-] become '_', so
 *           nginx.service -> nginx_service); the hierarchy's root is "root";
 *           id 0 (not known) is "unknown"; a cgroup gone before we could
 *           look is "cgroup-<id>".
 *   netns   the name of a /run/netns entry on the same namespace (as made by
 *           `ip netns add`), same treatment; else "host" for the namespace
 *           collectd runs in; else "netns-<inode>"; 0 is "unknown".
 *
 * Every name goes through tcptop_ident_key(), so it can never equal a
 * bucket's reserved name ("other", "client", ...).  Names are cached for
 * good: cgroup ids are never reused, and a namespace keeps its inode.  A miss
 * rescans the cgroup tree (or /run/netns) at most once per read.
 */
#ifndef TCPTOP_PLUGIN_NAMES_H
#define TCPTOP_PLUGIN_NAMES_H

#include <stddef.h>
#include <stdint.h>

#define TCPTOP_NAMES_NETNS_DIR "/run/netns"
#define TCPTOP_NAMES_SELF_NETNS "/proc/self/ns/net"
#define TCPTOP_NAMES_MOUNTINFO "/proc/self/mountinfo"
#define TCPTOP_NAMES_INIT_MOUNTINFO "/proc/1/mountinfo"
#define TCPTOP_NAMES_CGROUP_DEFAULT "/sys/fs/cgroup"
/* Cached names at most; beyond, the cache starts over. */
#define TCPTOP_NAMES_CACHE_MAX 262144

struct tcptop_names_opts {
	/* NULL: the cgroup2 mount in our mountinfo, else init's (through /proc/1/root), else /sys/fs/cgroup */
	const char *cgroup_root;
	const char *netns_dir;		/* NULL: /run/netns */
	uint32_t self_netns;		/* "host" unless netns_dir names it; 0: none */
};

struct tcptop_names;

int tcptop_names_new(const struct tcptop_names_opts *o, struct tcptop_names **out);
void tcptop_names_free(struct tcptop_names *n);
/* A new read: each kind may rescan once more on a miss. */
void tcptop_names_next_read(struct tcptop_names *n);
/* Never NULL; valid until the names are freed. */
const char *tcptop_names_cgroup(struct tcptop_names *n, uint64_t id);
const char *tcptop_names_netns(struct tcptop_names *n, uint32_t inum);
/* How many directory scans ran (for tests). */
unsigned tcptop_names_scans(const struct tcptop_names *n);
/* The cgroup root in use. */
const char *tcptop_names_cgroup_root(const struct tcptop_names *n);

/* One path component as a cgroup name (see above), before tcptop_ident_key(). */
void tcptop_names_cgroup_short(const char *component, char *out, size_t len);
/* The mount point of the first cgroup2 file system in a mountinfo file. */
int tcptop_names_cgroup2_mount(const char *mountinfo, char *out, size_t len);
/* The inode number of a namespace file (stat follows /proc's links and bind mounts). */
int tcptop_names_inode(const char *path, uint32_t *out);

#endif
