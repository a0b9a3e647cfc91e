// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the user-space flow table (core/flow_table.c), fed with
 * hand-made kernel records.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcptop_core.h"
#include "flow_table_internal.h"
#include "tcptop.h"

static struct tcptop_table *t;

static void setup(void)
{
	ck_assert_int_eq(tcptop_table_new(&t), 0);
}

static void teardown(void)
{
	tcptop_table_free(t);
	t = NULL;
}

/* An IPv4 record for socket id with one process in slot 0. */
static struct tcptop_sock_rec rec4(uint64_t id, uint32_t tgid, const char *comm, uint64_t tx,
			       uint64_t rx)
{
	struct tcptop_sock_rec f;

	memset(&f, 0, sizeof(f));
	f.id = id;
	f.family = AF_INET;
	f.lport = 40000 + id % 20000;
	f.rport = 80;
	inet_pton(AF_INET, "127.0.0.1", f.laddr);
	inet_pton(AF_INET, "127.0.0.2", f.raddr);
	f.slot[0].tgid = tgid;
	memcpy(f.slot[0].comm, comm, strnlen(comm, sizeof(f.slot[0].comm)));
	f.slot[0].tx = tx;
	f.slot[0].rx = rx;
	return f;
}

static const struct tcptop_flow_entry *find(uint64_t id, uint32_t tgid)
{
	size_t i;

	for (i = 0; i < tcptop_table_count(t); i++) {
		const struct tcptop_flow_entry *e = tcptop_table_at(t, i);

		if (e->id == id && e->tgid == tgid)
			return e;
	}
	return NULL;
}

/* ---- adding records -------------------------------------------------------- */

START_TEST(test_empty)
{
	ck_assert_uint_eq(tcptop_table_count(t), 0);
	ck_assert_ptr_null(tcptop_table_at(t, 0));
	tcptop_table_begin(t);
	ck_assert_uint_eq(tcptop_table_count(t), 0);
}
END_TEST

START_TEST(test_add_one)
{
	struct tcptop_sock_rec f = rec4(7, 1234, "curl", 100, 2000);
	const struct tcptop_flow_entry *e;
	uint8_t lo[4], lo2[4];

	inet_pton(AF_INET, "127.0.0.1", lo);
	inet_pton(AF_INET, "127.0.0.2", lo2);
	ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	ck_assert_uint_eq(tcptop_table_count(t), 1);
	e = tcptop_table_at(t, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_null(tcptop_table_at(t, 1));
	ck_assert_uint_eq(e->id, 7);
	ck_assert_uint_eq(e->tgid, 1234);
	ck_assert_str_eq(e->comm, "curl");
	ck_assert_int_eq(e->family, AF_INET);
	ck_assert_uint_eq(e->lport, f.lport);
	ck_assert_uint_eq(e->rport, 80);
	ck_assert_mem_eq(e->laddr, lo, 4);
	ck_assert_mem_eq(e->raddr, lo2, 4);
	ck_assert_uint_eq(e->tx_total, 100);
	ck_assert_uint_eq(e->rx_total, 2000);
	ck_assert_uint_eq(e->tx_delta, 100);
	ck_assert_uint_eq(e->rx_delta, 2000);
	ck_assert(!e->closed);
}
END_TEST

START_TEST(test_free_slots_and_idle_processes_ignored)
{
	struct tcptop_sock_rec f = rec4(1, 0, "", 5, 5);	/* slot 0 free, bytes ignored */

	f.slot[1].tgid = 99;				/* claimed but moved nothing */
	ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	ck_assert_uint_eq(tcptop_table_count(t), 0);
}
END_TEST

START_TEST(test_full_comm_terminated)
{
	struct tcptop_sock_rec f = rec4(1, 5, "", 1, 0);
	const struct tcptop_flow_entry *e;

	/* The kernel's comm is 16 bytes; the table's string must end inside it. */
	memset(f.slot[0].comm, 'A', sizeof(f.slot[0].comm));
	ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	e = tcptop_table_at(t, 0);
	ck_assert_uint_eq(strlen(e->comm), TCPTOP_COMM_MAX - 1);
}
END_TEST

START_TEST(test_empty_comm_keeps_known_name)
{
	struct tcptop_sock_rec f = rec4(1, 5, "nginx", 1, 0);

	ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	/* A record caught between slot claim and comm copy has an empty comm. */
	memset(f.slot[0].comm, 0, sizeof(f.slot[0].comm));
	ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	ck_assert_str_eq(tcptop_table_at(t, 0)->comm, "nginx");
}
END_TEST

/* ---- one entry per (socket, process) ------------------------------------------- */

START_TEST(test_per_socket_and_process)
{
	struct tcptop_sock_rec f = rec4(10, 100, "parent", 1, 2);
	struct tcptop_sock_rec g = rec4(11, 100, "parent", 50, 60);
	const struct tcptop_flow_entry *e;

	/* A forked child on the same socket: a second slot, a second entry. */
	f.slot[1].tgid = 200;
	strcpy(f.slot[1].comm, "child");
	f.slot[1].tx = 3;
	f.slot[1].rx = 4;
	ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	ck_assert_int_eq(tcptop_table_add_record(t, &g), 0);
	ck_assert_uint_eq(tcptop_table_count(t), 3);

	e = find(10, 100);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->comm, "parent");
	ck_assert_uint_eq(e->tx_total, 1);
	ck_assert_uint_eq(e->rx_total, 2);
	e = find(10, 200);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->comm, "child");
	ck_assert_uint_eq(e->tx_total, 3);
	ck_assert_uint_eq(e->rx_total, 4);
	ck_assert_uint_eq(e->lport, f.lport);
	e = find(11, 100);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->tx_total, 50);
	ck_assert_uint_eq(e->rx_total, 60);
}
END_TEST

