// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_traffic: for each COMM given in hex on the command line, a forked
 * child renamed to exactly those bytes (prctl PR_SET_NAME: spaces, '/', '%n',
 * control bytes, invalid UTF-8...) connects over loopback and moves real
 * bytes both ways (the generator's "child" scenario).  Prints one line per
 * endpoint with the COMM in hex, so no byte of it can break the output:
 *
 *   pid  comm_hex  family  laddr  lport  raddr  rport  tx_bytes  rx_bytes
 *
 * usage: hostile_traffic [--family ipv4|ipv6|mapped] [--bytes N] HEX...
 * ("-" stands for the empty COMM).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traffic.h"

static int hostile_unhex(const char *hex, char *out, size_t len)
{
	size_t n = strlen(hex), i;

	if (strcmp(hex, "-") == 0) {
		out[0] = '\0';
		return 0;
	}
	if (n % 2 || n / 2 >= len)
		return -EINVAL;
	for (i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1 || !v)
			return -EINVAL;
		out[i] = (char)v;
	}
	out[n / 2] = '\0';
	return 0;
}

static void hostile_print(const struct traffic_endpoint *e)
{
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];
	size_t i;

	inet_ntop(e->family, e->laddr, la, sizeof(la));
	inet_ntop(e->family, e->raddr, ra, sizeof(ra));
	printf("%d\t", (int)e->pid);
	for (i = 0; i < sizeof(e->comm) && e->comm[i]; i++)
		printf("%02x", (unsigned char)e->comm[i]);
	if (!i)
		printf("-");
	printf("\t%s\t%s\t%u\t%s\t%u\t%llu\t%llu\n", e->family == AF_INET ? "ipv4" : "ipv6", la,
	       e->lport, ra, e->rport, (unsigned long long)e->tx, (unsigned long long)e->rx);
}

int main(int argc, char **argv)
{
	struct traffic_result r = { 0 };
	struct traffic_opts o;
	char comm[TRAFFIC_COMM_LEN];
	int i = 1, err;
	size_t k;

	traffic_opts_init(&o);
	o.scenario = "child";
	o.bytes = 100000;
	o.chunk = 4096;
	for (; i + 1 < argc && argv[i][0] == '-' && argv[i][1] == '-'; i += 2) {
		if (strcmp(argv[i], "--family") == 0 && traffic_family_parse(argv[i + 1], &o.family) == 0)
			continue;
		if (strcmp(argv[i], "--bytes") == 0 && (o.bytes = strtoull(argv[i + 1], NULL, 10)))
			continue;
		fprintf(stderr, "hostile_traffic: bad option %s\n", argv[i]);
		return 2;
	}
	printf("# pid\tcomm_hex\tfamily\tladdr\tlport\traddr\trport\ttx_bytes\trx_bytes\n");
	for (; i < argc; i++) {
		if (hostile_unhex(argv[i], comm, sizeof(comm))) {
			fprintf(stderr, "hostile_traffic: bad COMM '%s' (hex, at most 15 bytes, no 00)\n",
				argv[i]);
			return 2;
		}
		o.comm = comm;
		err = traffic_run(&o, &r);
		if (err) {
			fprintf(stderr, "hostile_traffic: %s\n", strerror(-err));
			traffic_result_free(&r);
			return 1;
		}
	}
	for (k = 0; k < r.count; k++)
		hostile_print(&r.ep[k]);
	traffic_result_free(&r);
	return 0;
}
