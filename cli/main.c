// SPDX-License-Identifier: GPL-2.0
/*
 * tcptop: the command.  Parses arguments, attaches through the core, then
 * drains and prints once per interval until the count is reached or
 * SIGINT/SIGTERM arrives; the interval under way is printed before exiting.
 *
 * Exit status: 0 done, 1 tracing could not start or failed, 2 bad usage.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "json.h"
#include "rows.h"
#include "screen.h"
#include "tcptop_core.h"

#define TCPTOP_EXIT_FAILURE 1
#define TCPTOP_EXIT_USAGE 2
#define TCPTOP_CGROUP2_MAGIC 0x63677270	/* CGROUP2_SUPER_MAGIC */

struct tcptop_main_log {
	int verbose;
	bool error_seen;
};

/* The core's messages, each on its own line; "attached in X mode" is INFO. */
static void tcptop_main_log(enum tcptop_log_level level, const char *msg, void *ctx)
{
	struct tcptop_main_log *l = ctx;

	if (level == TCPTOP_LOG_ERROR)
		l->error_seen = true;
	if ((level == TCPTOP_LOG_INFO && l->verbose < 1) ||
	    (level == TCPTOP_LOG_DEBUG && l->verbose < 2))
		return;
	fprintf(stderr, "tcptop: %s%s\n", level == TCPTOP_LOG_WARNING ? "warning: " : "", msg);
}

static int tcptop_main_usage_error(const char *reason)
{
	fprintf(stderr, "tcptop: %s\n%sTry 'tcptop --help' for more information.\n", reason,
		tcptop_args_usage);
	return TCPTOP_EXIT_USAGE;
}

/* A wrong cgroup path is a bad argument, so say so before needing root. */
static int tcptop_main_check_cgroup(const char *path, char *err, size_t errlen)
{
	struct statfs fs;
	struct stat st;

	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "invalid cgroup path '%s': %s", path, strerror(errno));
		return -EINVAL;
	}
	if (!S_ISDIR(st.st_mode) || statfs(path, &fs) != 0 ||
	    (unsigned long)fs.f_type != TCPTOP_CGROUP2_MAGIC) {
		snprintf(err, errlen, "invalid cgroup path '%s': not a cgroup v2 directory", path);
		return -EINVAL;
	}
	return 0;
}

static void tcptop_main_loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static size_t tcptop_main_term_height(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0)
		return 0;
	return ws.ws_row;
}

static void tcptop_main_ts_add(struct timespec *t, uint32_t sec)
{
	t->tv_sec += sec;
}

static bool tcptop_main_ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/*
 * Sleeps until the absolute deadline or until one of sigs arrives (they are
 * blocked, so none can slip in between a check and the sleep).  Returns true
 * when a signal asked us to stop.
 */
static bool tcptop_main_wait(const struct timespec *deadline, const sigset_t *sigs)
{
	for (;;) {
		struct timespec now, left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!tcptop_main_ts_before(&now, deadline))
			return false;
		left.tv_sec = deadline->tv_sec - now.tv_sec;
		left.tv_nsec = deadline->tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		if (sigtimedwait(sigs, NULL, &left) > 0)
			return true;
		/* EAGAIN: the time is up; EINTR: some other signal; both re-check the clock. */
	}
}

static size_t tcptop_main_limit(const struct tcptop_args *a, struct tcptop_screen *scr, bool tty)
{
	if (a->rows > 0)
		return (size_t)a->rows < scr->nrows ? (size_t)a->rows : scr->nrows;
	if (a->rows == TCPTOP_ROWS_AUTO && tty && !a->json)
		return tcptop_screen_fit(scr, tcptop_main_term_height());
	return scr->nrows;
}

static int tcptop_main_print(const struct tcptop_args *a, struct tcptop_rows *rows,
			     const struct tcptop_drain_stats *stats, bool tty)
{
	struct tcptop_screen scr = {
		.clear = !a->noclear && tty,
		.stats = stats,
		.rows = rows->v,
		.nrows = rows->n,
	};
	char clock[16], loadavg[256];
	struct timespec now;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &now);
	if (a->json) {
		scr.nrows = tcptop_main_limit(a, &scr, tty);
		return tcptop_json_print(stdout, &now, rows->v, scr.nrows, stats);
	}
	if (!a->nosummary) {
		if (!localtime_r(&now.tv_sec, &tm) || !strftime(clock, sizeof(clock), "%H:%M:%S", &tm))
			strcpy(clock, "??:??:??");
		tcptop_main_loadavg(loadavg, sizeof(loadavg));
		scr.clock = clock;
		scr.loadavg = loadavg;
	}
	/* After the summary is known: fitting the terminal counts its line. */
	scr.nrows = tcptop_main_limit(a, &scr, tty);
	return tcptop_screen_print(stdout, &scr);
}

