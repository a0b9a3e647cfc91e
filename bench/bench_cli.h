/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tcptop CLI as the tracer under test in the end-to-end benchmark: run
 * `tcptop -j 1` with its output in a file, and read the exact byte counts
 * it printed back, to check them against the ground truth.
 */
#ifndef TCPTOP_BENCH_CLI_H
#define TCPTOP_BENCH_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

struct tcptop_bench_cli {
	pid_t pid;
	char out_path[64];
	char *out;	/* the whole output, once stopped */
	uint64_t drops; /* events dropped, over all intervals */
	double cpu_s;	/* user + system time of the CLI while attached */
	double wall_s;	/* from attached to stopped */
	uint64_t t0_ns;
	double cpu0_s;
};

/* Start `cli -j 1` (or the text screen with text) and wait until it is attached. */
int tcptop_bench_cli_start(const char *cli, bool text, struct tcptop_bench_cli *c);
/* SIGINT (the CLI prints the interval under way), reap, load its output. */
int tcptop_bench_cli_stop(struct tcptop_bench_cli *c);
/* Bytes the CLI reported for process pid's socket lport -> rport (rport 0: any). */
void tcptop_bench_cli_sum(const struct tcptop_bench_cli *c, uint32_t pid, uint16_t lport,
			  uint16_t rport, uint64_t *tx, uint64_t *rx);
void tcptop_bench_cli_free(struct tcptop_bench_cli *c);

#endif
