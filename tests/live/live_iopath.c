// SPDX-License-Identifier: GPL-2.0
/*
 * Exactness on every I/O path: each way of moving bytes
 * through a TCP socket, on 127.0.0.1, ::1 and ::ffff:127.0.0.1, must be
 * counted exactly per socket, for tx and rx, under the right process.
 *
 * Usage: live_iopath [CASE...]   (default: every case; names as printed)
 */
#include <stdio.h>
#include <string.h>

#include "live_util.h"

struct iopath_case {
	const char *name;
	const char *scenario;
	enum traffic_send send;
	enum traffic_recv recv;
	uint64_t bytes;
	size_t chunk;
	size_t rchunk;
};

static const struct iopath_case cases[] = {
	{ "write/read", "echo", TRAFFIC_SEND_WRITE, TRAFFIC_RECV_READ, 4 << 20, 65536, 0 },
	{ "send/recv", "echo", TRAFFIC_SEND_SEND, TRAFFIC_RECV_RECV, 4 << 20, 65536, 0 },
	{ "sendmsg/recvmsg", "echo", TRAFFIC_SEND_SENDMSG, TRAFFIC_RECV_RECVMSG, 4 << 20, 65536, 0 },
	{ "writev/readv", "echo", TRAFFIC_SEND_WRITEV, TRAFFIC_RECV_READV, 4 << 20, 65536, 0 },
	{ "sendfile", "echo", TRAFFIC_SEND_SENDFILE, TRAFFIC_RECV_READ, 4 << 20, 65536, 0 },
	{ "splice pipe->socket", "echo", TRAFFIC_SEND_SPLICE, TRAFFIC_RECV_READ, 4 << 20, 65536, 0 },
	{ "splice socket->pipe", "echo", TRAFFIC_SEND_WRITE, TRAFFIC_RECV_SPLICE, 4 << 20, 65536, 0 },
	{ "MSG_WAITALL 1 MiB reads", "bulk", TRAFFIC_SEND_WRITE, TRAFFIC_RECV_WAITALL, 16 << 20,
	  65536, 1 << 20 },
	{ "MSG_WAITALL echo", "echo", TRAFFIC_SEND_WRITE, TRAFFIC_RECV_WAITALL, 4 << 20, 65536,
	  4096 },
	{ "MSG_PEEK then recv", "echo", TRAFFIC_SEND_WRITE, TRAFFIC_RECV_PEEK, 4 << 20, 65536, 0 },
	{ "nonblock write EAGAIN", "nonblock", TRAFFIC_SEND_WRITE, TRAFFIC_RECV_READ, 2 << 20,
	  65536, 0 },
	{ "nonblock sendmsg EAGAIN", "nonblock", TRAFFIC_SEND_SENDMSG, TRAFFIC_RECV_READ, 2 << 20,
	  65536, 0 },
	{ "nonblock sendfile EAGAIN", "nonblock", TRAFFIC_SEND_SENDFILE, TRAFFIC_RECV_READ,
	  2 << 20, 65536, 0 },
	{ "nonblock splice EAGAIN", "nonblock", TRAFFIC_SEND_SPLICE, TRAFFIC_RECV_READ, 2 << 20,
	  65536, 0 },
	{ "TCP_NODELAY 1-byte", "nodelay", TRAFFIC_SEND_WRITE, TRAFFIC_RECV_READ, 5000, 1, 0 },
	{ "fork: child uses the socket", "fork", TRAFFIC_SEND_SEND, TRAFFIC_RECV_RECV, 3 << 20,
	  65536, 0 },
	{ "threads share a socket", "threads", TRAFFIC_SEND_WRITE, TRAFFIC_RECV_READ, 8 << 20,
	  16384, 0 },
	{ "client closes, data queued", "close-client", TRAFFIC_SEND_WRITE, TRAFFIC_RECV_READ,
	  4 << 20, 65536, 0 },
	{ "server closes, data queued", "close-server", TRAFFIC_SEND_WRITE, TRAFFIC_RECV_READ,
	  4 << 20, 65536, 65536 },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static bool selected(int argc, char **argv, const char *name)
{
	int i;

	if (argc < 2)
		return true;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], name) == 0)
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	struct live l;
	char label[128];
	size_t c, i;
	int bad_cases = 0, ran = 0;
	char summary[NCASES][3];

	live_init(&l, "live_iopath");
	live_open_or_skip(&l, NULL);
	memset(summary, '-', sizeof(summary));
	for (c = 0; c < NCASES; c++) {
		if (!selected(argc, argv, cases[c].name))
			continue;
		for (i = 0; i < 3; i++) {
			struct traffic_opts o;
			int bad;

			traffic_opts_init(&o);
			o.family = live_families[i];
			o.scenario = cases[c].scenario;
			o.send = cases[c].send;
			o.recv = cases[c].recv;
			o.bytes = cases[c].bytes;
			o.chunk = cases[c].chunk;
			o.rchunk = cases[c].rchunk;
			o.comm = "tt-forked";
			snprintf(label, sizeof(label), "%s %s", cases[c].name,
				 live_family_label(o.family));
			bad = live_run_case(&l, &o, label, 10, NULL);
			summary[c][i] = bad ? 'X' : 'E';
			bad_cases += bad != 0;
			ran++;
		}
	}
	/* One table at the end, for the I/O path x mode x kernel matrix. */
	printf("live_iopath: summary (%s mode; E exact, X not exact):\n",
	       l.tr ? tcptop_mode_name(tcptop_tracer_mode(l.tr)) : "?");
	printf("live_iopath:   %-30s %-5s %-5s %-5s\n", "case", "v4", "v6", "mapped");
	for (c = 0; c < NCASES; c++) {
		if (selected(argc, argv, cases[c].name))
			printf("live_iopath:   %-30s %-5c %-5c %-5c\n", cases[c].name, summary[c][0],
			       summary[c][1], summary[c][2]);
	}
	printf("live_iopath: %d of %d runs not exact\n", bad_cases, ran);
	return live_finish(&l);
}
