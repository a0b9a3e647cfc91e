/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the benchmarks: clocks, sample series (median and
 * spread), BPF program statistics, process memory and resource limits.
 * Benchmarks print; these helpers only return 0 or -errno.
 */
#ifndef TCPTOP_BENCH_UTIL_H
#define TCPTOP_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tcptop_core.h"

/* Exit status of a benchmark that cannot load BPF: skip, or fail when BPF is required. */
int tcptop_bench_exit_no_bpf(void);

uint64_t tcptop_bench_now_ns(void);
/* CPU time of this process (CLOCK_PROCESS_CPUTIME_ID). */
uint64_t tcptop_bench_cpu_now_ns(void);
void tcptop_bench_sleep_ms(unsigned ms);

/* ---- sample series -------------------------------------------------------- */

struct tcptop_bench_series {
	double *v;
	size_t n;
	size_t cap;
};

int tcptop_bench_series_add(struct tcptop_bench_series *s, double x);
void tcptop_bench_series_free(struct tcptop_bench_series *s);
/* q in [0, 1], linear interpolation between order statistics; NAN when empty. */
double tcptop_bench_series_quantile(const struct tcptop_bench_series *s, double q);
double tcptop_bench_series_median(const struct tcptop_bench_series *s);
double tcptop_bench_series_min(const struct tcptop_bench_series *s);
double tcptop_bench_series_max(const struct tcptop_bench_series *s);

/* ---- BPF programs ------------------------------------------------------------ */

#define BENCH_PROG_NAME_LEN 16

struct tcptop_bench_prog {
	uint32_t id;
	char name[BENCH_PROG_NAME_LEN];
	uint64_t run_time_ns;
	uint64_t run_cnt;
};

/*
 * Programs held open by process pid (0: this process) whose name starts with
 * prefix ("" for all).  Ownership through /proc/PID/fd keeps us clear of the
 * same programs loaded by somebody else's tracer at the same time.
 */
int tcptop_bench_progs_of_pid(pid_t pid, const char *prefix, struct tcptop_bench_prog *out, int max,
			      int *count);
/* Refresh run_time_ns and run_cnt of p (by id). */
int tcptop_bench_prog_refresh(struct tcptop_bench_prog *p);
/* Same for a program fd we hold. */
int tcptop_bench_prog_from_fd(int fd, struct tcptop_bench_prog *p);

/* How many fds of pid (0: this process) are anon_inode:<kind> ("bpf_link", "bpf-prog"). */
int tcptop_bench_count_anon_fds(pid_t pid, const char *kind);

/*
 * Sum of the memlock lines of the BPF maps process pid holds (0: this
 * process), and the largest value size of its socket storage maps.
 */
int tcptop_bench_maps_memlock(pid_t pid, const char *name_prefix, uint64_t *bytes, int *nmaps,
			      uint32_t *sk_storage_value);

/* ---- processes ---------------------------------------------------------------- */

/* VmRSS / VmHWM of pid (0: this process), in KiB. */
long tcptop_bench_rss_kb(pid_t pid);
long tcptop_bench_hwm_kb(pid_t pid);
/* CPU time task pid has run so far, in ns (scheduler's count, /proc/PID/schedstat); -1 on error. */
int64_t tcptop_bench_task_cpu_ns(pid_t pid);
/* User + system CPU time pid has used so far, in seconds; negative on error. */
double tcptop_bench_proc_cpu_s(pid_t pid);
/* Raise RLIMIT_NOFILE (soft and hard) to at least want. */
int tcptop_bench_raise_nofile(uint64_t want);
/* Read / write an integer sysctl such as "net/core/somaxconn". */
int tcptop_bench_sysctl_get(const char *name, long *val);
int tcptop_bench_sysctl_set(const char *name, long val);

/* Log callback for the core: warnings and errors to stderr, prefixed. */
void tcptop_bench_core_log(enum tcptop_log_level level, const char *msg, void *ctx);

/*
 * Bytes this drain (deltas) of the table entries of process tgid whose local
 * port is lport (0: any port).  entries counts the matching entries.
 */
void tcptop_bench_table_sum(struct tcptop_table *t, uint32_t tgid, uint16_t lport, uint64_t *tx,
			    uint64_t *rx, size_t *entries);
/* Same over the entries of any of the npids processes in pids, any port. */
void tcptop_bench_table_sum_pids(struct tcptop_table *t, const uint32_t *pids, int npids,
				 uint64_t *tx, uint64_t *rx, size_t *entries);

/* The whole file at path, NUL-terminated, in *out (free it); 0 or -errno. */
int tcptop_bench_read_file(const char *path, char **out);

/* Parse "1000,10000" style lists; returns the count or -EINVAL. */
int tcptop_bench_parse_list(const char *s, long *out, int max);

#endif
