// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup and network namespace names, against fakes: a directory tree stands
 * for the cgroup2 file system (a cgroup's id is its directory's inode number,
 * as on the real one) and plain files for /run/netns entries.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_ident.h"
#include "plugin_names.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char root[] = "/tmp/tcptop-names.XXXXXX";
static char cg[256], ns[256];
static struct tcptop_names *names;

static uint64_t mkdir_ino(const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", cg, rel);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_ino;
}

static uint32_t touch_ino(const char *dir, const char *name)
{
	char path[512];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(stat(path, &st), 0);
	return (uint32_t)st.st_ino;
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(cg, sizeof(cg), "%s/cgroup", root);
	snprintf(ns, sizeof(ns), "%s/netns", root);
	ck_assert_int_eq(mkdir(cg, 0755), 0);
	ck_assert_int_eq(mkdir(ns, 0755), 0);
}

static void teardown(void)
{
	char cmd[600];

	tcptop_names_free(names);
	names = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(root, "/tmp/tcptop-names.XXXXXX");
}

static void open_names(uint32_t self)
{
	struct tcptop_names_opts o = { .cgroup_root = cg, .netns_dir = ns, .self_netns = self };

	ck_assert_int_eq(tcptop_names_new(&o, &names), 0);
}

START_TEST(test_cgroup_short)
{
	char out[TCPTOP_IDENT_LEN];

	tcptop_names_cgroup_short("nginx.service", out, sizeof(out));
	ck_assert_str_eq(out, "nginx.service");
	tcptop_names_cgroup_short("docker-" HEX64 ".scope", out, sizeof(out));
	ck_assert_str_eq(out, "docker-0123456789ab");
	tcptop_names_cgroup_short("cri-containerd-" HEX64 ".scope", out, sizeof(out));
	ck_assert_str_eq(out, "cri-containerd-0123456789ab");
	tcptop_names_cgroup_short("libpod-" HEX64, out, sizeof(out));
	ck_assert_str_eq(out, "libpod-0123456789ab");
	/* cgroupfs driver: the directory is the id itself. */
	tcptop_names_cgroup_short(HEX64, out, sizeof(out));
	ck_assert_str_eq(out, "0123456789ab");
	/* Short hex, or hex inside a word: left alone. */
	tcptop_names_cgroup_short("session-1234abcd.scope", out, sizeof(out));
	ck_assert_str_eq(out, "session-1234abcd.scope");
	tcptop_names_cgroup_short("x" HEX64 ".scope", out, sizeof(out));
	ck_assert_str_eq(out, "x" HEX64 ".scope");
}
END_TEST

START_TEST(test_cgroup_names)
{
	uint64_t sys, nginx, docker, other, odd, gone;
	char expect[64];

	sys = mkdir_ino("system.slice");
	nginx = mkdir_ino("system.slice/nginx.service");
	docker = mkdir_ino("system.slice/docker-" HEX64 ".scope");
	other = mkdir_ino("other");
	odd = mkdir_ino("x y[*]?%{}:\\");
	gone = mkdir_ino("transient");
	{
		char path[512];

		snprintf(path, sizeof(path), "%s/transient", cg);
		ck_assert_int_eq(rmdir(path), 0);
	}
	open_names(0);
	tcptop_names_next_read(names);
	ck_assert_str_eq(tcptop_names_cgroup(names, nginx), "nginx_service");
	ck_assert_uint_eq(tcptop_names_scans(names), 1);
	/* The one scan named them all. */
	ck_assert_str_eq(tcptop_names_cgroup(names, sys), "system_slice");
	ck_assert_str_eq(tcptop_names_cgroup(names, docker), "docker-0123456789ab");
	/* A cgroup named like a bucket cannot take the bucket's name. */
	ck_assert_str_eq(tcptop_names_cgroup(names, other), "other_");
	ck_assert_str_eq(tcptop_names_cgroup(names, odd), "x_y_________");
	ck_assert_str_eq(tcptop_names_cgroup(names, 0), "unknown");
	{
		struct stat st;

		ck_assert_int_eq(stat(cg, &st), 0);
		ck_assert_str_eq(tcptop_names_cgroup(names, st.st_ino), "root");
	}
	ck_assert_uint_eq(tcptop_names_scans(names), 1);
	/* Gone before the scan: a number, for good (ids are never reused). */
	(void)gone;
	snprintf(expect, sizeof(expect), "cgroup-%llu", 999999999999ull);
	ck_assert_str_eq(tcptop_names_cgroup(names, 999999999999ull), expect);
	ck_assert_uint_eq(tcptop_names_scans(names), 1);
	tcptop_names_next_read(names);
	ck_assert_str_eq(tcptop_names_cgroup(names, 999999999999ull), expect);
	ck_assert_uint_eq(tcptop_names_scans(names), 1);
}
END_TEST

