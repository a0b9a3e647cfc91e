/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Structures shared by the kernel programs (tcptop.bpf.c) and user space
 * (core/).  Fixed-width types only and no padding holes, so both sides agree
 * on the layout whatever the compiler.
 */
#ifndef TCPTOP_SHARED_H
#define TCPTOP_SHARED_H

#include <linux/types.h>

#define TCPTOP_COMM_LEN 16

/*
 * Processes that can own bytes of one socket.  A socket is normally used by
 * one process; fork() hands it to more.  Events of a further process are
 * counted as drops, never added to somebody else.
 */
#define TCPTOP_SLOTS 4

/* Events and bytes that could not be attributed. */
enum tcptop_drop_reason {
	TCPTOP_DROP_MAP_FULL = 0,	/* more live sockets than max_flows */
	TCPTOP_DROP_SLOTS_FULL,		/* more than TCPTOP_SLOTS live processes on one socket */
	TCPTOP_DROP_CLOSED_BUF_FULL,	/* closed-socket ring and its spill map both full */
	TCPTOP_DROP_STASH_FULL,		/* kprobe mode: too many calls in flight */
	TCPTOP_DROP_SOFTIRQ,		/* read in softirq from a socket no process used yet */
	TCPTOP_DROP_USER_SHARE,		/* a non-root user's sockets beyond its share of max_flows */
	TCPTOP_DROP_NR,
};

/* A slot whose process exited: its bytes were drained, and another process may take it. */
#define TCPTOP_SLOT_FREED 0xffffffffu

/*
 * Exited slot owners user space can list for one drain: a sorted array in
 * .bss that it writes through the skeleton's mapping.  Not a hash map: a map
 * update from user space raises the CPU's bpf_prog_active for the syscall, and
 * a kernel that preempts kernel code (7.2) can switch tasks meanwhile, so
 * kprobe programs of other tasks on that CPU are skipped and their bytes lost.
 * A power of two: the kernel side masks indexes with it.
 */
#define TCPTOP_MAX_DEAD 4096

struct tcptop_slot {
	__u32 tgid;		/* 0: never used; TCPTOP_SLOT_FREED: free again */
	/*
	 * Slot 0 only: non-zero once the flow is closing, so that the event
	 * fast path, which compares tgid and this word as one 64-bit value,
	 * falls to the slow path without reading another cache line.
	 */
	__u32 closing;
	__u64 tx;		/* bytes, reset by every drain */
	__u64 rx;
	__u64 cgroup;		/* cgroup v2 id of the process when it took the slot */
	char comm[TCPTOP_COMM_LEN];
};

#define TCPTOP_FLOW_CLOSED 0x1

/*
 * A socket record: the per-socket value in the flow map (flows_sk, or
 * flows_hash in kprobe mode), and also what a drain hands to user space (the
 * iterator for live sockets, the closed ring for flows that ended).  It holds
 * one connection's identity and, per slot, one process's counters: each slot
 * becomes a flow in user space (struct tcptop_flow_entry: one process on one
 * connection), and the plugin adds flows up into units.  Addresses are
 * captured once, when the connection first moves a byte.
 */
struct tcptop_sock_rec {
	/*
	 * The first two cache lines hold all a socket used by one process
	 * needs (identity, RX cursor, first slot), so a drain copies only those
	 * and the slots in use.
	 */
	__u64 id;		/* unique for the life of the loaded object */
	__u16 family;		/* AF_INET or AF_INET6, as the socket has it */
	__u16 lport;		/* host order */
	__u16 rport;		/* host order */
	__u16 flags;		/* TCPTOP_FLOW_* (records only) */
	__u8 laddr[16];		/* first 4 bytes for AF_INET */
	__u8 raddr[16];
	__u32 closing;		/* set once by whichever destroy program runs first */
	/*
	 * Slots claimed (they are claimed in order).  In a record: slots filled
	 * in, and user space reads no further; 0 means all of them (a whole
	 * copy, as records built by hand are).
	 */
	__u32 nslots;
	__u64 rx_seen;		/* tracepoint mode: bytes consumed so far (see bpf) */
	__u32 netns;		/* inode number of the socket's network namespace */
	__u32 uid;		/* the socket's owner (sk_uid) */
	__u32 tx_seq;		/* sequence counting: write_seq counted up to */
	__u32 tx_fin;		/* sequence counting: the FIN took a sequence number */
	struct tcptop_slot slot[TCPTOP_SLOTS];
};

/*
 * Network namespaces other than ours that hold live flows (foreign_netns map):
 * the socket-iterator drain must walk each of them.
 */
struct tcptop_netns_live {
	__s64 flows;		/* live flows in the namespace */
	__u32 tgid;		/* a process seen there, to find the namespace by */
	__u32 _pad;
};

/* Sockets refused for a user's share (user_refused map), for the drop report. */
struct tcptop_user_refused {
	__u64 events;
	__u64 bytes;
};

#endif
