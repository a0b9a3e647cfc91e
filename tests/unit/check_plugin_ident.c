// SPDX-License-Identifier: GPL-2.0
/* Identifier building and sanitising: what every writer downstream will see. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "plugin_ident.h"

/* [A-Za-z0-9_-] only: the alphabet the scheme promises. */
static void assert_clean(const char *s)
{
	const char *p;

	ck_assert_uint_le(strlen(s), 127);
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			ck_abort_msg("byte 0x%02x in \"%s\"", c, s);
	}
}

/* write_graphite's escaping (what it turns into '_'); a clean name passes unchanged. */
static void assert_graphite_unchanged(const char *s)
{
	ck_assert_ptr_null(strpbrk(s, ". \t\n\r:\"\\!,/()"));
	/* Graphite globs, which write_graphite lets through. */
	ck_assert_ptr_null(strpbrk(s, "[]%{}*?"));
}

static struct tcptop_flow_entry entry_v4(const char *comm, uint32_t pid, const char *l,
					 uint16_t lport, const char *r, uint16_t rport)
{
	struct tcptop_flow_entry e;

	memset(&e, 0, sizeof(e));
	strncpy(e.comm, comm, sizeof(e.comm) - 1);
	e.tgid = pid;
	e.family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, l, e.laddr), 1);
	ck_assert_int_eq(inet_pton(AF_INET, r, e.raddr), 1);
	e.lport = lport;
	e.rport = rport;
	return e;
}

static struct tcptop_flow_entry entry_v6(const char *comm, uint32_t pid, const char *l,
					 uint16_t lport, const char *r, uint16_t rport)
{
	struct tcptop_flow_entry e;

	memset(&e, 0, sizeof(e));
	strncpy(e.comm, comm, sizeof(e.comm) - 1);
	e.tgid = pid;
	e.family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, l, e.laddr), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, r, e.raddr), 1);
	e.lport = lport;
	e.rport = rport;
	return e;
}

/* ---- COMM sanitising ---------------------------------------------------- */

START_TEST(test_comm_plain)
{
	char out[TCPTOP_COMM_MAX];

	ck_assert_uint_eq(tcptop_ident_comm("nginx", out, sizeof(out)), 5);
	ck_assert_str_eq(out, "nginx");
	tcptop_ident_comm("kworker_0_1", out, sizeof(out));
	ck_assert_str_eq(out, "kworker_0_1");
}
END_TEST

START_TEST(test_comm_hostile)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "my app", "my_app" },
		{ "a.b.c", "a_b_c" },
		{ "../../etc", "______etc" },
		{ "x-y-1234", "x_y_1234" },
		{ "[kthreadd]", "_kthreadd_" },
		{ "*?%{}", "_____" },
		{ "tab\there", "tab_here" },
		{ "new\nline", "new_line" },
		{ "esc\x1b[31m", "esc__31m" },
		{ "caf\xc3\xa9", "caf__" },
		{ "\xff\xfe", "__" },
		{ "a:b;c=d", "a_b_c_d" },
		{ "q\"u'o\\te", "q_u_o_te" },
		{ "", "_" },
		{ "-", "_" },
	};
	char out[TCPTOP_COMM_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tcptop_ident_comm(cases[i].in, out, sizeof(out));
		ck_assert_str_eq(out, cases[i].out);
		assert_clean(out);
		assert_graphite_unchanged(out);
	}
}
END_TEST

START_TEST(test_comm_every_byte)
{
	char in[TCPTOP_COMM_MAX], out[TCPTOP_COMM_MAX];
	int b;

	/* Every byte value in every position comes out in the alphabet. */
	for (b = 1; b < 256; b++) {
		memset(in, b, sizeof(in) - 1);
		in[sizeof(in) - 1] = '\0';
		ck_assert_uint_eq(tcptop_ident_comm(in, out, sizeof(out)), TCPTOP_COMM_MAX - 1);
		assert_clean(out);
		ck_assert_ptr_null(strchr(out, '-'));
	}
}
END_TEST

