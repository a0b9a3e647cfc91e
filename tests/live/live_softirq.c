// SPDX-License-Identifier: GPL-2.0
/*
 * Live test: bytes read from a socket in softirq, by the kernel rather than
 * a process.  A sockmap stream parser (tests/live/softirq_reader.bpf.c) makes the
 * kernel read the receive queue with tcp_read_sock from data_ready, which on
 * loopback runs in the sender's task.  Such bytes used to be charged to
 * whichever process was interrupted (the sender), or lost under tgid 0.
 *  - a socket its owner has used: the bytes are the owner's;
 *  - a socket no process has used yet: nobody to charge, so they are
 *    reported as softirq_reader drops, never silently lost.
 * Kernels from 6.14 on (strparser no longer moves copied_seq: the bytes are
 * consumed when the application reads them) count both at the owner's read;
 * either way the sender is never charged and no byte goes missing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "live_sockets.h"
#include "live_util.h"
#include "softirq_reader.skel.h"

#define COMM "live_softirq"

static char self_comm[TRAFFIC_COMM_LEN] = COMM;

/* A child writes n bytes on fd and exits; returns its pid, or -1. */
static pid_t peer_writes(int fd, size_t n)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_NAME, "softirq-peer");
		_exit(live_write_n(fd, n) ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return pid;
}

static void one_family(struct live *l, struct softirq_reader_bpf *skel, enum traffic_family f)
{
	struct traffic_result truth = { 0 }, unused = { 0 };
	struct traffic_endpoint e;
	int map = bpf_map__fd(skel->maps.softirq_socks);
	uint64_t dropped_before = l->dropped_bytes_by_kind[TCPTOP_DROPPED_SOFTIRQ];
	int lfd, c, s, c2 = -1, s2 = -1, key, err;
	char label[64];
	pid_t peer;

	snprintf(label, sizeof(label), "softirq reader %s", live_family_label(f));
	live_reset(l);
	lfd = live_listen(f);
	err = lfd < 0 ? lfd : live_pair(f, lfd, &c, &s);
	err = err ? err : live_pair(f, lfd, &c2, &s2);
	if (err) {
		live_fail(l, "%s: connect: %s", label, strerror(-err));
		return;
	}
	/* The owner uses s first, so the socket has an owner to charge. */
	err = live_write_n(s, 1);
	err = err ? err : live_read_n(c, 1);
	key = 0;
	if (!err && bpf_map_update_elem(map, &key, &s, BPF_ANY))
		err = -errno;
	key = 1;
	if (!err && bpf_map_update_elem(map, &key, &s2, BPF_ANY))
		err = -errno;
	if (err) {
		live_fail(l, "%s: setup: %s", label, strerror(-err));
		goto out;
	}
	peer = peer_writes(c, 5000);
	err = peer < 0 ? -ECHILD : live_read_n(s, 5000);
	if (!err && !live_endpoint(s, getpid(), self_comm, 1, 5000, &e))
		live_result_add(&truth, &e);
	if (!err && !live_endpoint(c, getpid(), self_comm, 0, 1, &e))
		live_result_add(&truth, &e);
	if (!err && !live_endpoint(c, peer, "softirq-peer", 5000, 0, &e))
		live_result_add(&truth, &e);
	/* Nobody ever used s2 before the kernel read it. */
	peer = err ? -1 : peer_writes(c2, 3000);
	err = err ? err : peer < 0 ? -ECHILD : live_read_n(s2, 3000);
	if (!err && !live_endpoint(c2, peer, "softirq-peer", 3000, 0, &e))
		live_result_add(&truth, &e);
	if (!err && !live_endpoint(s2, getpid(), self_comm, 0, 3000, &e))
		live_result_add(&unused, &e);
	if (err)
		live_fail(l, "%s: traffic failed: %s", label, strerror(-err));
	live_drain(l);
	live_drain(l);
	live_expect_exact(l, label, &truth);
	if (!err) {
		/* s2: read by the kernel before anyone used it (dropped, named) or at the owner's read. */
		uint64_t tx, rx, dropped = l->dropped_bytes_by_kind[TCPTOP_DROPPED_SOFTIRQ] -
					   dropped_before;

		live_reported(l, &unused.ep[0], &tx, &rx, NULL);
		if (dropped == 3000) {
			live_expect_absent(l, label, &unused);
			live_note(l, "%s: 3000 bytes the kernel read before any process used the socket: softirq_reader drops",
				  label);
		} else if (dropped == 0 && rx == 3000 && tx == 0) {
			live_expect_exact(l, label, &unused);
			live_note(l, "%s: this kernel consumes at the owner's read: 3000 bytes charged to it",
				  label);
		} else {
			live_fail(l, "%s: unused socket: %llu bytes charged to its owner and %llu dropped, expected 3000 in one of them",
				  label, (unsigned long long)rx, (unsigned long long)dropped);
		}
	}
out:
	key = 0;
	bpf_map_delete_elem(map, &key);
	key = 1;
	bpf_map_delete_elem(map, &key);
	close(c);
	close(s);
	if (c2 >= 0)
		close(c2);
	if (s2 >= 0)
		close(s2);
	close(lfd);
	traffic_result_free(&truth);
	traffic_result_free(&unused);
}

int main(void)
{
	struct softirq_reader_bpf *skel;
	struct live l;
	int map, err;

	prctl(PR_SET_NAME, COMM);
	live_init(&l, COMM);
	live_open_or_skip(&l, NULL);
	if (live_mode() != TCPTOP_MODE_TRACEPOINT && tcptop_tracer_mode(l.tr) != TCPTOP_MODE_TRACEPOINT) {
		/* fexit and kprobe modes count recvmsg's return values: a kernel read is not one. */
		live_note(&l, "only tracepoint mode sees reads by the kernel; nothing to test in %s mode",
			  tcptop_mode_name(tcptop_tracer_mode(l.tr)));
		live_close(&l);
		return live_finish(&l);
	}
	skel = softirq_reader_bpf__open_and_load();
	if (!skel) {
		live_fail(&l, "cannot load the sockmap stream parser: %s", strerror(errno));
		live_close(&l);
		return live_finish(&l);
	}
	map = bpf_map__fd(skel->maps.softirq_socks);
	err = bpf_prog_attach(bpf_program__fd(skel->progs.softirq_parse), map,
			      BPF_SK_SKB_STREAM_PARSER, 0);
	err = err ? err : bpf_prog_attach(bpf_program__fd(skel->progs.softirq_verdict), map,
					  BPF_SK_SKB_STREAM_VERDICT, 0);
	if (err)
		live_fail(&l, "cannot attach the stream parser: %s", strerror(errno));
	else {
		one_family(&l, skel, TRAFFIC_IPV4);
		one_family(&l, skel, TRAFFIC_IPV6);
	}
	softirq_reader_bpf__destroy(skel);
	live_close(&l);
	return live_finish(&l);
}
