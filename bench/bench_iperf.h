/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iperf3 on 127.0.0.1 for the bulk workload: one server for the whole
 * benchmark, one client run per measurement, and the exact byte counts
 * iperf3 reports for its data stream (the ground truth of the run).
 */
#ifndef TCPTOP_BENCH_IPERF_H
#define TCPTOP_BENCH_IPERF_H

#include <stdint.h>
#include <sys/types.h>

/*
 * Before the test, the client writes its 37-byte session cookie (an ASCII
 * UUID and its NUL) on every data stream too; iperf3's byte counts leave it
 * out, the socket does not.
 */
#define BENCH_IPERF_COOKIE 37

struct tcptop_bench_iperf_server {
	pid_t pid;
	uint16_t port;
};

/* -ENOENT when iperf3 is not installed. */
int tcptop_bench_iperf_server_start(struct tcptop_bench_iperf_server *s);
void tcptop_bench_iperf_server_stop(struct tcptop_bench_iperf_server *s);

struct tcptop_bench_iperf_run {
	pid_t client_pid;
	uint16_t client_port;	 /* local port of the client's data socket */
	uint64_t sent_bytes;	 /* by the client's data socket */
	uint64_t received_bytes; /* by the server's data socket */
	double received_bps;
	uint64_t cpu_ns; /* CPU time of client and server over the run */
};

int tcptop_bench_iperf_client(const struct tcptop_bench_iperf_server *s, int secs,
			      struct tcptop_bench_iperf_run *r);

#endif