START_TEST(test_comm_unterminated)
{
	char in[TCPTOP_COMM_MAX], out[TCPTOP_COMM_MAX];

	/* A full buffer without its NUL is read only up to its size. */
	memset(in, 'a', sizeof(in));
	ck_assert_uint_eq(tcptop_ident_comm(in, out, sizeof(out)), TCPTOP_COMM_MAX - 1);
	ck_assert_uint_eq(strlen(out), TCPTOP_COMM_MAX - 1);
}
END_TEST

/* ---- addresses -------------------------------------------------------------- */

START_TEST(test_addr_v4_v6)
{
	struct tcptop_flow_entry e = entry_v4("x", 1, "192.168.10.1", 1, "10.0.0.255", 2);
	char out[TCPTOP_ADDR_STRLEN];

	ck_assert_int_eq(tcptop_ident_addr(AF_INET, e.laddr, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "192_168_10_1");
	e = entry_v6("x", 1, "::1", 1, "fe80::1:2", 2);
	ck_assert_int_eq(tcptop_ident_addr(AF_INET6, e.laddr, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "__1");
	ck_assert_int_eq(tcptop_ident_addr(AF_INET6, e.raddr, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "fe80__1_2");
}
END_TEST

START_TEST(test_addr_v4_mapped)
{
	struct tcptop_flow_entry e = entry_v6("x", 1, "::ffff:127.0.0.1", 1, "::ffff:10.1.2.3", 2);
	char out[TCPTOP_ADDR_STRLEN];

	/* Reported as the IPv4 address it is, the same as a plain IPv4 socket. */
	ck_assert_int_eq(tcptop_ident_addr(AF_INET6, e.laddr, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "127_0_0_1");
	ck_assert_int_eq(tcptop_ident_addr(AF_INET6, e.raddr, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "10_1_2_3");
}
END_TEST

START_TEST(test_addr_bad_family)
{
	uint8_t a[16] = { 0 };
	char out[TCPTOP_ADDR_STRLEN];

	ck_assert_int_lt(tcptop_ident_addr(AF_UNIX, a, out, sizeof(out)), 0);
}
END_TEST

/* ---- whole identifiers ------------------------------------------------------ */

START_TEST(test_build_flow_v4)
{
	struct tcptop_flow_entry e = entry_v4("curl", 4242, "127.0.0.1", 40000, "127.0.0.1", 5000);
	struct tcptop_ident id;

	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_FLOW, &e, &id), 0);
	ck_assert_str_eq(id.plugin_instance, "curl-4242");
	ck_assert_str_eq(id.type_instance, "127_0_0_1_40000-127_0_0_1_5000");
}
END_TEST

START_TEST(test_build_flow_v6_and_mapped)
{
	struct tcptop_flow_entry e = entry_v6("srv", 7, "::1", 5000, "::1", 40000);
	struct tcptop_flow_entry m = entry_v4("srv", 7, "127.0.0.1", 5000, "127.0.0.1", 40000);
	struct tcptop_ident id, idm;

	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_FLOW, &e, &id), 0);
	ck_assert_str_eq(id.type_instance, "__1_5000-__1_40000");
	assert_graphite_unchanged(id.type_instance);

	/* A v4-mapped socket has the same identifier as the IPv4 socket it stands for. */
	e = entry_v6("srv", 7, "::ffff:127.0.0.1", 5000, "::ffff:127.0.0.1", 40000);
	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_FLOW, &e, &id), 0);
	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_FLOW, &m, &idm), 0);
	ck_assert_str_eq(id.type_instance, idm.type_instance);
	ck_assert_str_eq(id.type_instance, "127_0_0_1_5000-127_0_0_1_40000");
}
END_TEST

