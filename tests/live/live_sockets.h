/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hand-made loopback connections for live tests whose traffic the scenario
 * generator cannot make (racing threads, reconnects, other users), with the
 * same kind of ground truth: the endpoint as tcptop must report it.
 */
#ifndef TCPTOP_TESTS_LIVE_SOCKETS_H
#define TCPTOP_TESTS_LIVE_SOCKETS_H

#include <stddef.h>
#include <stdint.h>

#include "traffic.h"

/* A listening socket on the family's loopback address; returns the fd or -errno. */
int live_listen(enum traffic_family f);
/* A connected socket to the listener lfd; returns the fd or -errno. */
int live_connect(enum traffic_family f, int lfd);
/* Accepts one connection on lfd; returns the fd or -errno. */
int live_accept(int lfd);
/* Both ends of a new connection to lfd. */
int live_pair(enum traffic_family f, int lfd, int *client, int *server);
/* Exactly n bytes (n < 1 MiB), or -errno. */
int live_write_n(int fd, size_t n);
int live_read_n(int fd, size_t n);
/* The endpoint of fd as it is connected now, charged to pid/comm with tx/rx. */
int live_endpoint(int fd, pid_t pid, const char *comm, uint64_t tx, uint64_t rx,
		  struct traffic_endpoint *out);
/* Appends an endpoint to a result (grows it). */
int live_result_add(struct traffic_result *r, const struct traffic_endpoint *e);

#endif