START_TEST(test_same_key_accumulates)
{
	struct tcptop_sock_rec f = rec4(3, 30, "a", 10, 1);

	/* Two records for one socket in one drain (iterator, then the closed ring). */
	ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	ck_assert_uint_eq(tcptop_table_count(t), 1);
	ck_assert_uint_eq(tcptop_table_at(t, 0)->tx_delta, 20);
	ck_assert_uint_eq(tcptop_table_at(t, 0)->rx_total, 2);
}
END_TEST

/* ---- deltas and totals ------------------------------------------------------ */

START_TEST(test_deltas_vs_totals)
{
	struct tcptop_sock_rec f = rec4(1, 10, "x", 100, 1000);
	const struct tcptop_flow_entry *e;

	ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	tcptop_table_begin(t);
	e = tcptop_table_at(t, 0);
	ck_assert_uint_eq(tcptop_table_count(t), 1);
	ck_assert_uint_eq(e->tx_delta, 0);
	ck_assert_uint_eq(e->rx_delta, 0);
	ck_assert_uint_eq(e->tx_total, 100);
	ck_assert_uint_eq(e->rx_total, 1000);

	f.slot[0].tx = 7;
	f.slot[0].rx = 0;
	ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	e = tcptop_table_at(t, 0);
	ck_assert_uint_eq(e->tx_delta, 7);
	ck_assert_uint_eq(e->rx_delta, 0);
	ck_assert_uint_eq(e->tx_total, 107);
	ck_assert_uint_eq(e->rx_total, 1000);

	/* An idle drain keeps the flow with zero deltas. */
	tcptop_table_begin(t);
	e = tcptop_table_at(t, 0);
	ck_assert_uint_eq(e->tx_delta, 0);
	ck_assert_uint_eq(e->tx_total, 107);
}
END_TEST

/* ---- closed flows --------------------------------------------------------------- */

START_TEST(test_closed_evicted_at_next_begin)
{
	struct tcptop_sock_rec a = rec4(1, 10, "a", 1, 1);
	struct tcptop_sock_rec b = rec4(2, 20, "b", 2, 2);
	struct tcptop_sock_rec c = rec4(3, 30, "c", 3, 3);
	const struct tcptop_flow_entry *e;

	ck_assert_int_eq(tcptop_table_add_record(t, &a), 0);
	ck_assert_int_eq(tcptop_table_add_record(t, &b), 0);
	ck_assert_int_eq(tcptop_table_add_record(t, &c), 0);
	tcptop_table_begin(t);

	/* b's final record: its last bytes are reported once, flagged closed. */
	b.flags = TCPTOP_FLOW_CLOSED;
	b.slot[0].tx = 5;
	b.slot[0].rx = 0;
	ck_assert_int_eq(tcptop_table_add_record(t, &b), 0);
	e = find(2, 20);
	ck_assert_ptr_nonnull(e);
	ck_assert(e->closed);
	ck_assert_uint_eq(e->tx_delta, 5);
	ck_assert_uint_eq(e->tx_total, 7);
	ck_assert_uint_eq(tcptop_table_count(t), 3);

	tcptop_table_begin(t);
	ck_assert_uint_eq(tcptop_table_count(t), 2);
	ck_assert_ptr_null(find(2, 20));
	/* The index was rebuilt: the survivors are still found and updated. */
	ck_assert_int_eq(tcptop_table_add_record(t, &c), 0);
	ck_assert_uint_eq(tcptop_table_count(t), 2);
	e = find(3, 30);
	ck_assert_uint_eq(e->tx_total, 6);
	ck_assert_uint_eq(e->tx_delta, 3);
	e = find(1, 10);
	ck_assert_uint_eq(e->tx_total, 1);
	ck_assert(!e->closed);
}
END_TEST

