// SPDX-License-Identifier: GPL-2.0
/*
 * Argument parsing.  getopt_long gives the original tool's syntax (bundled
 * short options such as -Cp 181, long options with '=' or a separate value,
 * positional arguments anywhere, "--"); every value is then checked strictly,
 * because a typo that silently became a default would hide the wrong data.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "args.h"


enum {
	TCPTOP_OPT_MAP_SIZE = 256,	/* long-only options sit above every char */
};

const char tcptop_args_usage[] =
	"usage: tcptop [-h] [-V] [-v] [-C] [-S] [-j] [-p PID] [-4|-6] [-c PATH]\n"
	"              [-s all|sent|received] [-r ROWS] [-P MODE] [--map-size N]\n"
	"              [interval] [count]\n";

const char tcptop_args_help[] =
	"\n"
	"Summarize TCP send/receive throughput by process and connection, exactly.\n"
	"\n"
	"positional arguments:\n"
	"  interval              output interval, in seconds (default 1)\n"
	"  count                 number of outputs (default: until Ctrl-C)\n"
	"\n"
	"options:\n"
	"  -h, --help            show this help message and exit\n"
	"  -V, --version         show the version and exit\n"
	"  -v, --verbose         say which attach mode was chosen (twice: libbpf's messages too)\n"
	"  -C, --noclear         don't clear the screen\n"
	"  -S, --nosummary       skip the system summary line (loadavg)\n"
	"  -j, --json            one JSON object per interval, exact byte counts\n"
	"  -p PID, --pid PID     trace this PID only\n"
	"  -4, --ipv4            trace IPv4 only (IPv4-mapped IPv6 counts as IPv4)\n"
	"  -6, --ipv6            trace IPv6 only\n"
	"  -c PATH, --cgroup PATH\n"
	"                        trace only processes in this cgroup v2 directory\n"
	"  -s KEY, --sort KEY    order rows by all (default), sent or received bytes\n"
	"  -r ROWS, --rows ROWS  print at most ROWS rows; 0: no limit (default: fit the\n"
	"                        terminal when output is a terminal, otherwise no limit)\n"
	"  -P MODE, --probe MODE attach mode: auto (default), tracepoint, fentry, kprobe\n"
	"  --map-size N          track at most N sockets at once (default 16384); events\n"
	"                        beyond it are counted and reported as dropped\n"
	"\n"
	"examples:\n"
	"  tcptop                # trace TCP send/recv by host\n"
	"  tcptop -C             # don't clear the screen\n"
	"  tcptop -p 181         # only trace PID 181\n"
	"  tcptop -Cp 181 5      # PID 181, rolling output, 5 second summaries\n"
	"  tcptop -j 10 6        # one minute as six JSON lines\n";

static const struct option tcptop_args_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "noclear", no_argument, NULL, 'C' },
	{ "nosummary", no_argument, NULL, 'S' },
	{ "json", no_argument, NULL, 'j' },
	{ "pid", required_argument, NULL, 'p' },
	{ "ipv4", no_argument, NULL, '4' },
	{ "ipv6", no_argument, NULL, '6' },
	{ "cgroup", required_argument, NULL, 'c' },
	{ "sort", required_argument, NULL, 's' },
	{ "rows", required_argument, NULL, 'r' },
	{ "probe", required_argument, NULL, 'P' },
	{ "map-size", required_argument, NULL, TCPTOP_OPT_MAP_SIZE },
	{ NULL, 0, NULL, 0 },
};

/* Leading ':' makes a missing value come back as ':' instead of '?'. */
static const char tcptop_args_shortopts[] = ":hVvCSjp:46c:s:r:P:";

static int tcptop_args_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int tcptop_args_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* Values are quoted as typed: a newline or an escape sequence in one must not reach the terminal. */
	for (p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -EINVAL;
}

/*
 * A plain decimal number: digits only (no sign, space, base prefix or
 * trailing text), at most max.  Returns 0, -EINVAL (not a number) or
 * -ERANGE (too large).
 */
