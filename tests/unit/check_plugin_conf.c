// SPDX-License-Identifier: GPL-2.0
/* Every <Plugin tcptop> option, good and bad, on hand-built config trees. */
#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "plugin_conf.h"

static struct tcptop_plugin_conf conf;
static char last_msg[512];
static int nmsgs;

static void capture(enum tcptop_log_level level, const char *msg, void *ctx)
{
	(void)ctx;
	ck_assert_int_eq(level, TCPTOP_LOG_ERROR);
	snprintf(last_msg, sizeof(last_msg), "%s", msg);
	nmsgs++;
}

static void setup(void)
{
	tcptop_conf_init(&conf);
	last_msg[0] = '\0';
	nmsgs = 0;
}

static void teardown(void)
{
	tcptop_conf_free(&conf);
}

static oconfig_value_t S(const char *s)
{
	oconfig_value_t v = { .type = OCONFIG_TYPE_STRING };

	v.value.string = (char *)s;
	return v;
}

static oconfig_value_t N(double d)
{
	oconfig_value_t v = { .type = OCONFIG_TYPE_NUMBER };

	v.value.number = d;
	return v;
}

static oconfig_value_t B(int b)
{
	oconfig_value_t v = { .type = OCONFIG_TYPE_BOOLEAN };

	v.value.boolean = b;
	return v;
}

/* Applies `key v...` in its own <Plugin tcptop> block; returns the errors it added. */
static unsigned apply(const char *key, int n, ...)
{
	oconfig_value_t vals[8];
	oconfig_item_t child = { .key = (char *)key, .values = vals, .values_num = n };
	oconfig_value_t name = S("tcptop");
	oconfig_item_t block = { .key = "Plugin", .values = &name, .values_num = 1,
				 .children = &child, .children_num = 1 };
	unsigned before = conf.errors;
	va_list ap;
	int i;

	ck_assert_int_le(n, 8);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		vals[i] = va_arg(ap, oconfig_value_t);
	va_end(ap);
	child.parent = &block;
	tcptop_conf_apply(&conf, &block, capture, NULL);
	return conf.errors - before;
}

/* The option was rejected with one ERROR naming it. */
static void assert_rejected(unsigned errors, const char *key)
{
	char named[64];

	ck_assert_uint_eq(errors, 1);
	snprintf(named, sizeof(named), "`%s'", key);
	ck_assert_msg(strstr(last_msg, named), "\"%s\" does not name %s", last_msg, named);
}

START_TEST(test_defaults)
{
	ck_assert_int_eq(conf.mode, TCPTOP_MODE_AUTO);
	ck_assert_uint_eq(conf.naggs, 0);
	ck_assert_uint_eq(conf.top_flows, 0);
	ck_assert_uint_eq(conf.filter.nnetns, 0);
	ck_assert_uint_eq(conf.max_flows, 0);
	ck_assert(conf.interval == 0);
	ck_assert_uint_eq(conf.filter.npids + conf.filter.nprocs + conf.filter.nlports +
				  conf.filter.nrports, 0);
	ck_assert_uint_eq(conf.filter.families, 0);
	ck_assert(!conf.filter.ignore_loopback && !conf.filter.ignore_selected);
	ck_assert_uint_eq(conf.errors, 0);
	/* An empty block is fine too. */
	{
		oconfig_value_t name = S("tcptop");
		oconfig_item_t block = { .key = "Plugin", .values = &name, .values_num = 1 };

		tcptop_conf_apply(&conf, &block, capture, NULL);
		ck_assert_uint_eq(conf.errors, 0);
	}
}
END_TEST

