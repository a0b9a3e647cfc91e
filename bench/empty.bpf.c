// SPDX-License-Identifier: GPL-2.0
/*
 * Empty programs on the hooks tcptop and its bpftrace peer use.  With
 * kernel.bpf_stats_enabled, run_time_ns includes the cost of dispatching to
 * a program and of the statistics themselves; an empty program on the same
 * hook in the same run measures exactly that, so "ours minus empty" is the
 * cost of our own instructions.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/*
 * One empty program per hook tcptop uses in any mode, and per hook of the
 * bpftrace peer.  The benchmark loads only those whose hook one of our loaded
 * programs (or the peer) uses; the section name is the hook.
 */
#define BENCH_EMPTY(sec, name)	\
	SEC(sec)		\
	int name(void *ctx)	\
	{			\
		return 0;	\
	}

/* tracepoint mode (BTF-typed tracepoints) */
BENCH_EMPTY("tp_btf/sock_send_length", empty_tp_send)
BENCH_EMPTY("tp_btf/sock_recv_length", empty_tp_recv)
BENCH_EMPTY("tp_btf/tcp_rcv_space_adjust", empty_tp_rcvspc)
BENCH_EMPTY("tp_btf/inet_sock_set_state", empty_tp_state)
BENCH_EMPTY("tp_btf/tcp_destroy_sock", empty_tp_destroy)

/* classic tracepoints: bpftrace's tracepoint:sock:* probes, kprobe mode's destroy hook */
BENCH_EMPTY("tracepoint/sock/sock_send_length", empty_tpc_send)
BENCH_EMPTY("tracepoint/sock/sock_recv_length", empty_tpc_recv)
BENCH_EMPTY("tracepoint/tcp/tcp_destroy_sock", empty_tpc_destr)

/* fentry mode; an empty program reads no argument, so the prototype does not matter */
BENCH_EMPTY("fexit/tcp_sendmsg", empty_fx_send)
BENCH_EMPTY("fexit/tcp_recvmsg", empty_fx_recv)
BENCH_EMPTY("fexit/tcp_sendpage", empty_fx_sendpg)
BENCH_EMPTY("fexit/tcp_splice_read", empty_fx_splice)

/* kprobe mode */
BENCH_EMPTY("kprobe/tcp_sendmsg", empty_kp_send)
BENCH_EMPTY("kretprobe/tcp_sendmsg", empty_krp_send)
BENCH_EMPTY("kprobe/tcp_recvmsg", empty_kp_recv)
BENCH_EMPTY("kretprobe/tcp_recvmsg", empty_krp_recv)
BENCH_EMPTY("kprobe/tcp_sendpage", empty_kp_sendpg)
BENCH_EMPTY("kretprobe/tcp_sendpage", empty_krp_sendpg)
BENCH_EMPTY("kprobe/tcp_splice_read", empty_kp_splice)
BENCH_EMPTY("kretprobe/tcp_splice_read", empty_krp_splice)
