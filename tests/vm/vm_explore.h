/* SPDX-License-Identifier: GPL-2.0 */
/* I/O methods beyond read/write, sendfile and splice: see vm_explore.c. */
#ifndef TCPTOP_VM_EXPLORE_H
#define TCPTOP_VM_EXPLORE_H

#include "vm_exact.h"

int tcptop_vm_ktls_prepare(struct tcptop_vm_pair *p);

int tcptop_vm_zc_setup(struct tcptop_vm_io *io, const struct tcptop_vm_xfer *x, bool sender);
void tcptop_vm_zc_teardown(struct tcptop_vm_io *io);
ssize_t tcptop_vm_zc_recv(struct tcptop_vm_io *io, int fd, size_t len);

int tcptop_vm_uring_setup(struct tcptop_vm_io *io, const struct tcptop_vm_xfer *x, bool sender);
int tcptop_vm_uring_async_setup(struct tcptop_vm_io *io, const struct tcptop_vm_xfer *x,
				bool sender);
void tcptop_vm_uring_teardown(struct tcptop_vm_io *io);
ssize_t tcptop_vm_uring_send(struct tcptop_vm_io *io, int fd, size_t len);
ssize_t tcptop_vm_uring_recv(struct tcptop_vm_io *io, int fd, size_t len);

ssize_t tcptop_vm_send_oob(struct tcptop_vm_io *io, int fd, size_t len);
ssize_t tcptop_vm_recv_oob(struct tcptop_vm_io *io, int fd, size_t len);
ssize_t tcptop_vm_recv_trunc(struct tcptop_vm_io *io, int fd, size_t len);

#endif
