// SPDX-License-Identifier: GPL-2.0
/*
 * Live test 6: the PID, address family and cgroup filters.  Traffic the
 * filter selects is exact; traffic it leaves out is not reported at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live_util.h"

static void opts_for(struct traffic_opts *o, enum traffic_family f)
{
	traffic_opts_init(o);
	o->family = f;
	o->scenario = "echo";
	o->bytes = 1 << 20;
	o->chunk = 16384;
}

/* Traffic in this process, while the tracer is open. */
static void run_here(struct live *l, const struct traffic_opts *o, struct traffic_result *r)
{
	int err = traffic_run(o, r);

	if (err)
		live_fail(l, "traffic in the test process failed: %s", strerror(-err));
	live_drain(l);
}

/*
 * A gated job whose pid is known before the tracer opens; tune() may
 * restrict the tracer to it (pid) or move it (cgroup) first.
 */
static void selected_vs_other(struct live *l, enum traffic_family f, const char *what,
			      struct tcptop_opts *topts, const char *cgroup_dir, bool first)
{
	struct traffic_result in = { 0 }, out = { 0 };
	struct traffic_job *j;
	struct traffic_opts o;
	char label[96], path[512];
	int err;

	opts_for(&o, f);
	err = traffic_start(&o, true, &j);
	if (err) {
		live_fail(l, "cannot start traffic: %s", strerror(-err));
		return;
	}
	if (topts->pid)
		topts->pid = traffic_job_pid(j);
	if (cgroup_dir) {
		FILE *procs;

		snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup_dir);
		procs = fopen(path, "w");
		if (!procs || fprintf(procs, "%d\n", (int)traffic_job_pid(j)) < 0 || fclose(procs)) {
			live_fail(l, "cannot move the job into %s: %s", cgroup_dir, strerror(errno));
			traffic_job_wait(j, &in);
			return;
		}
	}
	if (first)
		live_open_or_skip(l, topts);
	else if (live_open(l, topts)) {
		traffic_job_wait(j, &in);
		return;
	}
	traffic_job_go(j);
	live_drain_job(l, j, 20, &in);
	run_here(l, &o, &out);
	snprintf(label, sizeof(label), "%s %s, selected", what, live_family_label(f));
	live_expect_exact(l, label, &in);
	snprintf(label, sizeof(label), "%s %s, other process", what, live_family_label(f));
	live_expect_absent(l, label, &out);
	live_close(l);
	traffic_result_free(&in);
	traffic_result_free(&out);
}

static void family_filter(struct live *l, int af)
{
	struct tcptop_opts topts = { .family = af };
	size_t i;

	if (live_open(l, &topts))
		return;
	for (i = 0; i < 3; i++) {
		enum traffic_family f = live_families[i];
		/* v4-mapped traffic is IPv4 to tcptop, in the filter as in the output. */
		bool wanted = (af == AF_INET) == (f != TRAFFIC_IPV6);
		struct traffic_result r = { 0 };
		struct traffic_opts o;
		char label[96];

		opts_for(&o, f);
		run_here(l, &o, &r);
		snprintf(label, sizeof(label), "family %s, traffic on %s",
			 af == AF_INET ? "AF_INET" : "AF_INET6", live_family_label(f));
		if (wanted)
			live_expect_exact(l, label, &r);
		else
			live_expect_absent(l, label, &r);
		traffic_result_free(&r);
	}
	live_close(l);
}

/* Where cgroup v2 is mounted (/sys/fs/cgroup, or .../unified on hybrid hosts). */
static bool cgroup2_mount(char *buf, size_t len)
{
	struct mntent *m;
	FILE *f = setmntent("/proc/self/mounts", "r");
	bool found = false;

	if (!f)
		return false;
	while (!found && (m = getmntent(f))) {
		if (strcmp(m->mnt_type, "cgroup2") == 0) {
			snprintf(buf, len, "%s", m->mnt_dir);
			found = true;
		}
	}
	endmntent(f);
	return found;
}

static void cgroup_filter(struct live *l)
{
	char mnt[256] = "/tmp/tcptop-live-cgroup2.XXXXXX", dir[512];
	bool mounted = false;
	size_t i;

	/* A bare VM has none mounted: mount a private one for the test, and unmount it after. */
	if (!cgroup2_mount(mnt, sizeof(mnt))) {
		if (!mkdtemp(mnt)) {
			live_note(l, "cgroup filter NOT TESTED: no cgroup2 mount, and mkdtemp failed: %s",
				  strerror(errno));
			return;
		}
		if (mount("none", mnt, "cgroup2", 0, NULL) < 0) {
			live_note(l, "cgroup filter NOT TESTED: no cgroup2 mount, and mounting one failed: %s",
				  strerror(errno));
			rmdir(mnt);
			return;
		}
		mounted = true;
	}
	snprintf(dir, sizeof(dir), "%s/tcptop-live-%d", mnt, (int)getpid());
	if (mkdir(dir, 0755) < 0) {
		live_fail(l, "cannot create cgroup %s: %s", dir, strerror(errno));
		goto cleanup;
	}
	for (i = 0; i < 3; i++) {
		struct tcptop_opts topts = { .cgroup_path = dir };

		selected_vs_other(l, live_families[i], "cgroup", &topts, dir, false);
	}
	/* Every job has exited, so the cgroup is empty and can go. */
	if (rmdir(dir) < 0)
		live_fail(l, "cannot remove cgroup %s: %s", dir, strerror(errno));
cleanup:
	if (mounted && (umount(mnt) < 0 || rmdir(mnt) < 0))
		live_fail(l, "cannot unmount the test's cgroup2 at %s: %s", mnt, strerror(errno));
}

int main(void)
{
	struct live l;
	size_t i;

	live_init(&l, "live_filters");
	for (i = 0; i < 3; i++) {
		struct tcptop_opts topts = { .pid = 1 };	/* replaced by the job's pid */

		selected_vs_other(&l, live_families[i], "pid", &topts, NULL, i == 0);
	}
	family_filter(&l, AF_INET);
	family_filter(&l, AF_INET6);
	cgroup_filter(&l);
	return live_finish(&l);
}
