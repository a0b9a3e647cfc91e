// SPDX-License-Identifier: GPL-2.0
/* Flow selection: PID/Process/ports select, IgnoreSelected inverts, Family and IgnoreLoopback narrow. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "plugin_filter.h"

static struct tcptop_filter f;

static void setup(void)
{
	tcptop_filter_init(&f);
}

static void teardown(void)
{
	tcptop_filter_free(&f);
}

static struct tcptop_flow_entry entry(int family, const char *comm, uint32_t pid, const char *l,
				      uint16_t lport, const char *r, uint16_t rport)
{
	struct tcptop_flow_entry e;

	memset(&e, 0, sizeof(e));
	strncpy(e.comm, comm, sizeof(e.comm) - 1);
	e.tgid = pid;
	e.family = family;
	ck_assert_int_eq(inet_pton(family, l, e.laddr), 1);
	ck_assert_int_eq(inet_pton(family, r, e.raddr), 1);
	e.lport = lport;
	e.rport = rport;
	return e;
}

static void add_process(const char *spec)
{
	char why[256];

	ck_assert_int_eq(tcptop_filter_add_process(&f, spec, why, sizeof(why)), 0);
}

START_TEST(test_empty_selects_all)
{
	struct tcptop_flow_entry e = entry(AF_INET, "a", 1, "10.0.0.1", 1, "10.0.0.2", 2);

	ck_assert(tcptop_filter_match(&f, &e));
	/* Inverting an empty selection still reports everything, as collectd's lists do. */
	f.ignore_selected = true;
	ck_assert(tcptop_filter_match(&f, &e));
}
END_TEST

START_TEST(test_pid_and_ports)
{
	struct tcptop_flow_entry a = entry(AF_INET, "a", 10, "10.0.0.1", 80, "10.0.0.2", 5000);
	struct tcptop_flow_entry b = entry(AF_INET, "b", 11, "10.0.0.1", 81, "10.0.0.2", 5000);
	struct tcptop_flow_entry c = entry(AF_INET, "c", 12, "10.0.0.1", 80, "10.0.0.2", 6000);

	ck_assert_int_eq(tcptop_filter_add_pid(&f, 10), 0);
	ck_assert_int_eq(tcptop_filter_add_pid(&f, 12), 0);
	ck_assert(tcptop_filter_match(&f, &a));
	ck_assert(!tcptop_filter_match(&f, &b));
	ck_assert(tcptop_filter_match(&f, &c));
	/* Kinds combine with AND. */
	ck_assert_int_eq(tcptop_filter_add_remote_port(&f, 5000), 0);
	ck_assert(tcptop_filter_match(&f, &a));
	ck_assert(!tcptop_filter_match(&f, &c));
	ck_assert_int_eq(tcptop_filter_add_local_port(&f, 81), 0);
	ck_assert(!tcptop_filter_match(&f, &a));
	ck_assert_int_eq(tcptop_filter_add_local_port(&f, 80), 0);
	ck_assert(tcptop_filter_match(&f, &a));
	/* IgnoreSelected inverts the whole selection. */
	f.ignore_selected = true;
	ck_assert(!tcptop_filter_match(&f, &a));
	ck_assert(tcptop_filter_match(&f, &b));
	ck_assert(tcptop_filter_match(&f, &c));
}
END_TEST

