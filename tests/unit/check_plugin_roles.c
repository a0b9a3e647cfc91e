// SPDX-License-Identifier: GPL-2.0
/* Server, client or another namespace's: decided once per flow, from hand-made listeners. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "plugin_roles.h"

#define SELF_NS 4026531840u

static struct tcptop_listeners *l;
static struct tcptop_roles *r;

static void setup(void)
{
	uint8_t any[16] = { 0 };

	ck_assert_int_eq(tcptop_listeners_new(&l), 0);
	ck_assert_int_eq(tcptop_listeners_add(l, AF_INET, any, 443), 0);
	ck_assert_int_eq(tcptop_roles_new(l, SELF_NS, &r), 0);
}

static void teardown(void)
{
	tcptop_roles_free(r);
	tcptop_listeners_free(l);
}

static struct tcptop_flow_entry entry(uint64_t id, uint16_t lport, uint32_t netns)
{
	struct tcptop_flow_entry e;

	memset(&e, 0, sizeof(e));
	e.id = id;
	e.family = AF_INET;
	e.lport = lport;
	e.rport = 50000;
	e.netns = netns;
	inet_pton(AF_INET, "10.0.0.1", e.laddr);
	inet_pton(AF_INET, "10.0.0.2", e.raddr);
	return e;
}

START_TEST(test_sides)
{
	struct tcptop_flow_entry srv = entry(1, 443, SELF_NS), cli = entry(2, 40000, SELF_NS),
				 other = entry(3, 443, 4026532000u), unknown = entry(4, 443, 0);

	tcptop_roles_begin(r);
	ck_assert_int_eq(tcptop_roles_get(r, &srv), TCPTOP_ROLE_SERVER);
	ck_assert_int_eq(tcptop_roles_get(r, &cli), TCPTOP_ROLE_CLIENT);
	/* Another namespace's listeners are not ours to know. */
	ck_assert_int_eq(tcptop_roles_get(r, &other), TCPTOP_ROLE_FOREIGN);
	/* A flow without a namespace is taken as ours. */
	ck_assert_int_eq(tcptop_roles_get(r, &unknown), TCPTOP_ROLE_SERVER);
	ck_assert_uint_eq(tcptop_roles_count(r), 4);
}
END_TEST

START_TEST(test_kept_while_alive)
{
	struct tcptop_flow_entry srv = entry(1, 443, SELF_NS), late = entry(2, 443, SELF_NS);

	tcptop_roles_begin(r);
	ck_assert_int_eq(tcptop_roles_get(r, &srv), TCPTOP_ROLE_SERVER);
	/* The server stops listening; its connection's last bytes stay on port 443... */
	tcptop_listeners_clear(l);
	tcptop_roles_begin(r);
	ck_assert_int_eq(tcptop_roles_get(r, &srv), TCPTOP_ROLE_SERVER);
	/* ...while a connection first seen now is a client. */
	ck_assert_int_eq(tcptop_roles_get(r, &late), TCPTOP_ROLE_CLIENT);
	/* A read that does not see flow 1 forgets it. */
	tcptop_roles_begin(r);
	ck_assert_int_eq(tcptop_roles_get(r, &late), TCPTOP_ROLE_CLIENT);
	tcptop_roles_begin(r);
	ck_assert_uint_eq(tcptop_roles_count(r), 1);
}
END_TEST

START_TEST(test_many_flows)
{
	struct tcptop_flow_entry e;
	uint64_t i;

	for (int read = 0; read < 3; read++) {
		tcptop_roles_begin(r);
		for (i = 1; i <= 10000; i++) {
			e = entry(i + (uint64_t)read * 5000, i % 2 ? 443 : 40000, SELF_NS);
			/* Ids recur across reads with the same parity, so cached sides agree. */
			ck_assert_int_eq(tcptop_roles_get(r, &e),
					 i % 2 ? TCPTOP_ROLE_SERVER : TCPTOP_ROLE_CLIENT);
		}
	}
	/* Only the last read's flows are remembered after the next begin. */
	tcptop_roles_begin(r);
	ck_assert_uint_eq(tcptop_roles_count(r), 10000);
}
END_TEST

START_TEST(test_no_listeners)
{
	struct tcptop_roles *bare;
	struct tcptop_flow_entry e = entry(1, 443, 7);

	ck_assert_int_eq(tcptop_roles_new(NULL, 0, &bare), 0);
	tcptop_roles_begin(bare);
	ck_assert_int_eq(tcptop_roles_get(bare, &e), TCPTOP_ROLE_CLIENT);
	tcptop_roles_free(bare);
	tcptop_roles_free(NULL);
}
END_TEST

static Suite *roles_suite(void)
{
	Suite *s = suite_create("plugin_roles");
	TCase *tc = tcase_create("roles");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sides);
	tcase_add_test(tc, test_kept_while_alive);
	tcase_add_test(tc, test_many_flows);
	tcase_add_test(tc, test_no_listeners);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(roles_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