START_TEST(test_closed_idle_process_closed_too)
{
	struct tcptop_sock_rec f = rec4(4, 40, "p", 10, 0);
	const struct tcptop_flow_entry *e;

	f.slot[1].tgid = 41;
	strcpy(f.slot[1].comm, "q");
	f.slot[1].rx = 9;
	ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	tcptop_table_begin(t);
	/* Only 41 moved bytes in the last interval; 40's entry must close as well. */
	f.flags = TCPTOP_FLOW_CLOSED;
	f.slot[0].tx = 0;
	f.slot[1].rx = 1;
	ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	e = find(4, 40);
	ck_assert(e->closed);
	ck_assert_uint_eq(e->tx_delta, 0);
	e = find(4, 41);
	ck_assert(e->closed);
	ck_assert_uint_eq(e->rx_delta, 1);
	ck_assert_uint_eq(e->rx_total, 10);
	tcptop_table_begin(t);
	ck_assert_uint_eq(tcptop_table_count(t), 0);
}
END_TEST

START_TEST(test_closed_first_seen_reported_once)
{
	struct tcptop_sock_rec f = rec4(5, 50, "short", 300, 0);

	/* A socket born and gone within one interval: one record, already closed. */
	f.flags = TCPTOP_FLOW_CLOSED;
	ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	ck_assert_uint_eq(tcptop_table_count(t), 1);
	ck_assert_str_eq(tcptop_table_at(t, 0)->comm, "short");
	ck_assert_uint_eq(tcptop_table_at(t, 0)->tx_delta, 300);
	tcptop_table_begin(t);
	ck_assert_uint_eq(tcptop_table_count(t), 0);
}
END_TEST

/* ---- addresses ---------------------------------------------------------------- */

START_TEST(test_v4mapped_normalised)
{
	struct tcptop_sock_rec f = rec4(1, 1, "m", 1, 1);
	const struct tcptop_flow_entry *e;
	uint8_t a[4], b[4];

	f.family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:10.1.2.3", f.laddr);
	inet_pton(AF_INET6, "::ffff:192.168.0.9", f.raddr);
	ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	e = tcptop_table_at(t, 0);
	inet_pton(AF_INET, "10.1.2.3", a);
	inet_pton(AF_INET, "192.168.0.9", b);
	ck_assert_int_eq(e->family, AF_INET);
	ck_assert_mem_eq(e->laddr, a, 4);
	ck_assert_mem_eq(e->raddr, b, 4);
}
END_TEST

START_TEST(test_v6_kept)
{
	struct tcptop_sock_rec f = rec4(1, 1, "v6", 1, 1);
	const struct tcptop_flow_entry *e;

	f.family = AF_INET6;
	inet_pton(AF_INET6, "::1", f.laddr);
	inet_pton(AF_INET6, "2001:db8::ffff:1", f.raddr);
	ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	e = tcptop_table_at(t, 0);
	ck_assert_int_eq(e->family, AF_INET6);
	ck_assert_mem_eq(e->laddr, f.laddr, 16);
	ck_assert_mem_eq(e->raddr, f.raddr, 16);
}
END_TEST

/* ---- growth ------------------------------------------------------------------- */

#define MANY 100000

