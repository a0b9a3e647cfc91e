// SPDX-License-Identifier: GPL-2.0
/* Unit tests: address and endpoint text (core/flow_format.c). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcptop_core.h"

static void addr(int family, const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	ck_assert_int_eq(inet_pton(family, text, out), 1);
}

START_TEST(test_v4)
{
	char buf[TCPTOP_ADDR_STRLEN];
	uint8_t a[16];

	addr(AF_INET, "127.0.0.1", a);
	ck_assert_int_eq(tcptop_format_addr(AF_INET, a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "127.0.0.1");
	addr(AF_INET, "255.255.255.255", a);
	ck_assert_int_eq(tcptop_format_addr(AF_INET, a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "255.255.255.255");
}
END_TEST

START_TEST(test_v6)
{
	char buf[TCPTOP_ADDR_STRLEN];
	uint8_t a[16];

	addr(AF_INET6, "::1", a);
	ck_assert_int_eq(tcptop_format_addr(AF_INET6, a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "::1");
	addr(AF_INET6, "2001:db8:0:0:1:0:0:1", a);
	ck_assert_int_eq(tcptop_format_addr(AF_INET6, a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2001:db8::1:0:0:1");
	addr(AF_INET6, "fe80::ffff:1.2.3.4", a);	/* not the mapped prefix */
	ck_assert_int_eq(tcptop_format_addr(AF_INET6, a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "fe80::ffff:102:304");
}
END_TEST

START_TEST(test_v6_longest)
{
	char buf[TCPTOP_ADDR_STRLEN];
	uint8_t a[16];

	addr(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", a);
	ck_assert_int_eq(tcptop_format_addr(AF_INET6, a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}
END_TEST

START_TEST(test_v4mapped_as_v4)
{
	char buf[TCPTOP_ADDR_STRLEN];
	uint8_t a[16];

	addr(AF_INET6, "::ffff:127.0.0.1", a);
	ck_assert_int_eq(tcptop_format_addr(AF_INET6, a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "127.0.0.1");
	addr(AF_INET6, "::ffff:10.20.30.40", a);
	ck_assert_int_eq(tcptop_format_addr(AF_INET6, a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "10.20.30.40");
}
END_TEST

START_TEST(test_bad_family)
{
	char buf[TCPTOP_ADDR_STRLEN];
	uint8_t a[16] = { 0 };

	ck_assert_int_eq(tcptop_format_addr(AF_UNIX, a, buf, sizeof(buf)), -EAFNOSUPPORT);
	ck_assert_int_eq(tcptop_format_addr(0, a, buf, sizeof(buf)), -EAFNOSUPPORT);
	ck_assert_int_eq(tcptop_format_endpoint(AF_UNIX, a, 1, buf, sizeof(buf)), -EAFNOSUPPORT);
}
END_TEST

START_TEST(test_small_buffer)
{
	char buf[TCPTOP_ENDPOINT_STRLEN];
	uint8_t a[16];

	addr(AF_INET, "192.168.100.200", a);
	ck_assert_int_eq(tcptop_format_addr(AF_INET, a, buf, 8), -ENOSPC);
	/* "192.168.100.200:65535" is 21 characters and a NUL. */
	ck_assert_int_eq(tcptop_format_endpoint(AF_INET, a, 65535, buf, 21), -ENOSPC);
	ck_assert_int_eq(tcptop_format_endpoint(AF_INET, a, 65535, buf, 22), 0);
	ck_assert_str_eq(buf, "192.168.100.200:65535");
}
END_TEST

START_TEST(test_endpoint)
{
	char buf[TCPTOP_ENDPOINT_STRLEN];
	uint8_t a[16];

	addr(AF_INET, "127.0.0.1", a);
	ck_assert_int_eq(tcptop_format_endpoint(AF_INET, a, 80, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "127.0.0.1:80");
	ck_assert_int_eq(tcptop_format_endpoint(AF_INET, a, 0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "127.0.0.1:0");
	/* The original tool prints IPv6 endpoints without brackets. */
	addr(AF_INET6, "::1", a);
	ck_assert_int_eq(tcptop_format_endpoint(AF_INET6, a, 22, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "::1:22");
	addr(AF_INET6, "::ffff:10.0.0.1", a);
	ck_assert_int_eq(tcptop_format_endpoint(AF_INET6, a, 443, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "10.0.0.1:443");
}
END_TEST

START_TEST(test_endpoint_longest_fits)
{
	char buf[TCPTOP_ENDPOINT_STRLEN];
	uint8_t a[16];

	addr(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", a);
	ck_assert_int_eq(tcptop_format_endpoint(AF_INET6, a, 65535, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:65535");
}
END_TEST

START_TEST(test_kbytes_round_down)
{
	ck_assert_uint_eq(tcptop_kbytes(0), 0);
	ck_assert_uint_eq(tcptop_kbytes(1023), 0);
	ck_assert_uint_eq(tcptop_kbytes(1024), 1);
	ck_assert_uint_eq(tcptop_kbytes(2047), 1);
	ck_assert_uint_eq(tcptop_kbytes(UINT64_MAX), UINT64_MAX / 1024);
}
END_TEST

static Suite *flow_format_suite(void)
{
	Suite *s = suite_create("flow_format");
	TCase *tc;

	tc = tcase_create("addr");
	tcase_add_test(tc, test_v4);
	tcase_add_test(tc, test_v6);
	tcase_add_test(tc, test_v6_longest);
	tcase_add_test(tc, test_v4mapped_as_v4);
	tcase_add_test(tc, test_bad_family);
	tcase_add_test(tc, test_small_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("endpoint");
	tcase_add_test(tc, test_endpoint);
	tcase_add_test(tc, test_endpoint_longest_fits);
	tcase_add_test(tc, test_kbytes_round_down);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(flow_format_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