START_TEST(test_build_longest)
{
	struct tcptop_flow_entry e = entry_v6("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
					      4294967295u,
					      "1111:2222:3333:4444:5555:6666:7777:8888", 65535,
					      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535);
	struct tcptop_ident id;

	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_FLOW, &e, &id), 0);
	ck_assert_str_eq(id.plugin_instance, "_______________-4294967295");
	ck_assert_str_eq(id.type_instance,
			 "1111_2222_3333_4444_5555_6666_7777_8888_65535-ffff_ffff_ffff_ffff_ffff_ffff_ffff_ffff_65535");
	assert_clean(id.plugin_instance);
	assert_clean(id.type_instance);
}
END_TEST

START_TEST(test_build_random_fits)
{
	struct tcptop_flow_entry e;
	struct tcptop_ident id;
	int round, i, agg;

	srand(12345);
	for (round = 0; round < 5000; round++) {
		memset(&e, 0, sizeof(e));
		for (i = 0; i < TCPTOP_COMM_MAX - 1; i++)
			e.comm[i] = (char)(rand() % 256);
		e.tgid = (uint32_t)rand() * 2u + (uint32_t)(rand() & 1);
		e.family = rand() & 1 ? AF_INET : AF_INET6;
		for (i = 0; i < 16; i++) {
			/* Zero runs often, so the "::" forms show up too. */
			e.laddr[i] = rand() % 3 ? 0 : (uint8_t)rand();
			e.raddr[i] = rand() % 3 ? 0 : (uint8_t)rand();
		}
		e.lport = (uint16_t)rand();
		e.rport = (uint16_t)rand();
		for (agg = TCPTOP_AGGREGATE_FLOW; agg <= TCPTOP_AGGREGATE_REMOTE_HOST; agg++) {
			ck_assert_int_eq(tcptop_ident_build(agg, &e, &id), 0);
			assert_clean(id.plugin_instance);
			assert_clean(id.type_instance);
			assert_graphite_unchanged(id.plugin_instance);
			assert_graphite_unchanged(id.type_instance);
		}
	}
}
END_TEST

START_TEST(test_build_pid_is_after_last_dash)
{
	struct tcptop_flow_entry e = entry_v4("a-b-c", 99, "1.2.3.4", 1, "5.6.7.8", 2);
	struct tcptop_ident id;

	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_PROCESS, &e, &id), 0);
	ck_assert_str_eq(id.plugin_instance, "a_b_c-99");
	ck_assert_str_eq(id.type_instance, "");
	ck_assert_str_eq(strrchr(id.plugin_instance, '-') + 1, "99");
	ck_assert_ptr_eq(strchr(id.plugin_instance, '-'), strrchr(id.plugin_instance, '-'));
}
END_TEST

START_TEST(test_build_aggregates)
{
	struct tcptop_flow_entry e = entry_v4("web", 1, "10.0.0.1", 443, "192.0.2.7", 51000);
	struct tcptop_flow_entry v6 = entry_v6("web", 1, "2001:db8::1", 443, "2001:db8::7", 51000);
	struct tcptop_ident id;

	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_LOCAL_PORT, &e, &id), 0);
	ck_assert_str_eq(id.plugin_instance, "local_port");
	ck_assert_str_eq(id.type_instance, "443");
	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_REMOTE_HOST, &e, &id), 0);
	ck_assert_str_eq(id.plugin_instance, "remote_host");
	ck_assert_str_eq(id.type_instance, "192_0_2_7");
	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_REMOTE_HOST, &v6, &id), 0);
	ck_assert_str_eq(id.type_instance, "2001_db8__7");
	ck_assert_int_lt(tcptop_ident_build((enum tcptop_aggregate)42, &e, &id), 0);
}
END_TEST

