// SPDX-License-Identifier: GPL-2.0
/* Benchmark helpers: see bench_util.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "bench_util.h"

int tcptop_bench_exit_no_bpf(void)
{
	const char *req = getenv("TCPTOP_REQUIRE_BPF");

	return req && strcmp(req, "1") == 0 ? 1 : 77;
}

uint64_t tcptop_bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t tcptop_bench_cpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void tcptop_bench_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int tcptop_bench_series_add(struct tcptop_bench_series *s, double x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		double *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
	return 0;
}

void tcptop_bench_series_free(struct tcptop_bench_series *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static int tcptop_bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double tcptop_bench_series_quantile(const struct tcptop_bench_series *s, double q)
{
	double *v, pos, r;
	size_t lo;

	if (!s->n)
		return NAN;
	v = malloc(s->n * sizeof(*v));
	if (!v)
		return NAN;
	memcpy(v, s->v, s->n * sizeof(*v));
	qsort(v, s->n, sizeof(*v), tcptop_bench_cmp_double);
	pos = q * (double)(s->n - 1);
	lo = (size_t)pos;
	r = lo + 1 < s->n ? v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]) : v[lo];
	free(v);
	return r;
}

double tcptop_bench_series_median(const struct tcptop_bench_series *s)
{
	return tcptop_bench_series_quantile(s, 0.5);
}

double tcptop_bench_series_min(const struct tcptop_bench_series *s)
{
	return tcptop_bench_series_quantile(s, 0.0);
}

double tcptop_bench_series_max(const struct tcptop_bench_series *s)
{
	return tcptop_bench_series_quantile(s, 1.0);
}

int tcptop_bench_prog_from_fd(int fd, struct tcptop_bench_prog *p)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	p->id = info.id;
	snprintf(p->name, sizeof(p->name), "%s", info.name);
	p->run_time_ns = info.run_time_ns;
	p->run_cnt = info.run_cnt;
	return 0;
}

int tcptop_bench_prog_refresh(struct tcptop_bench_prog *p)
{
	int fd = bpf_prog_get_fd_by_id(p->id);
	int err;

	if (fd < 0)
		return -errno;
	err = tcptop_bench_prog_from_fd(fd, p);
	close(fd);
	return err;
}

/* Value of "key:\t123" in a /proc fdinfo file; -ENOENT when absent. */
static int tcptop_bench_fdinfo_u64(const char *path, const char *key, uint64_t *val)
{
	char line[256];
	size_t klen = strlen(key);
	FILE *f = fopen(path, "r");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			*val = strtoull(line + klen + 1, NULL, 10);
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

/*
 * Calls fn for every fd of pid whose link target is anon_inode:<kind>, with
 * the path of its fdinfo file.  Stops early when fn returns non-zero.
 */
static int tcptop_bench_walk_fds(pid_t pid, const char *kind,
				 int (*fn)(const char *fdinfo, void *ctx), void *ctx)
{
	char dir[32], link[320], target[128], info[320];
	struct dirent *de;
	DIR *d;
	ssize_t n;
	int err = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid ? (int)pid : (int)getpid());
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strncmp(target, "anon_inode:", 11) != 0 || strcmp(target + 11, kind) != 0)
			continue;
		snprintf(info, sizeof(info), "/proc/%d/fdinfo/%s", pid ? (int)pid : (int)getpid(),
			 de->d_name);
		err = fn(info, ctx);
		if (err)
			break;
	}
	closedir(d);
	return err < 0 ? err : 0;
}

static int tcptop_bench_count_one(const char *fdinfo, void *ctx)
{
	(void)fdinfo;
	(*(int *)ctx)++;
	return 0;
}

int tcptop_bench_count_anon_fds(pid_t pid, const char *kind)
{
	int n = 0, err = tcptop_bench_walk_fds(pid, kind, tcptop_bench_count_one, &n);

	return err ? err : n;
}

struct tcptop_bench_prog_walk {
	const char *prefix;
	struct tcptop_bench_prog *out;
	int max;
	int count;
};

static int tcptop_bench_prog_walk_one(const char *fdinfo, void *ctx)
{
	struct tcptop_bench_prog_walk *w = ctx;
	struct tcptop_bench_prog p;
	uint64_t id;
	int i;

	if (tcptop_bench_fdinfo_u64(fdinfo, "prog_id", &id))
		return 0;
	memset(&p, 0, sizeof(p));
	p.id = (uint32_t)id;
	if (tcptop_bench_prog_refresh(&p))
		return 0;
	if (strncmp(p.name, w->prefix, strlen(w->prefix)) != 0)
		return 0;
	for (i = 0; i < w->count; i++)
		if (w->out[i].id == p.id)
			return 0;
	if (w->count == w->max)
		return -ENOSPC;
	w->out[w->count++] = p;
	return 0;
}

int tcptop_bench_progs_of_pid(pid_t pid, const char *prefix, struct tcptop_bench_prog *out, int max,
			      int *count)
{
	struct tcptop_bench_prog_walk w = { .prefix = prefix, .out = out, .max = max };
	int err = tcptop_bench_walk_fds(pid, "bpf-prog", tcptop_bench_prog_walk_one, &w);

	*count = w.count;
	return err;
}

struct tcptop_bench_map_walk {
	const char *prefix;
	uint64_t bytes;
	int nmaps;
	uint32_t sk_storage_value;
	uint32_t seen[64];
};