START_TEST(test_probe)
{
	ck_assert_uint_eq(apply("Probe", 1, S("tracepoint")), 0);
	ck_assert_int_eq(conf.mode, TCPTOP_MODE_TRACEPOINT);
	ck_assert_uint_eq(apply("Probe", 1, S("fentry")), 0);
	ck_assert_int_eq(conf.mode, TCPTOP_MODE_FENTRY);
	ck_assert_uint_eq(apply("probe", 1, S("KPROBE")), 0);
	ck_assert_int_eq(conf.mode, TCPTOP_MODE_KPROBE);
	ck_assert_uint_eq(apply("Probe", 1, S("auto")), 0);
	ck_assert_int_eq(conf.mode, TCPTOP_MODE_AUTO);

	assert_rejected(apply("Probe", 1, S("ebpf")), "Probe");
	ck_assert_ptr_nonnull(strstr(last_msg, "\"ebpf\""));
	assert_rejected(apply("Probe", 1, S("tracepointtracepointtracepointtracepoint")), "Probe");
	assert_rejected(apply("Probe", 1, N(3)), "Probe");
	assert_rejected(apply("Probe", 1, B(1)), "Probe");
	assert_rejected(apply("Probe", 2, S("auto"), S("kprobe")), "Probe");
	assert_rejected(apply("Probe", 0), "Probe");
	ck_assert_int_eq(conf.mode, TCPTOP_MODE_AUTO);
}
END_TEST

/* The aggregates init would report, as "kind:top ..." */
static const char *aggregates(void)
{
	static char buf[512];
	struct tcptop_conf_aggregate a[TCPTOP_AGGREGATE_KINDS];
	size_t i, n = tcptop_conf_aggregates(&conf, a), used = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s:%u", i ? " " : "",
					 tcptop_aggregate_name(a[i].agg), a[i].top);
	return buf;
}

START_TEST(test_aggregate_default)
{
	/* No Aggregate line: host total, 20 process names, 10 listening ports. */
	ck_assert_str_eq(aggregates(), "total:0 process_name:20 listening_port:10");
	/* TopFlows alone sets the default set's tops. */
	ck_assert_uint_eq(apply("TopFlows", 1, N(5)), 0);
	ck_assert_str_eq(aggregates(), "total:0 process_name:5 listening_port:5");
}
END_TEST

START_TEST(test_aggregate_legacy)
{
	/* Today's configs: one Aggregate line and TopFlows mean what they meant. */
	ck_assert_uint_eq(apply("Aggregate", 1, S("flow")), 0);
	ck_assert_str_eq(aggregates(), "flow:0");
	ck_assert_uint_eq(apply("TopFlows", 1, N(20)), 0);
	ck_assert_str_eq(aggregates(), "flow:20");
	teardown();
	setup();
	ck_assert_uint_eq(apply("TopFlows", 1, N(3)), 0);
	ck_assert_uint_eq(apply("Aggregate", 1, S("Remote_Host")), 0);
	ck_assert_str_eq(aggregates(), "remote_host:3");
	teardown();
	setup();
	ck_assert_uint_eq(apply("Aggregate", 1, S("process")), 0);
	ck_assert_str_eq(aggregates(), "process:0");
	teardown();
	setup();
	ck_assert_uint_eq(apply("Aggregate", 1, S("local_port")), 0);
	ck_assert_str_eq(aggregates(), "local_port:0");
	tcptop_conf_finish(&conf, capture, NULL);
	ck_assert_uint_eq(conf.errors, 0);
}
END_TEST

START_TEST(test_aggregate_several)
{
	ck_assert_uint_eq(apply("Aggregate", 1, S("total")), 0);
	ck_assert_uint_eq(apply("Aggregate", 2, S("process_name"), N(20)), 0);
	ck_assert_uint_eq(apply("Aggregate", 2, S("remote_host"), S("10")), 0);
	ck_assert_uint_eq(apply("Aggregate", 1, S("cgroup")), 0);
	ck_assert_uint_eq(apply("Aggregate", 2, S("NETNS"), N(0)), 0);
	ck_assert_uint_eq(apply("Aggregate", 1, S("listening_port")), 0);
	ck_assert_uint_eq(apply("Aggregate", 2, S("flow"), N(100)), 0);
	ck_assert_uint_eq(apply("Aggregate", 1, S("local_port")), 0);
	ck_assert_uint_eq(apply("Aggregate", 1, S("process")), 0);
	/* In order; a number on the line wins, else the kind's default (0: all). */
	ck_assert_str_eq(aggregates(),
			 "total:0 process_name:20 remote_host:10 cgroup:20 netns:0 listening_port:10 flow:100 local_port:0 process:0");
	/* TopFlows fills in where the line gave no number. */
	ck_assert_uint_eq(apply("TopFlows", 1, N(7)), 0);
	ck_assert_str_eq(aggregates(),
			 "total:0 process_name:20 remote_host:10 cgroup:7 netns:0 listening_port:7 flow:100 local_port:7 process:7");
	/* flow and process both with "other": the same tcptop-other series. */
	tcptop_conf_finish(&conf, capture, NULL);
	assert_rejected(conf.errors, "Aggregate");
	ck_assert_ptr_nonnull(strstr(last_msg, "tcptop-other"));
}
END_TEST