START_TEST(test_process_exact_and_regex)
{
	struct tcptop_flow_entry ng = entry(AF_INET, "nginx", 1, "10.0.0.1", 1, "10.0.0.2", 2);
	struct tcptop_flow_entry ngw = entry(AF_INET, "nginx: worker", 2, "10.0.0.1", 1, "10.0.0.2", 2);
	struct tcptop_flow_entry pg = entry(AF_INET, "postgres", 3, "10.0.0.1", 1, "10.0.0.2", 2);
	char why[256];

	add_process("nginx");
	ck_assert(tcptop_filter_match(&f, &ng));
	ck_assert(!tcptop_filter_match(&f, &ngw));
	ck_assert(!tcptop_filter_match(&f, &pg));
	add_process("/^post/");
	ck_assert(tcptop_filter_match(&f, &pg));
	add_process("/worker$/");
	ck_assert(tcptop_filter_match(&f, &ngw));

	ck_assert_int_eq(tcptop_filter_add_process(&f, "/(/", why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "regular expression"));
	ck_assert_int_eq(tcptop_filter_add_process(&f, "//", why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(tcptop_filter_add_process(&f, "", why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(tcptop_filter_add_process(&f, "sixteen-chars-xx", why, sizeof(why)), -EINVAL);
	/* "/" alone is a (strange but legal) exact name, not an empty regex. */
	ck_assert_int_eq(tcptop_filter_add_process(&f, "/", why, sizeof(why)), 0);
	ck_assert_uint_eq(f.nprocs, 4);
}
END_TEST

START_TEST(test_family)
{
	struct tcptop_flow_entry v4 = entry(AF_INET, "a", 1, "10.0.0.1", 1, "10.0.0.2", 2);
	struct tcptop_flow_entry v6 = entry(AF_INET6, "a", 1, "2001:db8::1", 1, "2001:db8::2", 2);

	f.families = TCPTOP_FILTER_IPV6;
	ck_assert(!tcptop_filter_match(&f, &v4));
	ck_assert(tcptop_filter_match(&f, &v6));
	/* Family narrows whatever IgnoreSelected says. */
	ck_assert_int_eq(tcptop_filter_add_pid(&f, 99), 0);
	f.ignore_selected = true;
	ck_assert(!tcptop_filter_match(&f, &v4));
	ck_assert(tcptop_filter_match(&f, &v6));
	f.families = TCPTOP_FILTER_IPV4 | TCPTOP_FILTER_IPV6;
	ck_assert(tcptop_filter_match(&f, &v4));
}
END_TEST

START_TEST(test_loopback)
{
	struct tcptop_flow_entry lo4 = entry(AF_INET, "a", 1, "127.0.0.1", 1, "127.0.0.1", 2);
	struct tcptop_flow_entry lo4b = entry(AF_INET, "a", 1, "127.1.2.3", 1, "127.0.0.1", 2);
	struct tcptop_flow_entry lo6 = entry(AF_INET6, "a", 1, "::1", 1, "::1", 2);
	struct tcptop_flow_entry ext = entry(AF_INET6, "a", 1, "2001:db8::1", 1, "2001:db8::2", 2);

	ck_assert(tcptop_filter_match(&f, &lo4));
	f.ignore_loopback = true;
	ck_assert(!tcptop_filter_match(&f, &lo4));
	ck_assert(!tcptop_filter_match(&f, &lo4b));
	ck_assert(!tcptop_filter_match(&f, &lo6));
	ck_assert(tcptop_filter_match(&f, &ext));
	/* Still narrows with an inverted selection. */
	ck_assert_int_eq(tcptop_filter_add_pid(&f, 99), 0);
	f.ignore_selected = true;
	ck_assert(!tcptop_filter_match(&f, &lo6));
	ck_assert(tcptop_filter_match(&f, &ext));
}
END_TEST

START_TEST(test_pushdown)
{
	uint32_t pid;
	int family;

	tcptop_filter_pushdown(&f, &pid, &family);
	ck_assert_uint_eq(pid, 0);
	ck_assert_int_eq(family, 0);

	ck_assert_int_eq(tcptop_filter_add_pid(&f, 42), 0);
	f.families = TCPTOP_FILTER_IPV4;
	tcptop_filter_pushdown(&f, &pid, &family);
	ck_assert_uint_eq(pid, 42);
	ck_assert_int_eq(family, AF_INET);

	/* Inverted, the kernel must still see every process. */
	f.ignore_selected = true;
	tcptop_filter_pushdown(&f, &pid, &family);
	ck_assert_uint_eq(pid, 0);
	f.ignore_selected = false;
	/* Two PIDs: the kernel filters one only. */
	ck_assert_int_eq(tcptop_filter_add_pid(&f, 43), 0);
	f.families = TCPTOP_FILTER_IPV4 | TCPTOP_FILTER_IPV6;
	tcptop_filter_pushdown(&f, &pid, &family);
	ck_assert_uint_eq(pid, 0);
	ck_assert_int_eq(family, 0);
	f.families = TCPTOP_FILTER_IPV6;
	tcptop_filter_pushdown(&f, &pid, &family);
	ck_assert_int_eq(family, AF_INET6);
}
END_TEST

static Suite *filter_suite(void)
{
	Suite *s = suite_create("plugin_filter");
	TCase *tc = tcase_create("match");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty_selects_all);
	tcase_add_test(tc, test_pid_and_ports);
	tcase_add_test(tc, test_process_exact_and_regex);
	tcase_add_test(tc, test_family);
	tcase_add_test(tc, test_loopback);
	tcase_add_test(tc, test_pushdown);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(filter_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
