/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Background connection churn: a process that keeps opening a loopback
 * connection, moving one byte over it and closing it, as fast as it can.
 * Sockets that come and go while a drain runs are what a busy server has;
 * the drain benchmark uses this to check that drains stay exact under it.
 */
#ifndef TCPTOP_BENCH_CHURN_H
#define TCPTOP_BENCH_CHURN_H

#include <sys/types.h>

/* Fork the churning process; 0 or -errno. */
int tcptop_bench_churn_start(pid_t *pid);
/* Stop and reap it; returns the connections it made, or -errno. */
long tcptop_bench_churn_stop(pid_t pid);

#endif