START_TEST(test_aggregate_flow_and_process)
{
	/* One of them with every unit: no clash. */
	ck_assert_uint_eq(apply("Aggregate", 2, S("flow"), N(10)), 0);
	ck_assert_uint_eq(apply("Aggregate", 1, S("process")), 0);
	tcptop_conf_finish(&conf, capture, NULL);
	ck_assert_uint_eq(conf.errors, 0);
	ck_assert_str_eq(aggregates(), "flow:10 process:0");
}
END_TEST

START_TEST(test_aggregate_bad)
{
	assert_rejected(apply("Aggregate", 1, S("host")), "Aggregate");
	ck_assert_ptr_nonnull(strstr(last_msg, "\"host\""));
	assert_rejected(apply("Aggregate", 1, N(1)), "Aggregate");
	assert_rejected(apply("Aggregate", 2, S("flow"), S("process")), "Aggregate");
	assert_rejected(apply("Aggregate", 2, S("process_name"), N(-1)), "Aggregate");
	ck_assert_ptr_nonnull(strstr(last_msg, "process_name units"));
	assert_rejected(apply("Aggregate", 2, S("process_name"), N(2.5)), "Aggregate");
	assert_rejected(apply("Aggregate", 2, S("process_name"), N(1000001)), "Aggregate");
	assert_rejected(apply("Aggregate", 2, S("total"), N(5)), "Aggregate");
	ck_assert_ptr_nonnull(strstr(last_msg, "single series"));
	assert_rejected(apply("Aggregate", 3, S("cgroup"), N(1), N(2)), "Aggregate");
	assert_rejected(apply("Aggregate", 0), "Aggregate");
	ck_assert_uint_eq(conf.naggs, 0);
	/* Twice the same kind. */
	ck_assert_uint_eq(apply("Aggregate", 1, S("cgroup")), 0);
	assert_rejected(apply("Aggregate", 2, S("CGroup"), N(3)), "Aggregate");
	ck_assert_ptr_nonnull(strstr(last_msg, "twice"));
	ck_assert_str_eq(aggregates(), "cgroup:20");
}
END_TEST

