// SPDX-License-Identifier: GPL-2.0
/*
 * tcptop-traffic: run one scenario of loopback TCP traffic and print the
 * exact bytes each socket endpoint sent and received, one tab-separated line
 * per endpoint and process, once every socket is closed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traffic.h"

static void usage(FILE *f)
{
	const char *const *s;

	fprintf(f,
		"usage: tcptop-traffic [--family ipv4|ipv6|mapped] [--bytes N] [--chunk N]\n"
		"                      [--rchunk N] [--flows N] [--comm NAME] [--duration-ms N]\n"
		"                      [--tick-ms N] [--threads N] [--nodelay]\n"
		"                      [--send write|send|sendmsg|writev|sendfile|splice]\n"
		"                      [--recv read|recv|recvmsg|readv|waitall|peek|splice]\n"
		"                      SCENARIO\n"
		"scenarios:");
	for (s = traffic_scenarios; *s; s++)
		fprintf(f, " %s", *s);
	fprintf(f, "\noutput: pid comm family laddr lport raddr rport tx_bytes rx_bytes\n");
}

static int bad(const char *what, const char *value)
{
	fprintf(stderr, "tcptop-traffic: invalid %s '%s'\n", what, value);
	fprintf(stderr, "Try 'tcptop-traffic --help' for more information.\n");
	return 2;
}

/* Whole decimal numbers only, at least min. */
static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "family", required_argument, NULL, 'f' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "rchunk", required_argument, NULL, 'r' },
		{ "flows", required_argument, NULL, 'n' },
		{ "comm", required_argument, NULL, 'C' },
		{ "duration-ms", required_argument, NULL, 'd' },
		{ "tick-ms", required_argument, NULL, 't' },
		{ "threads", required_argument, NULL, 'T' },
		{ "nodelay", no_argument, NULL, 'N' },
		{ "send", required_argument, NULL, 's' },
		{ "recv", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct traffic_result r = { 0 };
	struct traffic_opts o;
	const char *const *s;
	uint64_t v;
	int c, err;

	traffic_opts_init(&o);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (traffic_family_parse(optarg, &o.family))
				return bad("family", optarg);
			break;
		case 'b':
			if (parse_u64(optarg, 0, UINT64_MAX, &v))
				return bad("byte count", optarg);
			o.bytes = v;
			break;
		case 'c':
		case 'r':
			if (parse_u64(optarg, 1, 1 << 26, &v))
				return bad("chunk size", optarg);
			*(c == 'c' ? &o.chunk : &o.rchunk) = v;
			break;
		case 'n':
			if (parse_u64(optarg, 1, 100000, &v))
				return bad("flow count", optarg);
			o.flows = v;
			break;
		case 'C':
			if (!*optarg)
				return bad("comm", optarg);
			o.comm = optarg;
			break;
		case 'd':
			if (parse_u64(optarg, 0, 86400000, &v))
				return bad("duration", optarg);
			o.duration_ms = v;
			break;
		case 't':
			if (parse_u64(optarg, 1, 60000, &v))
				return bad("tick", optarg);
			o.tick_ms = v;
			break;
		case 'T':
			if (parse_u64(optarg, 1, 1024, &v))
				return bad("thread count", optarg);
			o.threads = v;
			break;
		case 'N':
			o.nodelay = true;
			break;
		case 's':
			if (traffic_send_parse(optarg, &o.send))
				return bad("send method", optarg);
			break;
		case 'R':
			if (traffic_recv_parse(optarg, &o.recv))
				return bad("receive method", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "tcptop-traffic: exactly one SCENARIO is needed\n");
		usage(stderr);
		return 2;
	}
	o.scenario = argv[optind];
	for (s = traffic_scenarios; *s && strcmp(*s, o.scenario); s++)
		;
	if (!*s)
		return bad("scenario", o.scenario);

	err = traffic_run(&o, &r);
	if (err) {
		fprintf(stderr, "tcptop-traffic: %s: %s\n", o.scenario, strerror(-err));
		traffic_result_free(&r);
		return 1;
	}
	traffic_result_print(stdout, &o, &r);
	traffic_result_free(&r);
	return fflush(stdout) ? 1 : 0;
}