START_TEST(test_other_never_clashes)
{
	struct tcptop_flow_entry e = entry_v4("other", 5, "1.2.3.4", 1, "5.6.7.8", 2);
	struct tcptop_ident id, other;
	int agg;

	for (agg = TCPTOP_AGGREGATE_FLOW; agg < TCPTOP_AGGREGATE_KINDS; agg++) {
		tcptop_ident_other(agg, &other);
		ck_assert_int_eq(tcptop_ident_build(agg, &e, &id), 0);
		ck_assert(strcmp(id.plugin_instance, other.plugin_instance) != 0 ||
			  strcmp(id.type_instance, other.type_instance) != 0);
		ck_assert(strcmp(other.plugin_instance, TCPTOP_IDENT_SELF) != 0);
		assert_clean(other.plugin_instance);
		assert_clean(other.type_instance);
	}
	tcptop_ident_other(TCPTOP_AGGREGATE_FLOW, &other);
	ck_assert_str_eq(other.plugin_instance, "other");
	tcptop_ident_other(TCPTOP_AGGREGATE_LOCAL_PORT, &other);
	ck_assert_str_eq(other.plugin_instance, "local_port");
	ck_assert_str_eq(other.type_instance, "other");
}
END_TEST

static void key(const char *raw, bool dash, const char *want)
{
	char out[TCPTOP_IDENT_LEN];

	tcptop_ident_key(raw, strlen(raw), dash, out, sizeof(out));
	ck_assert_str_eq(out, want);
	assert_clean(out);
}

START_TEST(test_key_reserved)
{
	key("nginx", false, "nginx");
	key("a-b.c", false, "a_b_c");
	key("a-b.c", true, "a-b_c");
	key("", false, "_");
	/* Bucket names, and what could be confused with them, get one more '_'. */
	key("other", false, "other_");
	key("other_", false, "other__");
	key("other__", false, "other___");
	key("client", false, "client_");
	key("host", true, "host_");
	key("root", true, "root_");
	key("unknown", true, "unknown_");
	key("netns-42", true, "netns-42_");
	key("cgroup-7_", true, "cgroup-7__");
	/* Not reserved: other words, other cases, fallbacks without digits. */
	key("others", false, "others");
	key("Other", false, "Other");
	key("_other", false, "_other");
	key("netns-", true, "netns-");
	key("netns-4x", true, "netns-4x");
	key("cgroup-", true, "cgroup-");
	/* "netns-42" with the dash turned into '_' is no longer a fallback's name. */
	key("netns-42", false, "netns_42");
}
END_TEST

START_TEST(test_key_long_and_injective)
{
	char raw[300], out[TCPTOP_IDENT_LEN], seen[8][TCPTOP_IDENT_LEN];
	static const char *const names[] = { "other", "other_", "other__", "x", "x_", "client",
					     "client_", "" };
	size_t i, j;

	memset(raw, 'a', sizeof(raw) - 1);
	raw[sizeof(raw) - 1] = '\0';
	tcptop_ident_key(raw, strlen(raw), true, out, sizeof(out));
	ck_assert_uint_eq(strlen(out), 126);
	/* Only NUL-terminated up to n: stops at n. */
	tcptop_ident_key("abcdef", 3, false, out, sizeof(out));
	ck_assert_str_eq(out, "abc");
	/* Distinct names stay distinct, and none becomes a bucket's. */
	for (i = 0; i < 8; i++) {
		tcptop_ident_key(names[i], strlen(names[i]), false, seen[i], TCPTOP_IDENT_LEN);
		ck_assert_str_ne(seen[i], "other");
		ck_assert_str_ne(seen[i], "client");
		for (j = 0; j < i; j++)
			ck_assert_str_ne(seen[i], seen[j]);
	}
}
END_TEST