START_TEST(test_cgroup_new_after_scan)
{
	uint64_t a, b;

	a = mkdir_ino("a.service");
	open_names(0);
	tcptop_names_next_read(names);
	ck_assert_str_eq(tcptop_names_cgroup(names, a), "a_service");
	ck_assert_uint_eq(tcptop_names_scans(names), 1);
	/* Created later: the next read's first miss scans again, once. */
	b = mkdir_ino("b.scope");
	tcptop_names_next_read(names);
	ck_assert_str_eq(tcptop_names_cgroup(names, a), "a_service");
	ck_assert_uint_eq(tcptop_names_scans(names), 1);
	ck_assert_str_eq(tcptop_names_cgroup(names, b), "b_scope");
	ck_assert_uint_eq(tcptop_names_scans(names), 2);
}
END_TEST

START_TEST(test_cgroup_root_missing)
{
	struct tcptop_names_opts o = { .cgroup_root = "/nonexistent/cgroup", .netns_dir = ns };

	ck_assert_int_eq(tcptop_names_new(&o, &names), 0);
	tcptop_names_next_read(names);
	ck_assert_str_eq(tcptop_names_cgroup(names, 42), "cgroup-42");
}
END_TEST

START_TEST(test_netns_names)
{
	uint32_t blue, self, dashed, reserved, host;

	blue = touch_ino(ns, "blue.net");
	dashed = touch_ino(ns, "tcptop-fleet-h1");
	reserved = touch_ino(ns, "netns-7");
	host = touch_ino(ns, "host");
	self = touch_ino(root, "self-ns");
	open_names(self);
	tcptop_names_next_read(names);
	ck_assert_str_eq(tcptop_names_netns(names, blue), "blue_net");
	ck_assert_str_eq(tcptop_names_netns(names, dashed), "tcptop-fleet-h1");
	/* Names that look like a fallback or "host" get a '_'. */
	ck_assert_str_eq(tcptop_names_netns(names, reserved), "netns-7_");
	ck_assert_str_eq(tcptop_names_netns(names, host), "host_");
	/* Ours, unnamed: "host". */
	ck_assert_str_eq(tcptop_names_netns(names, self), "host");
	ck_assert_str_eq(tcptop_names_netns(names, 0), "unknown");
	ck_assert_str_eq(tcptop_names_netns(names, 4026532999u), "netns-4026532999");
	ck_assert_uint_eq(tcptop_names_scans(names), 1);
}
END_TEST

START_TEST(test_netns_self_named)
{
	uint32_t self = touch_ino(ns, "h1");

	/* collectd in a namespace made by `ip netns add h1`: its own flows are "h1". */
	open_names(self);
	tcptop_names_next_read(names);
	ck_assert_str_eq(tcptop_names_netns(names, self), "h1");
}
END_TEST

START_TEST(test_cgroup2_mount)
{
	char path[512], out[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/mountinfo", root);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("25 30 0:23 / /sys rw,nosuid - sysfs sysfs rw\n"
	      "33 25 0:28 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755\n"
	      "40 33 0:35 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw\n"
	      "41 33 0:36 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n", f);
	fclose(f);
	ck_assert_int_eq(tcptop_names_cgroup2_mount(path, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/sys/fs/cgroup/unified");

	f = fopen(path, "w");
	fputs("25 30 0:23 / /sys rw,nosuid - sysfs sysfs rw\n", f);
	fclose(f);
	ck_assert_int_eq(tcptop_names_cgroup2_mount(path, out, sizeof(out)), -ENOENT);
	ck_assert_int_lt(tcptop_names_cgroup2_mount("/nonexistent", out, sizeof(out)), 0);
}
END_TEST

static Suite *names_suite(void)
{
	Suite *s = suite_create("plugin_names");
	TCase *tc = tcase_create("names");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cgroup_short);
	tcase_add_test(tc, test_cgroup_names);
	tcase_add_test(tc, test_cgroup_new_after_scan);
	tcase_add_test(tc, test_cgroup_root_missing);
	tcase_add_test(tc, test_netns_names);
	tcase_add_test(tc, test_netns_self_named);
	tcase_add_test(tc, test_cgroup2_mount);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(names_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