static int tcptop_bench_map_walk_one(const char *fdinfo, void *ctx)
{
	struct tcptop_bench_map_walk *w = ctx;
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	uint64_t id, memlock;
	int fd, i;

	if (tcptop_bench_fdinfo_u64(fdinfo, "map_id", &id) ||
	    tcptop_bench_fdinfo_u64(fdinfo, "memlock", &memlock))
		return 0;
	for (i = 0; i < w->nmaps; i++)
		if (w->seen[i] == id)
			return 0;
	fd = bpf_map_get_fd_by_id((uint32_t)id);
	if (fd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
	    strncmp(info.name, w->prefix, strlen(w->prefix)) == 0 &&
	    w->nmaps < (int)(sizeof(w->seen) / sizeof(w->seen[0]))) {
		w->seen[w->nmaps++] = (uint32_t)id;
		w->bytes += memlock;
		if (info.type == BPF_MAP_TYPE_SK_STORAGE && info.value_size > w->sk_storage_value)
			w->sk_storage_value = info.value_size;
	}
	close(fd);
	return 0;
}

int tcptop_bench_maps_memlock(pid_t pid, const char *name_prefix, uint64_t *bytes, int *nmaps,
			      uint32_t *sk_storage_value)
{
	struct tcptop_bench_map_walk w = { .prefix = name_prefix };
	int err = tcptop_bench_walk_fds(pid, "bpf-map", tcptop_bench_map_walk_one, &w);

	*bytes = w.bytes;
	*nmaps = w.nmaps;
	*sk_storage_value = w.sk_storage_value;
	return err;
}

static long tcptop_bench_status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid ? (int)pid : (int)getpid());
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			kb = strtol(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

long tcptop_bench_rss_kb(pid_t pid)
{
	return tcptop_bench_status_kb(pid, "VmRSS");
}

long tcptop_bench_hwm_kb(pid_t pid)
{
	return tcptop_bench_status_kb(pid, "VmHWM");
}

int64_t tcptop_bench_task_cpu_ns(pid_t pid)
{
	char path[64];
	long long ns = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid ? (int)pid : (int)getpid());
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &ns) != 1)
		ns = -1;
	fclose(f);
	return ns;
}

double tcptop_bench_proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long utime, stime;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid ? (int)pid : (int)getpid());
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields 14 and 15, counted after the parenthesised comm (which may hold spaces). */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
			 &stime) != 2)
		return -1;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

int tcptop_bench_raise_nofile(uint64_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	rl.rlim_cur = want;
	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}

int tcptop_bench_sysctl_get(const char *name, long *val)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fscanf(f, "%ld", val) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

int tcptop_bench_sysctl_set(const char *name, long val)
{
	char path[128];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fprintf(f, "%ld\n", val) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

void tcptop_bench_core_log(enum tcptop_log_level level, const char *msg, void *ctx)
{
	const char *who = ctx ? ctx : "bench";

	if (level <= TCPTOP_LOG_WARNING)
		fprintf(stderr, "%s: %s: %s\n", who,
			level == TCPTOP_LOG_ERROR ? "error" : "warning", msg);
}

int tcptop_bench_read_file(const char *path, char **out)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	size_t n;
	int err = 0;

	*out = NULL;
	if (!f)
		return -errno;
	if (fstat(fileno(f), &st)) {
		err = -errno;
		goto cleanup;
	}
	*out = malloc((size_t)st.st_size + 1);
	if (!*out) {
		err = -ENOMEM;
		goto cleanup;
	}
	n = fread(*out, 1, (size_t)st.st_size, f);
	(*out)[n] = '\0';

cleanup:
	fclose(f);
	return err;
}

int tcptop_bench_parse_list(const char *s, long *out, int max)
{
	int n = 0;
	char *end;

	while (*s) {
		long v = strtol(s, &end, 10);

		if (end == s || v <= 0 || n == max || (*end && *end != ','))
			return -EINVAL;
		out[n++] = v;
		s = *end ? end + 1 : end;
	}
	return n ? n : -EINVAL;
}

void tcptop_bench_table_sum(struct tcptop_table *t, uint32_t tgid, uint16_t lport, uint64_t *tx,
			    uint64_t *rx, size_t *entries)
{
	size_t i, n = tcptop_table_count(t);

	*tx = *rx = 0;
	*entries = 0;
	for (i = 0; i < n; i++) {
		const struct tcptop_flow_entry *e = tcptop_table_at(t, i);

		if (e->tgid != tgid || (lport && e->lport != lport))
			continue;
		*tx += e->tx_delta;
		*rx += e->rx_delta;
		(*entries)++;
	}
}

void tcptop_bench_table_sum_pids(struct tcptop_table *t, const uint32_t *pids, int npids,
				 uint64_t *tx, uint64_t *rx, size_t *entries)
{
	size_t i, n = tcptop_table_count(t);
	int k;

	*tx = *rx = 0;
	*entries = 0;
	for (i = 0; i < n; i++) {
		const struct tcptop_flow_entry *e = tcptop_table_at(t, i);

		for (k = 0; k < npids && e->tgid != pids[k]; k++)
			;
		if (k == npids)
			continue;
		*tx += e->tx_delta;
		*rx += e->rx_delta;
		(*entries)++;
	}
}