static int tcptop_args_number(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* Parses a value in [min, max] or explains, naming what the value was for. */
static int tcptop_args_range(const char *what, const char *s, uint64_t min, uint64_t max,
			     uint64_t *out, char *err, size_t errlen)
{
	int e = tcptop_args_number(s, max, out);

	if (e == -ERANGE)
		return tcptop_args_fail(err, errlen, "invalid %s '%s': too large (at most %llu)",
					what, s, (unsigned long long)max);
	if ((e || *out < min) && max == UINT64_MAX)
		return tcptop_args_fail(err, errlen,
					"invalid %s '%s': expected a whole number of at least %llu", what,
					s, (unsigned long long)min);
	if (e || *out < min)
		return tcptop_args_fail(err, errlen,
					"invalid %s '%s': expected a whole number from %llu to %llu",
					what, s, (unsigned long long)min, (unsigned long long)max);
	return 0;
}

/* The option's spelling for messages: "-p/--pid", or "--map-size" for long-only ones. */
static void tcptop_args_option_name(int val, char *buf, size_t len)
{
	const struct option *o;

	for (o = tcptop_args_longopts; o->name; o++) {
		if (o->val != val)
			continue;
		if (val < 256)
			snprintf(buf, len, "-%c/--%s", val, o->name);
		else
			snprintf(buf, len, "--%s", o->name);
		return;
	}
	snprintf(buf, len, "-%c", val);
}

static int tcptop_args_bad_option(int argc, char **argv, char *err, size_t errlen)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

	/* A short option getopt does not know: report the character, not the whole bundle. */
	if (optopt && optopt < 256 &&
	    (optopt == ':' || !strchr(tcptop_args_shortopts + 1, optopt))) {
		if (optopt >= '0' && optopt <= '9')
			return tcptop_args_fail(err, errlen,
						"unknown option '-%c' (interval and count must be positive whole numbers)",
						optopt);
		if (optopt > ' ' && optopt < 0x7f)
			return tcptop_args_fail(err, errlen, "unknown option '-%c'", optopt);
		return tcptop_args_fail(err, errlen, "unknown option character 0x%02x",
					(unsigned)optopt & 0xff);
	}
	/* An unknown or ambiguous long option, or a value given to a flag (--noclear=1). */
	if (strncmp(arg, "--", 2) == 0 && strchr(arg, '=') && optopt)
		return tcptop_args_fail(err, errlen, "option '%.*s' takes no value",
					(int)(strchr(arg, '=') - arg), arg);
	return tcptop_args_fail(err, errlen, "unknown or ambiguous option '%s'", arg);
}

static int tcptop_args_option(int c, const char *val, struct tcptop_args *a, bool *want4,
			      bool *want6, char *err, size_t errlen)
{
	uint64_t n;
	int e;

	switch (c) {
	case 'v':
		a->verbose++;
		return 0;
	case 'C':
		a->noclear = true;
		return 0;
	case 'S':
		a->nosummary = true;
		return 0;
	case 'j':
		a->json = true;
		return 0;
	case '4':
		*want4 = true;
		return 0;
	case '6':
		*want6 = true;
		return 0;
	case 'p':
		e = tcptop_args_range("PID", val, 1, TCPTOP_PID_MAX, &n, err, errlen);
		a->pid = (uint32_t)n;
		return e;
	case 'c':
		if (!*val)
			return tcptop_args_fail(err, errlen, "invalid cgroup path '': empty");
		a->cgroup = val;
		return 0;
	case 's':
		if (tcptop_sort_parse(val, &a->sort))
			return tcptop_args_fail(err, errlen,
						"invalid sort key '%s': expected all, sent or received", val);
		return 0;
	case 'r':
		e = tcptop_args_range("row count", val, 0, 1000000000, &n, err, errlen);
		a->rows = (long)n;
		return e;
	case 'P':
		if (tcptop_mode_parse(val, &a->mode))
			return tcptop_args_fail(err, errlen,
						"invalid attach mode '%s': expected auto, tracepoint, fentry or kprobe",
						val);
		return 0;
	case TCPTOP_OPT_MAP_SIZE:
		e = tcptop_args_range("map size", val, 1, TCPTOP_MAX_FLOWS_LIMIT, &n, err, errlen);
		a->map_size = (uint32_t)n;
		return e;
	default:
		return tcptop_args_fail(err, errlen, "internal error: option %d not handled", c);
	}
}

int tcptop_args_parse(int argc, char **argv, struct tcptop_args *out, char *err, size_t errlen)
{
	struct tcptop_args a = { .rows = TCPTOP_ROWS_AUTO, .interval = 1 };
	bool want4 = false, want6 = false;
	uint64_t n;
	int c, e;

	err[0] = '\0';
	/* 0, not 1: glibc then also resets its state for a fresh argv (tests parse many). */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, tcptop_args_shortopts, tcptop_args_longopts, NULL)) != -1) {
		char name[32];

		switch (c) {
		case 'h':
			a.help = true;
			*out = a;
			return 0;
		case 'V':
			a.version = true;
			*out = a;
			return 0;
		case ':':
			tcptop_args_option_name(optopt, name, sizeof(name));
			return tcptop_args_fail(err, errlen, "option %s needs a value", name);
		case '?':
			return tcptop_args_bad_option(argc, argv, err, errlen);
		default:
			e = tcptop_args_option(c, optarg, &a, &want4, &want6, err, errlen);
			if (e)
				return e;
		}
	}
	if (want4 && want6)
		return tcptop_args_fail(err, errlen,
					"-4/--ipv4 and -6/--ipv6 exclude each other (give neither for both families)");
	a.family = want4 ? AF_INET : want6 ? AF_INET6 : 0;

	if (optind < argc) {
		e = tcptop_args_range("interval", argv[optind], 1, TCPTOP_ARGS_MAX_INTERVAL, &n, err,
				      errlen);
		if (e)
			return e;
		a.interval = (uint32_t)n;
		optind++;
	}
	if (optind < argc) {
		e = tcptop_args_range("count", argv[optind], 1, UINT64_MAX, &n, err, errlen);
		if (e)
			return e;
		a.count = n;
		optind++;
	}
	if (optind < argc)
		return tcptop_args_fail(err, errlen, "unexpected argument '%s' after interval and count",
					argv[optind]);
	*out = a;
	return 0;
}
