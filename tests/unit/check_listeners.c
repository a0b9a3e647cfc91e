// SPDX-License-Identifier: GPL-2.0
/*
 * core/listeners.c: matching by hand-made sets, and a refresh against real
 * listening sockets of this process (NETLINK_SOCK_DIAG needs no privilege).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcptop_core.h"

static struct tcptop_listeners *l;

static void setup(void)
{
	ck_assert_int_eq(tcptop_listeners_new(&l), 0);
}

static void teardown(void)
{
	tcptop_listeners_free(l);
	l = NULL;
}

static const uint8_t *a4(const char *s)
{
	static uint8_t buf[4][16];
	static int i;
	uint8_t *b = buf[i++ % 4];

	memset(b, 0, 16);
	ck_assert_int_eq(inet_pton(AF_INET, s, b), 1);
	return b;
}

static const uint8_t *a6(const char *s)
{
	static uint8_t buf[4][16];
	static int i;
	uint8_t *b = buf[i++ % 4];

	ck_assert_int_eq(inet_pton(AF_INET6, s, b), 1);
	return b;
}

START_TEST(test_match_by_hand)
{
	ck_assert_int_eq(tcptop_listeners_add(l, AF_INET, a4("0.0.0.0"), 80), 0);
	ck_assert_int_eq(tcptop_listeners_add(l, AF_INET, a4("127.0.0.1"), 8080), 0);
	ck_assert_int_eq(tcptop_listeners_add(l, AF_INET6, a6("::"), 443), 0);
	ck_assert_int_eq(tcptop_listeners_add(l, AF_INET6, a6("::1"), 22), 0);
	ck_assert_int_eq(tcptop_listeners_add(l, AF_INET6, a6("::ffff:10.0.0.1"), 25), 0);
	ck_assert_int_eq(tcptop_listeners_add(l, AF_UNIX, a4("0.0.0.0"), 1), -EAFNOSUPPORT);
	ck_assert_uint_eq(tcptop_listeners_count(l), 5);

	/* Wildcard IPv4: any IPv4 address, no IPv6. */
	ck_assert(tcptop_listeners_match(l, AF_INET, a4("10.1.2.3"), 80));
	ck_assert(!tcptop_listeners_match(l, AF_INET6, a6("2001:db8::1"), 80));
	/* Bound to one address: that address only. */
	ck_assert(tcptop_listeners_match(l, AF_INET, a4("127.0.0.1"), 8080));
	ck_assert(!tcptop_listeners_match(l, AF_INET, a4("10.1.2.3"), 8080));
	/* Wildcard IPv6 takes both families (dual stack). */
	ck_assert(tcptop_listeners_match(l, AF_INET6, a6("2001:db8::1"), 443));
	ck_assert(tcptop_listeners_match(l, AF_INET, a4("10.1.2.3"), 443));
	ck_assert(tcptop_listeners_match(l, AF_INET6, a6("::1"), 22));
	ck_assert(!tcptop_listeners_match(l, AF_INET6, a6("::2"), 22));
	/* v4-mapped is IPv4 on both sides. */
	ck_assert(tcptop_listeners_match(l, AF_INET, a4("10.0.0.1"), 25));
	ck_assert(tcptop_listeners_match(l, AF_INET6, a6("::ffff:10.0.0.1"), 25));
	/* Nobody listens there. */
	ck_assert(!tcptop_listeners_match(l, AF_INET, a4("127.0.0.1"), 81));
	ck_assert(!tcptop_listeners_match(l, AF_INET, a4("127.0.0.1"), 0));

	tcptop_listeners_clear(l);
	ck_assert_uint_eq(tcptop_listeners_count(l), 0);
	ck_assert(!tcptop_listeners_match(l, AF_INET, a4("10.1.2.3"), 80));
}
END_TEST

START_TEST(test_many_unsorted)
{
	int p;

	for (p = 2000; p > 0; p--)
		ck_assert_int_eq(tcptop_listeners_add(l, AF_INET, a4("0.0.0.0"), (uint16_t)(p * 3)), 0);
	for (p = 1; p <= 6000; p++)
		ck_assert(tcptop_listeners_match(l, AF_INET, a4("1.2.3.4"), (uint16_t)p) == (p % 3 == 0));
}
END_TEST

/* A socket of ours listening on loopback; returns its fd and port. */
static int listen_on(int family, const char *addr, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, addr, &s->sin_addr), 1);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, addr, &s->sin6_addr), 1);
		len = sizeof(*s);
	}
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss, len), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					: ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

START_TEST(test_refresh_real_sockets)
{
	uint16_t p4, p6;
	int f4 = listen_on(AF_INET, "127.0.0.1", &p4);
	int f6 = listen_on(AF_INET6, "::1", &p6);

	ck_assert_int_eq(tcptop_listeners_refresh(l), 0);
	ck_assert_uint_ge(tcptop_listeners_count(l), 2);
	ck_assert(tcptop_listeners_match(l, AF_INET, a4("127.0.0.1"), p4));
	ck_assert(tcptop_listeners_match(l, AF_INET6, a6("::1"), p6));
	close(f4);
	close(f6);
	/* Gone at the next refresh. */
	ck_assert_int_eq(tcptop_listeners_refresh(l), 0);
	ck_assert(!tcptop_listeners_match(l, AF_INET, a4("127.0.0.1"), p4));
	ck_assert(!tcptop_listeners_match(l, AF_INET6, a6("::1"), p6));
}
END_TEST

START_TEST(test_refresh_many)
{
	enum { N = 600 };	/* more than one netlink message buffer of answers */
	int fds[N], i;
	uint16_t ports[N];

	for (i = 0; i < N; i++)
		fds[i] = listen_on(AF_INET, "127.0.0.1", &ports[i]);
	ck_assert_int_eq(tcptop_listeners_refresh(l), 0);
	ck_assert_uint_ge(tcptop_listeners_count(l), N);
	for (i = 0; i < N; i++) {
		ck_assert(tcptop_listeners_match(l, AF_INET, a4("127.0.0.1"), ports[i]));
		close(fds[i]);
	}
	ck_assert_int_eq(tcptop_listeners_refresh(l), 0);
	for (i = 0; i < N; i++)
		ck_assert(!tcptop_listeners_match(l, AF_INET, a4("127.0.0.1"), ports[i]));
}
END_TEST

static Suite *listeners_suite(void)
{
	Suite *s = suite_create("listeners");
	TCase *tc = tcase_create("listeners");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_match_by_hand);
	tcase_add_test(tc, test_many_unsorted);
	tcase_add_test(tc, test_refresh_real_sockets);
	tcase_add_test(tc, test_refresh_many);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(listeners_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
