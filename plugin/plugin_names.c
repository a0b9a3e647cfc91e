// SPDX-License-Identifier: GPL-2.0
/* cgroup and network namespace names; the rules are in plugin_names.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_ident.h"
#include "plugin_names.h"

/* The cgroup tree is walked this deep at most (cgroup.max.depth is unlimited by default). */
#define TCPTOP_NAMES_DEPTH 32

struct tcptop_names_entry {
	uint64_t key;
	char *name;		/* NULL: empty slot */
};

struct tcptop_names_cache {
	struct tcptop_names_entry *v;
	size_t cap;		/* power of two */
	size_t count;
};

struct tcptop_names {
	char *cgroup_root;
	char *netns_dir;
	uint32_t self_netns;
	struct tcptop_names_cache cgroups;
	struct tcptop_names_cache netns;
	bool cgroup_scanned;	/* this read */
	bool netns_scanned;
	unsigned scans;
};

/* ---- the cache: open addressing, key -> name -------------------------------------- */

static size_t tcptop_names_hash(uint64_t k)
{
	k *= 0x9e3779b97f4a7c15ull;
	return (size_t)(k ^ (k >> 32));
}

static void tcptop_names_cache_free(struct tcptop_names_cache *c)
{
	size_t i;

	for (i = 0; i < c->cap; i++)
		free(c->v[i].name);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static struct tcptop_names_entry *tcptop_names_slot(const struct tcptop_names_cache *c, uint64_t k)
{
	size_t mask = c->cap - 1, i = tcptop_names_hash(k) & mask;

	while (c->v[i].name && c->v[i].key != k)
		i = (i + 1) & mask;
	return &c->v[i];
}

static const char *tcptop_names_cache_get(const struct tcptop_names_cache *c, uint64_t k)
{
	return c->cap ? tcptop_names_slot(c, k)->name : NULL;
}

static int tcptop_names_cache_grow(struct tcptop_names_cache *c)
{
	struct tcptop_names_cache bigger = { .cap = c->cap ? c->cap * 2 : 64 };
	size_t i;

	bigger.v = calloc(bigger.cap, sizeof(*bigger.v));
	if (!bigger.v)
		return -ENOMEM;
	for (i = 0; i < c->cap; i++)
		if (c->v[i].name)
			*tcptop_names_slot(&bigger, c->v[i].key) = c->v[i];
	bigger.count = c->count;
	free(c->v);
	*c = bigger;
	return 0;
}

/* Adds k -> a copy of name unless k is there; returns the cached name, or NULL without memory. */
static const char *tcptop_names_cache_put(struct tcptop_names_cache *c, uint64_t k,
					  const char *name)
{
	struct tcptop_names_entry *e;

	if (c->count >= TCPTOP_NAMES_CACHE_MAX)
		tcptop_names_cache_free(c);
	if ((c->count + 1) * 2 > c->cap && tcptop_names_cache_grow(c))
		return NULL;
	e = tcptop_names_slot(c, k);
	if (e->name)
		return e->name;
	e->name = strdup(name);
	if (!e->name)
		return NULL;
	e->key = k;
	c->count++;
	return e->name;
}

/* ---- names ------------------------------------------------------------------------------ */

static bool tcptop_names_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

void tcptop_names_cgroup_short(const char *component, char *out, size_t len)
{
	size_t n = strlen(component), i = 0, j;

	/* A run of 32 or more hex digits after '-' (or alone), up to a '.': a container id. */
	while (i < n) {
		if (!tcptop_names_hex(component[i])) {
			i++;
			continue;
		}
		for (j = i; j < n && tcptop_names_hex(component[j]); j++)
			;
		if (j - i >= 32 && (i == 0 || component[i - 1] == '-') &&
		    (j == n || component[j] == '.')) {
			/* <prefix-><12 hex>, without the ".scope" (or any other) suffix. */
			snprintf(out, len, "%.*s%.12s", (int)i, component, component + i);
			return;
		}
		i = j;
	}
	snprintf(out, len, "%s", component);
}

static void tcptop_names_key(const char *raw, char *out)
{
	tcptop_ident_key(raw, strlen(raw), true, out, TCPTOP_IDENT_LEN);
}

int tcptop_names_inode(const char *path, uint32_t *out)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	*out = (uint32_t)st.st_ino;
	return 0;
}

int tcptop_names_cgroup2_mount(const char *mountinfo, char *out, size_t len)
{
	FILE *f = fopen(mountinfo, "re");
	char line[4096];
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (err == -ENOENT && fgets(line, sizeof(line), f)) {
		/* id parent major:minor root mountpoint options... - fstype source ... */
		char *sep = strstr(line, " - "), *mnt, *p;
		int field;

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		for (mnt = line, field = 0; field < 4 && mnt; field++) {
			mnt = strchr(mnt, ' ');
			if (mnt)
				mnt++;
		}
		if (!mnt || !(p = strchr(mnt, ' ')))
			continue;
		*p = '\0';
		/* mountinfo writes space, tab, newline and backslash as octal escapes. */
		if (strchr(mnt, '\\'))
			continue;
		if (strlen(mnt) >= len) {
			err = -ENAMETOOLONG;
			break;
		}
		snprintf(out, len, "%s", mnt);
		err = 0;
	}
	fclose(f);
	return err;
}

