// SPDX-License-Identifier: GPL-2.0
/*
 * Which attach modes count exactly on which kernel, decided from the
 * kernel's BTF.  Kernels we cannot boot here (6.3 and 6.4, where
 * sock_send_length exists but sendfile still goes through tcp_sendpage) are
 * described by hand-made BTF with the same functions and tracepoints.
 */
#include <errno.h>
#include <string.h>

#include <bpf/btf.h>
#include <check.h>

#include "tracer_internal.h"

struct kernel_shape {
	bool tracepoints;	/* btf_trace_sock_send_length and friends (6.3+) */
	bool sendpage;		/* tcp_sendpage (before 6.5) */
	int recvmsg_args;	/* 6 before 5.19, 5 after, 4 on 7.2 */
};

static struct btf *fake_kernel(const struct kernel_shape *k)
{
	struct btf *b = btf__new_empty();
	int i, id, proto;

	ck_assert_ptr_nonnull(b);
	id = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	ck_assert_int_gt(id, 0);
	if (k->tracepoints) {
		ck_assert_int_gt(btf__add_typedef(b, "btf_trace_sock_send_length", id), 0);
		ck_assert_int_gt(btf__add_typedef(b, "btf_trace_tcp_rcv_space_adjust", id), 0);
		ck_assert_int_gt(btf__add_typedef(b, "btf_trace_inet_sock_set_state", id), 0);
	}
	proto = btf__add_func_proto(b, id);
	ck_assert_int_gt(btf__add_func_param(b, "sk", id), -1);
	ck_assert_int_gt(btf__add_func(b, "tcp_sendmsg", BTF_FUNC_GLOBAL, proto), 0);
	if (k->sendpage)
		ck_assert_int_gt(btf__add_func(b, "tcp_sendpage", BTF_FUNC_GLOBAL, proto), 0);
	proto = btf__add_func_proto(b, id);
	for (i = 0; i < k->recvmsg_args; i++) {
		static const char *const six[] = { "sk", "msg", "len", "nonblock", "flags", "addr_len" };
		static const char *const five[] = { "sk", "msg", "len", "flags", "addr_len" };

		ck_assert_int_gt(btf__add_func_param(b, k->recvmsg_args == 6 ? six[i] : five[i], id), -1);
	}
	ck_assert_int_gt(btf__add_func(b, "tcp_recvmsg", BTF_FUNC_GLOBAL, proto), 0);
	return b;
}

static int fit(const struct kernel_shape *k, enum tcptop_mode mode, bool forced,
	       struct tcptop_kernel_fit *out, char *why)
{
	struct btf *b = fake_kernel(k);
	int err;

	why[0] = '\0';
	err = tcptop_mode_fit(b, mode, forced, out, why, 256);
	btf__free(b);
	return err;
}

START_TEST(test_newer_kernels_take_tracepoints)
{
	struct kernel_shape k = { .tracepoints = true, .recvmsg_args = 5 };
	struct tcptop_kernel_fit f;
	char why[256];

	ck_assert_int_eq(fit(&k, TCPTOP_MODE_TRACEPOINT, false, &f, why), 0);
	ck_assert(!f.sendpage);
	ck_assert_int_eq(f.recvmsg_flags_arg, 3);
	/* 7.2 dropped addr_len: flags is still found by name. */
	k.recvmsg_args = 4;
	ck_assert_int_eq(fit(&k, TCPTOP_MODE_FENTRY, false, &f, why), 0);
	ck_assert_int_eq(f.recvmsg_flags_arg, 3);
}
END_TEST

START_TEST(test_6_3_and_6_4_not_auto_tracepoint)
{
	struct kernel_shape k = { .tracepoints = true, .sendpage = true, .recvmsg_args = 5 };
	struct tcptop_kernel_fit f;
	char why[256];

	/* auto must not pick a mode that misses sendfile and splice... */
	ck_assert_int_eq(fit(&k, TCPTOP_MODE_TRACEPOINT, false, &f, why), -EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(why, "sendfile"));
	/* ...fentry counts them through tcp_sendpage... */
	ck_assert_int_eq(fit(&k, TCPTOP_MODE_FENTRY, false, &f, why), 0);
	ck_assert(f.sendpage);
	/* ...and tracepoint mode asked for by name hooks tcp_sendpage too. */
	ck_assert_int_eq(fit(&k, TCPTOP_MODE_TRACEPOINT, true, &f, why), 0);
	ck_assert(f.sendpage);
}
END_TEST

START_TEST(test_older_kernels)
{
	struct kernel_shape k = { .sendpage = true, .recvmsg_args = 6 };
	struct tcptop_kernel_fit f;
	char why[256];

	ck_assert_int_eq(fit(&k, TCPTOP_MODE_TRACEPOINT, true, &f, why), -EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(why, "6.3"));
	ck_assert_int_eq(fit(&k, TCPTOP_MODE_FENTRY, false, &f, why), 0);
	ck_assert_int_eq(f.recvmsg_flags_arg, 4);
	ck_assert(f.sendpage);
}
END_TEST

/* One iterator read() walks a million objects at most: the core refuses more flows than that. */
START_TEST(test_max_flows_cap)
{
	struct tcptop_opts opts = { .max_flows = TCPTOP_MAX_FLOWS_LIMIT + 1 };
	struct tcptop_tracer *tr = (struct tcptop_tracer *)&opts;

	ck_assert_uint_eq(TCPTOP_MAX_FLOWS_LIMIT, 1000000);
	ck_assert_int_eq(tcptop_tracer_open(&opts, &tr), -EINVAL);
	ck_assert_ptr_null(tr);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mode_fit");
	TCase *tc = tcase_create("btf");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_newer_kernels_take_tracepoints);
	tcase_add_test(tc, test_6_3_and_6_4_not_auto_tracepoint);
	tcase_add_test(tc, test_older_kernels);
	tcase_add_test(tc, test_max_flows_cap);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
