/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fabricated flow tables for the CLI's unit tests: kernel records built by
 * hand and folded in with the core's own tcptop_table_add_record, so the
 * tests see exactly the entries a drain would produce.
 */
#ifndef TCPTOP_CHECK_CLI_FIXTURE_H
#define TCPTOP_CHECK_CLI_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "tcptop_core.h"

/* A fresh table with a drain begun (every test starts here). */
struct tcptop_table *fixture_table(void);

/*
 * Adds one socket record with one process slot.  Addresses are text:
 * "127.0.0.1" makes an AF_INET socket; anything with ':' an AF_INET6 one,
 * including "::ffff:127.0.0.1" (an IPv4-mapped socket).
 */
void fixture_add(struct tcptop_table *t, uint64_t id, const char *laddr, uint16_t lport,
		 const char *raddr, uint16_t rport, uint32_t tgid, const char *comm, uint64_t rx,
		 uint64_t tx);

/* Same, with a comm of comm_len raw bytes (may hold anything but is cut at 15). */
void fixture_add_raw(struct tcptop_table *t, uint64_t id, const char *laddr, uint16_t lport,
		     const char *raddr, uint16_t rport, uint32_t tgid, const char *comm,
		     size_t comm_len, uint64_t rx, uint64_t tx, int closed);

/* Everything written to a memory stream, NUL-terminated; free() it. */
struct fixture_out {
	char *buf;
	size_t len;
	void *f;	/* FILE * */
};

void *fixture_out_open(struct fixture_out *o);
/* Closes the stream; o->buf is then the text. */
const char *fixture_out_close(struct fixture_out *o);

#endif