START_TEST(test_netns)
{
	char dir[] = "/tmp/tcptop-conf-netns.XXXXXX", path[256], self[256];
	struct stat st;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* A fake /run/netns and /proc/self/ns/net: plain files, their inodes. */
	snprintf(path, sizeof(path), "%s/blue", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(self, sizeof(self), "%s/self-net", dir);
	fd = open(self, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	conf.netns_dir = dir;
	conf.self_netns_path = self;

	ck_assert_uint_eq(apply("NetworkNamespace", 1, S("self")), 0);
	ck_assert_int_eq(stat(self, &st), 0);
	ck_assert_uint_eq(conf.filter.nnetns, 1);
	ck_assert_uint_eq(conf.filter.netns[0], (uint32_t)st.st_ino);
	ck_assert_uint_eq(apply("NetworkNamespace", 2, S("blue"), N(4026531840.0)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(conf.filter.nnetns, 3);
	ck_assert_uint_eq(conf.filter.netns[1], (uint32_t)st.st_ino);
	ck_assert_uint_eq(conf.filter.netns[2], 4026531840u);
	ck_assert_uint_eq(apply("networknamespace", 1, S("12345")), 0);
	ck_assert_uint_eq(conf.filter.netns[3], 12345);

	assert_rejected(apply("NetworkNamespace", 1, S("green")), "NetworkNamespace");
	ck_assert_ptr_nonnull(strstr(last_msg, "no network namespace named \"green\""));
	assert_rejected(apply("NetworkNamespace", 1, S("../etc")), "NetworkNamespace");
	assert_rejected(apply("NetworkNamespace", 1, S("")), "NetworkNamespace");
	assert_rejected(apply("NetworkNamespace", 1, N(0)), "NetworkNamespace");
	assert_rejected(apply("NetworkNamespace", 1, N(4294967296.0)), "NetworkNamespace");
	assert_rejected(apply("NetworkNamespace", 1, B(1)), "NetworkNamespace");
	assert_rejected(apply("NetworkNamespace", 0), "NetworkNamespace");
	ck_assert_uint_eq(conf.filter.nnetns, 4);
	/* /proc unreadable (here: a missing file): the option names the path. */
	conf.self_netns_path = "/nonexistent/ns/net";
	assert_rejected(apply("NetworkNamespace", 1, S("self")), "NetworkNamespace");
	ck_assert_ptr_nonnull(strstr(last_msg, "/nonexistent/ns/net"));

	unlink(path);
	unlink(self);
	rmdir(dir);
}
END_TEST

START_TEST(test_top_flows)
{
	ck_assert_uint_eq(apply("TopFlows", 1, N(1)), 0);
	ck_assert_uint_eq(conf.top_flows, 1);
	ck_assert_uint_eq(apply("TopFlows", 1, N(1000000)), 0);
	ck_assert_uint_eq(conf.top_flows, 1000000);
	ck_assert_uint_eq(apply("topflows", 1, S("25")), 0);
	ck_assert_uint_eq(conf.top_flows, 25);

	assert_rejected(apply("TopFlows", 1, N(0)), "TopFlows");
	assert_rejected(apply("TopFlows", 1, N(-3)), "TopFlows");
	ck_assert_ptr_nonnull(strstr(last_msg, "-3"));
	assert_rejected(apply("TopFlows", 1, N(2.5)), "TopFlows");
	assert_rejected(apply("TopFlows", 1, N(1000001)), "TopFlows");
	assert_rejected(apply("TopFlows", 1, S("ten")), "TopFlows");
	assert_rejected(apply("TopFlows", 1, S("10x")), "TopFlows");
	assert_rejected(apply("TopFlows", 1, S("-1")), "TopFlows");
	assert_rejected(apply("TopFlows", 1, S("")), "TopFlows");
	assert_rejected(apply("TopFlows", 1, B(1)), "TopFlows");
	assert_rejected(apply("TopFlows", 1, N(1e300)), "TopFlows");
	ck_assert_uint_eq(conf.top_flows, 25);
}
END_TEST

START_TEST(test_max_flows)
{
	ck_assert_uint_eq(apply("MaxFlows", 1, N(1)), 0);
	ck_assert_uint_eq(conf.max_flows, 1);
	ck_assert_uint_eq(apply("MaxFlows", 1, N(TCPTOP_MAX_FLOWS_LIMIT)), 0);
	ck_assert_uint_eq(conf.max_flows, TCPTOP_MAX_FLOWS_LIMIT);

	assert_rejected(apply("MaxFlows", 1, N(0)), "MaxFlows");
	assert_rejected(apply("MaxFlows", 1, N(TCPTOP_MAX_FLOWS_LIMIT + 1.0)), "MaxFlows");
	assert_rejected(apply("MaxFlows", 1, S("lots")), "MaxFlows");
	assert_rejected(apply("MaxFlows", 1, S("99999999999999999999999")), "MaxFlows");
}
END_TEST

START_TEST(test_interval)
{
	ck_assert_uint_eq(apply("Interval", 1, N(0.5)), 0);
	ck_assert(conf.interval == 0.5);
	ck_assert_uint_eq(apply("Interval", 1, N(10)), 0);
	ck_assert(conf.interval == 10);

	assert_rejected(apply("Interval", 1, N(0)), "Interval");
	assert_rejected(apply("Interval", 1, N(-1)), "Interval");
	assert_rejected(apply("Interval", 1, N(86401)), "Interval");
	assert_rejected(apply("Interval", 1, S("10")), "Interval");
	assert_rejected(apply("Interval", 2, N(1), N(2)), "Interval");
	ck_assert(conf.interval == 10);
}
END_TEST

START_TEST(test_pid)
{
	ck_assert_uint_eq(apply("PID", 1, N(1)), 0);
	ck_assert_uint_eq(apply("PID", 3, N(4194304), S("77"), N(42)), 0);
	ck_assert_uint_eq(conf.filter.npids, 4);
	ck_assert_uint_eq(conf.filter.pids[0], 1);
	ck_assert_uint_eq(conf.filter.pids[1], 4194304);
	ck_assert_uint_eq(conf.filter.pids[2], 77);
	ck_assert_uint_eq(conf.filter.pids[3], 42);

	assert_rejected(apply("PID", 1, N(0)), "PID");
	assert_rejected(apply("PID", 1, N(4194305)), "PID");
	assert_rejected(apply("PID", 1, N(1.5)), "PID");
	assert_rejected(apply("PID", 1, S("init")), "PID");
	assert_rejected(apply("PID", 0), "PID");
	/* A bad value among good ones: the good ones stay, one error for the bad. */
	assert_rejected(apply("Pid", 3, N(5), B(0), N(6)), "Pid");
	ck_assert_uint_eq(conf.filter.npids, 6);
}
END_TEST

START_TEST(test_process)
{
	ck_assert_uint_eq(apply("Process", 1, S("nginx")), 0);
	ck_assert_uint_eq(apply("Process", 2, S("/^post(gres|master)$/"), S("123456789012345")), 0);
	ck_assert_uint_eq(conf.filter.nprocs, 3);
	ck_assert(!conf.filter.procs[0].is_regex);
	ck_assert(conf.filter.procs[1].is_regex);

	assert_rejected(apply("Process", 1, S("/[unclosed/")), "Process");
	ck_assert_ptr_nonnull(strstr(last_msg, "regular expression"));
	assert_rejected(apply("Process", 1, S("//")), "Process");
	assert_rejected(apply("Process", 1, S("1234567890123456")), "Process");
	ck_assert_ptr_nonnull(strstr(last_msg, "15"));
	assert_rejected(apply("Process", 1, S("")), "Process");
	assert_rejected(apply("Process", 1, N(1)), "Process");
	ck_assert_uint_eq(conf.filter.nprocs, 3);
}
END_TEST

START_TEST(test_ports)
{
	ck_assert_uint_eq(apply("LocalPort", 2, N(80), S("443")), 0);
	ck_assert_uint_eq(apply("RemotePort", 1, N(65535)), 0);
	ck_assert_uint_eq(apply("RemotePort", 1, N(1)), 0);
	ck_assert_uint_eq(conf.filter.nlports, 2);
	ck_assert_uint_eq(conf.filter.lports[1], 443);
	ck_assert_uint_eq(conf.filter.nrports, 2);
	ck_assert_uint_eq(conf.filter.rports[0], 65535);

	assert_rejected(apply("LocalPort", 1, N(0)), "LocalPort");
	assert_rejected(apply("LocalPort", 1, N(65536)), "LocalPort");
	assert_rejected(apply("LocalPort", 1, S("http")), "LocalPort");
	assert_rejected(apply("RemotePort", 1, N(-1)), "RemotePort");
	assert_rejected(apply("RemotePort", 1, B(1)), "RemotePort");
	assert_rejected(apply("RemotePort", 0), "RemotePort");
}
END_TEST

START_TEST(test_family)
{
	ck_assert_uint_eq(apply("Family", 1, S("ipv4")), 0);
	ck_assert_uint_eq(conf.filter.families, TCPTOP_FILTER_IPV4);
	ck_assert_uint_eq(apply("Family", 1, S("IPv6")), 0);
	ck_assert_uint_eq(conf.filter.families, TCPTOP_FILTER_IPV4 | TCPTOP_FILTER_IPV6);
	teardown();
	setup();
	ck_assert_uint_eq(apply("Family", 1, S("any")), 0);
	ck_assert_uint_eq(conf.filter.families, TCPTOP_FILTER_IPV4 | TCPTOP_FILTER_IPV6);

	assert_rejected(apply("Family", 1, S("inet")), "Family");
	assert_rejected(apply("Family", 1, N(4)), "Family");
}
END_TEST

START_TEST(test_booleans)
{
	ck_assert_uint_eq(apply("IgnoreLoopback", 1, B(1)), 0);
	ck_assert(conf.filter.ignore_loopback);
	ck_assert_uint_eq(apply("IgnoreLoopback", 1, S("off")), 0);
	ck_assert(!conf.filter.ignore_loopback);
	ck_assert_uint_eq(apply("IgnoreSelected", 1, S("Yes")), 0);
	ck_assert(conf.filter.ignore_selected);
	ck_assert_uint_eq(apply("IgnoreSelected", 1, B(0)), 0);
	ck_assert(!conf.filter.ignore_selected);

	assert_rejected(apply("IgnoreLoopback", 1, N(1)), "IgnoreLoopback");
	assert_rejected(apply("IgnoreLoopback", 1, S("maybe")), "IgnoreLoopback");
	assert_rejected(apply("IgnoreSelected", 2, B(1), B(0)), "IgnoreSelected");
	assert_rejected(apply("IgnoreSelected", 0), "IgnoreSelected");
}
END_TEST

START_TEST(test_unknown_and_blocks)
{
	oconfig_value_t v = N(1);
	oconfig_item_t inner = { .key = "Foo", .values = &v, .values_num = 1 };
	oconfig_item_t opt = { .key = "TopFlows", .values = &v, .values_num = 1,
			       .children = &inner, .children_num = 1 };
	oconfig_value_t name = S("tcptop");
	oconfig_item_t block = { .key = "Plugin", .values = &name, .values_num = 1,
				 .children = &opt, .children_num = 1 };

	assert_rejected(apply("Bogus", 1, N(1)), "Bogus");
	ck_assert_ptr_nonnull(strstr(last_msg, "unknown option"));
	assert_rejected(apply("Top_Flows", 1, N(1)), "Top_Flows");
	tcptop_conf_apply(&conf, &block, capture, NULL);
	ck_assert_uint_eq(conf.errors, 3);
	ck_assert_ptr_nonnull(strstr(last_msg, "`TopFlows' does not take a block"));
	ck_assert_uint_eq(conf.top_flows, 0);
}
END_TEST

START_TEST(test_errors_add_up)
{
	oconfig_value_t bad = S("nope"), good = N(3), name = S("tcptop");
	oconfig_item_t children[3] = {
		{ .key = "Probe", .values = &bad, .values_num = 1 },
		{ .key = "TopFlows", .values = &good, .values_num = 1 },
		{ .key = "Family", .values = &bad, .values_num = 1 },
	};
	oconfig_item_t block = { .key = "Plugin", .values = &name, .values_num = 1,
				 .children = children, .children_num = 3 };

	/* Every bad option is reported, not just the first; good ones still apply. */
	tcptop_conf_apply(&conf, &block, capture, NULL);
	ck_assert_uint_eq(conf.errors, 2);
	ck_assert_int_eq(nmsgs, 2);
	ck_assert_uint_eq(conf.top_flows, 3);
	/* No log callback: still counted. */
	tcptop_conf_apply(&conf, &block, NULL, NULL);
	ck_assert_uint_eq(conf.errors, 4);
}
END_TEST

static Suite *conf_suite(void)
{
	Suite *s = suite_create("plugin_conf");
	TCase *tc = tcase_create("options");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_aggregate_default);
	tcase_add_test(tc, test_aggregate_legacy);
	tcase_add_test(tc, test_aggregate_several);
	tcase_add_test(tc, test_aggregate_flow_and_process);
	tcase_add_test(tc, test_aggregate_bad);
	tcase_add_test(tc, test_netns);
	tcase_add_test(tc, test_top_flows);
	tcase_add_test(tc, test_max_flows);
	tcase_add_test(tc, test_interval);
	tcase_add_test(tc, test_pid);
	tcase_add_test(tc, test_process);
	tcase_add_test(tc, test_ports);
	tcase_add_test(tc, test_family);
	tcase_add_test(tc, test_booleans);
	tcase_add_test(tc, test_unknown_and_blocks);
	tcase_add_test(tc, test_errors_add_up);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(conf_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
