// SPDX-License-Identifier: GPL-2.0
/* Fabricated flow tables for the CLI's unit tests. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check_cli_fixture.h"
#include "flow_table_internal.h"
#include "tcptop.h"

struct tcptop_table *fixture_table(void)
{
	struct tcptop_table *t = NULL;

	ck_assert_int_eq(tcptop_table_new(&t), 0);
	tcptop_table_begin(t);
	return t;
}

static int fixture_addr(const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	if (strchr(text, ':')) {
		ck_assert_int_eq(inet_pton(AF_INET6, text, out), 1);
		return AF_INET6;
	}
	ck_assert_int_eq(inet_pton(AF_INET, text, out), 1);
	return AF_INET;
}

void fixture_add_raw(struct tcptop_table *t, uint64_t id, const char *laddr, uint16_t lport,
		     const char *raddr, uint16_t rport, uint32_t tgid, const char *comm,
		     size_t comm_len, uint64_t rx, uint64_t tx, int closed)
{
	struct tcptop_sock_rec rec;
	int lf, rf;

	memset(&rec, 0, sizeof(rec));
	rec.id = id;
	lf = fixture_addr(laddr, rec.laddr);
	rf = fixture_addr(raddr, rec.raddr);
	ck_assert_int_eq(lf, rf);
	rec.family = (__u16)lf;
	rec.lport = lport;
	rec.rport = rport;
	rec.flags = closed ? TCPTOP_FLOW_CLOSED : 0;
	rec.slot[0].tgid = tgid;
	if (comm_len > TCPTOP_COMM_LEN - 1)
		comm_len = TCPTOP_COMM_LEN - 1;
	memcpy(rec.slot[0].comm, comm, comm_len);
	rec.slot[0].rx = rx;
	rec.slot[0].tx = tx;
	ck_assert_int_eq(tcptop_table_add_record(t, &rec), 0);
}

void fixture_add(struct tcptop_table *t, uint64_t id, const char *laddr, uint16_t lport,
		 const char *raddr, uint16_t rport, uint32_t tgid, const char *comm, uint64_t rx,
		 uint64_t tx)
{
	fixture_add_raw(t, id, laddr, lport, raddr, rport, tgid, comm, strlen(comm), rx, tx, 0);
}

void *fixture_out_open(struct fixture_out *o)
{
	memset(o, 0, sizeof(*o));
	o->f = open_memstream(&o->buf, &o->len);
	ck_assert_ptr_nonnull(o->f);
	return o->f;
}

const char *fixture_out_close(struct fixture_out *o)
{
	ck_assert_int_eq(fclose(o->f), 0);
	o->f = NULL;
	return o->buf;
}