START_TEST(test_build_new_aggregates)
{
	struct tcptop_flow_entry e = entry_v4("x.y [*]?", 4242, "10.0.0.5", 443, "192.0.2.7", 51000);
	struct tcptop_ident id;

	e.cgroup = 1234;
	e.netns = 4026531840u;
	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_TOTAL, &e, &id), 0);
	ck_assert_str_eq(id.plugin_instance, "total");
	ck_assert_str_eq(id.type_instance, "");
	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_PROCESS_NAME, &e, &id), 0);
	ck_assert_str_eq(id.plugin_instance, "process_name");
	/* The name only: no PID, so restarts and children continue one series. */
	ck_assert_str_eq(id.type_instance, "x_y_____");
	/* Without names: numbers. */
	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_CGROUP, &e, &id), 0);
	ck_assert_str_eq(id.plugin_instance, "cgroup");
	ck_assert_str_eq(id.type_instance, "cgroup-1234");
	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_NETNS, &e, &id), 0);
	ck_assert_str_eq(id.plugin_instance, "netns");
	ck_assert_str_eq(id.type_instance, "netns-4026531840");
	e.cgroup = 0;
	e.netns = 0;
	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_CGROUP, &e, &id), 0);
	ck_assert_str_eq(id.type_instance, "unknown");
	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_NETNS, &e, &id), 0);
	ck_assert_str_eq(id.type_instance, "unknown");
	/* Without listeners, every flow is a client. */
	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_LISTENING_PORT, &e, &id), 0);
	ck_assert_str_eq(id.plugin_instance, "listening_port");
	ck_assert_str_eq(id.type_instance, "client");
	ck_assert(tcptop_ident_pinned(TCPTOP_AGGREGATE_LISTENING_PORT, &id));
	ck_assert(!tcptop_ident_pinned(TCPTOP_AGGREGATE_LOCAL_PORT, &id));
	/* A process literally called "other". */
	strcpy(e.comm, "other");
	ck_assert_int_eq(tcptop_ident_build(TCPTOP_AGGREGATE_PROCESS_NAME, &e, &id), 0);
	ck_assert_str_eq(id.type_instance, "other_");
}
END_TEST

START_TEST(test_aggregate_names)
{
	enum tcptop_aggregate a;

	ck_assert_int_eq(tcptop_aggregate_parse("Process", &a), 0);
	ck_assert_int_eq(a, TCPTOP_AGGREGATE_PROCESS);
	ck_assert_int_eq(tcptop_aggregate_parse("remote_host", &a), 0);
	ck_assert_int_eq(a, TCPTOP_AGGREGATE_REMOTE_HOST);
	ck_assert_int_lt(tcptop_aggregate_parse("port", &a), 0);
	ck_assert_int_lt(tcptop_aggregate_parse(NULL, &a), 0);
	ck_assert_str_eq(tcptop_aggregate_name(TCPTOP_AGGREGATE_LOCAL_PORT), "local_port");
	ck_assert_int_eq(tcptop_aggregate_parse("Listening_Port", &a), 0);
	ck_assert_int_eq(a, TCPTOP_AGGREGATE_LISTENING_PORT);
	ck_assert_str_eq(tcptop_aggregate_name(TCPTOP_AGGREGATE_PROCESS_NAME), "process_name");
	ck_assert_ptr_null(tcptop_aggregate_name((enum tcptop_aggregate)9));
}
END_TEST

static Suite *ident_suite(void)
{
	Suite *s = suite_create("plugin_ident");
	TCase *tc = tcase_create("comm");

	tcase_add_test(tc, test_comm_plain);
	tcase_add_test(tc, test_comm_hostile);
	tcase_add_test(tc, test_comm_every_byte);
	tcase_add_test(tc, test_comm_unterminated);
	suite_add_tcase(s, tc);

	tc = tcase_create("address");
	tcase_add_test(tc, test_addr_v4_v6);
	tcase_add_test(tc, test_addr_v4_mapped);
	tcase_add_test(tc, test_addr_bad_family);
	suite_add_tcase(s, tc);

	tc = tcase_create("identifier");
	tcase_add_test(tc, test_build_flow_v4);
	tcase_add_test(tc, test_build_flow_v6_and_mapped);
	tcase_add_test(tc, test_build_longest);
	tcase_add_test(tc, test_build_random_fits);
	tcase_add_test(tc, test_build_pid_is_after_last_dash);
	tcase_add_test(tc, test_build_aggregates);
	tcase_add_test(tc, test_other_never_clashes);
	tcase_add_test(tc, test_key_reserved);
	tcase_add_test(tc, test_key_long_and_injective);
	tcase_add_test(tc, test_build_new_aggregates);
	tcase_add_test(tc, test_aggregate_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ident_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