int tcptop_names_new(const struct tcptop_names_opts *o, struct tcptop_names **out)
{
	struct tcptop_names *n = calloc(1, sizeof(*n));
	char mnt[4096];

	if (!n)
		return -ENOMEM;
	if (o && o->cgroup_root)
		n->cgroup_root = strdup(o->cgroup_root);
	else if (tcptop_names_cgroup2_mount(TCPTOP_NAMES_MOUNTINFO, mnt, sizeof(mnt)) == 0)
		n->cgroup_root = strdup(mnt);
	else if (tcptop_names_cgroup2_mount(TCPTOP_NAMES_INIT_MOUNTINFO, mnt + 12,
					    sizeof(mnt) - 12) == 0)
		/*
		 * Not mounted here (`ip netns exec` gives collectd a /sys of its
		 * own without cgroups): the tree as init sees it.
		 */
		n->cgroup_root = strdup(memcpy(mnt, "/proc/1/root", 12));
	else
		n->cgroup_root = strdup(TCPTOP_NAMES_CGROUP_DEFAULT);
	n->netns_dir = strdup(o && o->netns_dir ? o->netns_dir : TCPTOP_NAMES_NETNS_DIR);
	n->self_netns = o ? o->self_netns : 0;
	if (!n->cgroup_root || !n->netns_dir) {
		tcptop_names_free(n);
		return -ENOMEM;
	}
	*out = n;
	return 0;
}

void tcptop_names_free(struct tcptop_names *n)
{
	if (!n)
		return;
	tcptop_names_cache_free(&n->cgroups);
	tcptop_names_cache_free(&n->netns);
	free(n->cgroup_root);
	free(n->netns_dir);
	free(n);
}

void tcptop_names_next_read(struct tcptop_names *n)
{
	n->cgroup_scanned = false;
	n->netns_scanned = false;
}

unsigned tcptop_names_scans(const struct tcptop_names *n)
{
	return n->scans;
}

const char *tcptop_names_cgroup_root(const struct tcptop_names *n)
{
	return n->cgroup_root;
}

/* Caches every cgroup below the directory dfd (named component) by its inode number. */
static void tcptop_names_walk(struct tcptop_names *n, int dfd, const char *component, int depth)
{
	char shorter[TCPTOP_IDENT_LEN * 2], key[TCPTOP_IDENT_LEN];
	struct dirent *d;
	struct stat st;
	DIR *dir;

	if (fstat(dfd, &st) < 0) {
		close(dfd);
		return;
	}
	if (depth) {
		tcptop_names_cgroup_short(component, shorter, sizeof(shorter));
		tcptop_names_key(shorter, key);
		tcptop_names_cache_put(&n->cgroups, st.st_ino, key);
	} else {
		tcptop_names_cache_put(&n->cgroups, st.st_ino, TCPTOP_IDENT_ROOT);
	}
	if (depth >= TCPTOP_NAMES_DEPTH || !(dir = fdopendir(dfd))) {
		close(dfd);
		return;
	}
	while ((d = readdir(dir))) {
		int sub;

		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		sub = openat(dirfd(dir), d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub >= 0)
			tcptop_names_walk(n, sub, d->d_name, depth + 1);
	}
	closedir(dir);
}

const char *tcptop_names_cgroup(struct tcptop_names *n, uint64_t id)
{
	const char *name;
	char fallback[TCPTOP_IDENT_LEN];
	int dfd;

	if (!id)
		return TCPTOP_IDENT_UNKNOWN;
	name = tcptop_names_cache_get(&n->cgroups, id);
	if (name)
		return name;
	/*
	 * Every id of this read's flows existed at the drain, which came before
	 * any scan of this read: one scan per read finds them all, and an id it
	 * does not find belongs to a cgroup that is gone (or outside our cgroup
	 * namespace) and will not come back.
	 */
	if (!n->cgroup_scanned) {
		n->cgroup_scanned = true;
		n->scans++;
		dfd = open(n->cgroup_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0)
			tcptop_names_walk(n, dfd, "", 0);
		name = tcptop_names_cache_get(&n->cgroups, id);
		if (name)
			return name;
	}
	snprintf(fallback, sizeof(fallback), "cgroup-%" PRIu64, id);
	name = tcptop_names_cache_put(&n->cgroups, id, fallback);
	return name ? name : TCPTOP_IDENT_UNKNOWN;
}

static void tcptop_names_scan_netns(struct tcptop_names *n)
{
	char path[4096], key[TCPTOP_IDENT_LEN];
	struct dirent *d;
	DIR *dir = opendir(n->netns_dir);

	n->scans++;
	while (dir && (d = readdir(dir))) {
		uint32_t inum;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", n->netns_dir, d->d_name);
		if (tcptop_names_inode(path, &inum))
			continue;
		tcptop_names_key(d->d_name, key);
		tcptop_names_cache_put(&n->netns, inum, key);
	}
	if (dir)
		closedir(dir);
	if (n->self_netns)
		tcptop_names_cache_put(&n->netns, n->self_netns, TCPTOP_IDENT_HOST);
}

const char *tcptop_names_netns(struct tcptop_names *n, uint32_t inum)
{
	const char *name;
	char fallback[TCPTOP_IDENT_LEN];

	if (!inum)
		return TCPTOP_IDENT_UNKNOWN;
	name = tcptop_names_cache_get(&n->netns, inum);
	if (name)
		return name;
	/* As for cgroups: one scan per read is enough. */
	if (!n->netns_scanned) {
		n->netns_scanned = true;
		tcptop_names_scan_netns(n);
		name = tcptop_names_cache_get(&n->netns, inum);
		if (name)
			return name;
	}
	snprintf(fallback, sizeof(fallback), "netns-%" PRIu32, inum);
	name = tcptop_names_cache_put(&n->netns, inum, fallback);
	return name ? name : TCPTOP_IDENT_UNKNOWN;
}