static int tcptop_main_run(const struct tcptop_args *a, struct tcptop_tracer *tr,
			   const sigset_t *sigs)
{
	struct tcptop_table *table = NULL;
	struct tcptop_rows rows = { 0 };
	struct tcptop_drain_stats stats;
	struct timespec deadline, now;
	bool tty = isatty(STDOUT_FILENO), stop = false;
	uint64_t done = 0;
	int err;

	err = tcptop_table_new(&table);
	if (err) {
		fprintf(stderr, "tcptop: %s\n", strerror(-err));
		goto cleanup;
	}
	if (!a->json) {
		printf("Tracing... Output every %u secs. Hit Ctrl-C to end\n", a->interval);
		fflush(stdout);
	}
	/* Deadlines are absolute, so the time spent draining and printing never adds up. */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	while (!stop) {
		tcptop_main_ts_add(&deadline, a->interval);
		stop = tcptop_main_wait(&deadline, sigs);
		err = tcptop_tracer_drain(tr, table, &stats);
		if (err) {
			fprintf(stderr, "tcptop: reading the counters failed: %s\n", strerror(-err));
			goto cleanup;
		}
		err = tcptop_rows_collect(&rows, table, a->sort);
		if (err) {
			fprintf(stderr, "tcptop: %s\n", strerror(-err));
			goto cleanup;
		}
		err = tcptop_main_print(a, &rows, &stats, tty);
		if (err) {
			fprintf(stderr, "tcptop: writing the output failed\n");
			goto cleanup;
		}
		if (a->count && ++done >= a->count)
			break;
		/* After a suspend, start a fresh grid instead of printing the missed intervals at once. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (tcptop_main_ts_before(&deadline, &now))
			deadline = now;
	}

cleanup:
	tcptop_rows_free(&rows);
	tcptop_table_free(table);
	return err;
}

int main(int argc, char **argv)
{
	struct tcptop_main_log log = { 0 };
	struct tcptop_tracer *tr = NULL;
	struct tcptop_opts opts = { 0 };
	char err[TCPTOP_ARGS_ERRLEN];
	struct tcptop_args a;
	sigset_t sigs;
	int rc = TCPTOP_EXIT_FAILURE, e;

	if (tcptop_args_parse(argc, argv, &a, err, sizeof(err)))
		return tcptop_main_usage_error(err);
	if (a.help) {
		printf("%s%s", tcptop_args_usage, tcptop_args_help);
		return fflush(stdout) == 0 ? 0 : TCPTOP_EXIT_FAILURE;
	}
	if (a.version) {
		printf("tcptop (collectd-tcptop) %s\n", TCPTOP_VERSION);
		return fflush(stdout) == 0 ? 0 : TCPTOP_EXIT_FAILURE;
	}
	if (a.cgroup && tcptop_main_check_cgroup(a.cgroup, err, sizeof(err)))
		return tcptop_main_usage_error(err);

	/* Blocked from the start: a Ctrl-C while loading still ends with one clean interval. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	log.verbose = a.verbose;
	opts.mode = a.mode;
	opts.pid = a.pid;
	opts.family = a.family;
	opts.cgroup_path = a.cgroup;
	opts.max_flows = a.map_size;
	opts.log = tcptop_main_log;
	opts.log_ctx = &log;
	e = tcptop_tracer_open(&opts, &tr);
	if (e) {
		/* The core names what is missing; add a line only if it said nothing. */
		if (!log.error_seen)
			fprintf(stderr, "tcptop: cannot start tracing: %s\n", strerror(-e));
		goto cleanup;
	}
	if (tcptop_main_run(&a, tr, &sigs) == 0)
		rc = 0;

cleanup:
	tcptop_tracer_close(tr);
	return rc;
}