START_TEST(test_growth)
{
	struct tcptop_sock_rec f;
	uint64_t id;
	size_t i;

	for (id = 1; id <= MANY; id++) {
		f = rec4(id, (uint32_t)(id % 7) + 1, "g", id, 2 * id);
		ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	}
	ck_assert_uint_eq(tcptop_table_count(t), MANY);
	/* Insertion order, and every key still lands on its own entry. */
	for (i = 0; i < MANY; i++)
		ck_assert_uint_eq(tcptop_table_at(t, i)->id, i + 1);
	tcptop_table_begin(t);
	for (id = 1; id <= MANY; id++) {
		f = rec4(id, (uint32_t)(id % 7) + 1, "g", 1, 0);
		if (id % 2)
			f.flags = TCPTOP_FLOW_CLOSED;
		ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	}
	ck_assert_uint_eq(tcptop_table_count(t), MANY);
	for (i = 0; i < MANY; i++) {
		const struct tcptop_flow_entry *e = tcptop_table_at(t, i);

		ck_assert_uint_eq(e->tx_total, e->id + 1);
		ck_assert_uint_eq(e->rx_total, 2 * e->id);
		ck_assert_uint_eq(e->tx_delta, 1);
	}
	tcptop_table_begin(t);
	ck_assert_uint_eq(tcptop_table_count(t), MANY / 2);
	for (id = 2; id <= MANY; id += 2) {
		f = rec4(id, (uint32_t)(id % 7) + 1, "g", 0, 1);
		ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	}
	ck_assert_uint_eq(tcptop_table_count(t), MANY / 2);
	for (i = 0; i < MANY / 2; i++) {
		const struct tcptop_flow_entry *e = tcptop_table_at(t, i);

		ck_assert_uint_eq(e->id, 2 * (i + 1));
		ck_assert_uint_eq(e->rx_total, 2 * e->id + 1);
		ck_assert_uint_eq(e->rx_delta, 1);
		ck_assert_uint_eq(e->tx_delta, 0);
	}
}
END_TEST

/*
 * The table checks the entry after the last one it matched before it
 * hashes (the kernel usually walks sockets in the same order), so records in
 * another order, new sockets between old ones and a second process on a
 * socket whose first process sits at the guessed place must all still land
 * on their own entry and never make a second one.
 */
#define SHUFFLED 1000

START_TEST(test_walk_order_changes)
{
	struct tcptop_sock_rec f;
	uint64_t id;
	size_t i;

	for (id = 1; id <= SHUFFLED; id++) {
		f = rec4(id, 100, "w", 1, 1);
		ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	}
	tcptop_table_begin(t);
	/* Reversed, every third socket followed by a new one, every fifth with a second process. */
	for (id = SHUFFLED; id >= 1; id--) {
		f = rec4(id, 100, "w", 10, 0);
		if (id % 5 == 0) {
			f.slot[1] = f.slot[0];
			f.slot[1].tgid = 200;
			f.slot[1].tx = 7;
		}
		ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
		if (id % 3 == 0) {
			f = rec4(SHUFFLED + id, 300, "n", 0, 5);
			ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
		}
	}
	/* The same records again in the first order: the guesses now hit. */
	for (id = 1; id <= SHUFFLED; id++) {
		f = rec4(id, 100, "w", 10, 0);
		ck_assert_int_eq(tcptop_table_add_record(t, &f), 0);
	}
	ck_assert_uint_eq(tcptop_table_count(t), SHUFFLED + SHUFFLED / 5 + SHUFFLED / 3);
	for (i = 0; i < tcptop_table_count(t); i++) {
		const struct tcptop_flow_entry *e = tcptop_table_at(t, i);

		if (e->tgid == 100) {
			ck_assert_uint_le(e->id, SHUFFLED);
			ck_assert_uint_eq(e->tx_total, 21);
			ck_assert_uint_eq(e->tx_delta, 20);
			ck_assert_uint_eq(e->rx_total, 1);
		} else if (e->tgid == 200) {
			ck_assert_uint_eq(e->id % 5, 0);
			ck_assert_uint_eq(e->tx_total, 7);
		} else {
			ck_assert_uint_eq(e->tgid, 300);
			ck_assert_uint_eq((e->id - SHUFFLED) % 3, 0);
			ck_assert_uint_eq(e->rx_total, 5);
		}
		ck_assert_ptr_eq(find(e->id, e->tgid), e);
	}
}
END_TEST

static Suite *flow_table_suite(void)
{
	Suite *s = suite_create("flow_table");
	TCase *tc;

	tc = tcase_create("add");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_add_one);
	tcase_add_test(tc, test_free_slots_and_idle_processes_ignored);
	tcase_add_test(tc, test_full_comm_terminated);
	tcase_add_test(tc, test_empty_comm_keeps_known_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_per_socket_and_process);
	tcase_add_test(tc, test_same_key_accumulates);
	suite_add_tcase(s, tc);

	tc = tcase_create("drains");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_deltas_vs_totals);
	tcase_add_test(tc, test_closed_evicted_at_next_begin);
	tcase_add_test(tc, test_closed_idle_process_closed_too);
	tcase_add_test(tc, test_closed_first_seen_reported_once);
	tcase_add_test(tc, test_walk_order_changes);
	suite_add_tcase(s, tc);

	tc = tcase_create("addresses");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_v4mapped_normalised);
	tcase_add_test(tc, test_v6_kept);
	suite_add_tcase(s, tc);

	tc = tcase_create("growth");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_growth);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(flow_table_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
