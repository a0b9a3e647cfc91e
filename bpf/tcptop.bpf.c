// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel side of tcptop: count the bytes every TCP socket hands to, and takes
 * from, the application, per socket and per process.
 *
 * Three attach modes, as twin programs; user space disables the two it does
 * not use before load:
 *   tracepoint  tp_btf on sock:sock_send_length (TX) and tcp:tcp_rcv_space_adjust
 *               (RX, from the receive sequence; see tcptop_tp_rcv_space) (6.3+)
 *   fentry      fexit on tcp_sendmsg / tcp_recvmsg / tcp_sendpage /
 *               tcp_splice_read
 *   kprobe      kprobe + kretprobe pairs on the same functions
 *
 * Counts are what the kernel actually did, never the size that was asked
 * for: TX is always a return value, and so is RX in fentry and kprobe modes;
 * in tracepoint mode RX is the growth of the bytes the reader has taken from
 * the receive queue (see tcptop_tp_rcv_space).
 *
 * Draining is lossless: the iterators and the close hooks take counters with
 * an atomic exchange, so each byte is taken by exactly one of them, and only
 * after room for the record is secured (see tcptop_emit_live).
 *
 * A flow is one connection: it ends when its socket leaves the connection
 * tables (TCP_CLOSE), so a reconnected socket starts a new flow with its new
 * addresses, and every live flow is on a socket the tcp iterator can reach.
 * Bytes that still move on a closed socket (a reader emptying its queue after
 * the peer's FIN turned the socket to TIME_WAIT) leave at once as a flow of
 * their own that has already ended (see tcptop_emit_after_close).
 */
#include "tcptop_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "tcptop.h"

char LICENSE[] SEC("license") = "GPL";

/* Linux 6.2+ (tracepoint mode needs 6.3); weak, so older kernels load the other modes. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* Filters and limits, set by user space before load. */
const volatile __u32 targ_tgid = 0;
const volatile __u16 targ_family = 0;	/* 0, AF_INET or AF_INET6 */
const volatile bool filter_cgroup = false;
const volatile __u64 max_flows = 16384;
/* tracepoint mode counts RX from the receive sequence instead of return values. */
const volatile bool rx_by_seq = false;
/*
 * tracepoint mode on a kernel that can preempt tracepoint programs (7.2): the
 * kernel then skips the hook for other tasks on that CPU, so TX is counted
 * from the send sequence too, and a skipped event's bytes are taken by the
 * socket's next send, its close or the next drain (see tcptop_tx_advance).
 */
const volatile bool tx_by_seq = false;
/* Our own network namespace: flows elsewhere are listed in foreign_netns. */
const volatile __u32 self_netns = 0;
/*
 * Capacity is shared fairly: sockets of non-root users together may hold
 * at most nonroot_max_flows places, and one user at most user_max_flows, so
 * one user can neither take root's places nor all of the other users'.
 */
const volatile __s64 nonroot_max_flows = 14336;
const volatile __s64 user_max_flows = 4096;

/* Read by user space through the mmap-ed .bss; only ever increase (but live_flows). */
__u64 live_flows = 0;
__u64 next_flow_id = 0;
__u64 drop_events[TCPTOP_DROP_NR] = {};
__u64 drop_bytes[TCPTOP_DROP_NR] = {};
/* Slots of drain_buf taken in this pass (user space resets it before each). */
__u32 drain_count = 0;
/* Sockets an iterator pass left for the next pass because drain_buf was full. */
__u64 drain_deferred = 0;
/* Records put in closed_spill; user space looks at the map only when this moved. */
__u64 closed_spilled = 0;
/*
 * For the drain's recount of live_flows: entries the destroy hook closed
 * (only increases), and entries the iterator visited in this pass (user space
 * resets it; one reader at a time, so no atomics).
 */
__u64 flows_closed = 0;
__u64 drain_visited = 0;
/* Live flows of non-root users, and foreign namespaces the map had no room for. */
__s64 nonroot_flows = 0;
__u64 netns_untracked = 0;
/*
 * Slot owners that exited, written by user space before a pass; the pass
 * frees their slots once it has taken their bytes (see tcptop_free_dead_slots).
 */
__u32 dead_count = 0;
__u32 dead_tgids[TCPTOP_MAX_DEAD] = {};	/* ascending, then ~0 */
/*
 * Set by user space for a sweep pass: the iterator also lists the id of every
 * live entry in alive_ids, so user space can tell flows whose socket vanished
 * without a destroy event (see tcptop_drain_sweep).
 */
__u32 sweep = 0;
__u32 alive_count = 0;

/* tracepoint and fentry modes: per-socket storage, freed with the socket. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tcptop_sock_rec);
} flows_sk SEC(".maps");

/*
 * kprobe mode: kprobe programs may not use socket storage, so key a hash by
 * the socket's address.  The destroy hook removes the entry before the
 * socket's memory can be reused.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct tcptop_sock_rec);
} flows_hash SEC(".maps");

/*
 * tracepoint mode: how many bytes the application had consumed when we last
 * looked, for sockets that have no flow entry yet.  Created empty when a
 * connection starts (nothing consumed), so a flow first seen at a read still
 * counts that read.  Freed with the socket, or when its flow entry is made.
 */
struct tcptop_rx_cursor {
	__u64 rx_seen;
	__u32 tx_seq;		/* tx_by_seq: write_seq when the connection was established */
	__u32 tx_valid;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tcptop_rx_cursor);
} rx_cursor SEC(".maps");

/*
 * Records of live sockets, written by the drain iterator into slots taken
 * with drain_count, and read by user space through mmap.  Writing them here
 * instead of to the iterator's seq_file lets one read() walk the whole map:
 * the socket-storage iterator resumes each read() by re-walking its bucket
 * from the head, which made a drain quadratic in the number of sockets.  An
 * array slot costs one increment, where a ring record takes a lock with
 * interrupts off.  Sized by user space for max_flows records.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct tcptop_sock_rec);
} drain_buf SEC(".maps");

/* Ids of live entries, written by a sweep pass; sized by user space like drain_buf. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} alive_ids SEC(".maps");

/* Final counters of sockets that closed since the last drain. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} closed_flows SEC(".maps");

/*
 * Closed records the ring had no room for (a burst of closes faster than the
 * collector thread empties it) wait here, keyed by flow id, until user space
 * takes them with an atomic lookup-and-delete.  Only when both are full is a
 * record dropped, and then it is counted.  Preallocated: older kernels allow
 * nothing else in tracing programs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct tcptop_sock_rec);
} closed_spill SEC(".maps");

/*
 * Network namespaces other than ours with live flows, by inode number.  The
 * socket-iterator drain walks one namespace per pass, so user space must
 * know each.  Preallocated: older kernels allow nothing else here.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct tcptop_netns_live);
} foreign_netns SEC(".maps");

/* Live flows per non-root user (sk_uid). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __s64);
} user_flows SEC(".maps");

/* Whose sockets were refused a place for their user's share, for the drop report. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct tcptop_user_refused);
} user_refused SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_filter SEC(".maps");

/* kprobe mode: arguments saved at entry for the return probe. */
struct tcptop_stash {
	struct sock *sk;
	__u32 flags;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct tcptop_stash);
} stash SEC(".maps");

static __always_inline void tcptop_drop(int reason, __s64 bytes)
{
	if (reason < 0 || reason >= TCPTOP_DROP_NR)
		return;
	__sync_fetch_and_add(&drop_events[reason], 1);
	if (bytes > 0)
		__sync_fetch_and_add(&drop_bytes[reason], bytes);
}

static __always_inline bool tcptop_is_v4mapped(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;

	return w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0xffff);
}

/* Read once per flow, so one probe-read path serves every mode. */
static __always_inline void tcptop_fill_identity(struct tcptop_sock_rec *f, struct sock *sk)
{
	f->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	f->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	/* A closed socket's port was given back (skc_num is 0); the source port remains. */
	if (!f->lport)
		f->lport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	f->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (f->family == AF_INET) {
		bpf_core_read(f->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(f->raddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(f->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(f->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	f->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	f->uid = BPF_CORE_READ(sk, sk_uid.val);
}

/*
 * Out of the connection tables: closed, or never connected.  TCP takes a
 * socket out of them before it announces TCP_CLOSE, so a flow created on a
 * socket that is still in them is seen by the close hook.
 */
static __always_inline bool tcptop_sk_unhashed(struct sock *sk)
{
	return !BPF_CORE_READ(sk, __sk_common.skc_nulls_node.pprev);
}

/* The family filter treats an IPv4-mapped IPv6 socket as IPv4, as the output does. */
static __always_inline bool tcptop_family_wanted(struct sock *sk, __u16 family)
{
	struct in6_addr daddr;

	if (!targ_family)
		return true;
	if (family == AF_INET6) {
		BPF_CORE_READ_INTO(&daddr, sk, __sk_common.skc_v6_daddr);
		if (tcptop_is_v4mapped(daddr.in6_u.u6_addr8))
			family = AF_INET;
	}
	return family == targ_family;
}

/*
 * The process's name, as the thread-group leader has it: the slot is the
 * process's, and a worker thread (say io_uring's iou-wrk-N) or a renamed
 * thread must not give it another name.
 */
static __always_inline void tcptop_capture_comm(char *comm)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);

	if (!leader || bpf_core_read_str(comm, TCPTOP_COMM_LEN, &leader->comm) <= 1)
		bpf_get_current_comm(comm, TCPTOP_COMM_LEN);
}

/* What a slot records of its process, once, when the process takes it. */
static __always_inline void tcptop_slot_describe(struct tcptop_slot *s)
{
	tcptop_capture_comm(s->comm);
	s->cgroup = bpf_get_current_cgroup_id();
}

static __always_inline bool tcptop_is_process(__u32 tgid)
{
	return tgid != 0 && tgid != TCPTOP_SLOT_FREED;
}

/*
 * Tracing programs only.  Both ways to the process id are a helper call on
 * x86-64 (6.18's JIT inlines neither; the xlated program shows the call), and
 * each call costs 30-45 ns on a host whose kernel returns through the SRSO
 * "safe RET" thunk (bench/floor.bpf.c measures it); this one measured a few
 * ns cheaper than bpf_get_current_pid_tgid side by side.
 */
static __always_inline __u32 tcptop_current_tgid(void)
{
	return bpf_get_current_task_btf()->tgid;
}

/* ---- records to user space: the closed ring and its spill map ------------ */

/* Returns 0, or -1 when neither the ring nor the spill map had room. */
static __noinline int tcptop_submit(struct tcptop_sock_rec *rec, bool final)
{
	/* The collector looks every 100 ms anyway; wake it early only when the ring is filling. */
	__u64 wake = bpf_ringbuf_query(&closed_flows, BPF_RB_AVAIL_DATA) >
		     bpf_ringbuf_query(&closed_flows, BPF_RB_RING_SIZE) / 4 ?
		     BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	__u64 key;

	if (bpf_ringbuf_output(&closed_flows, rec, sizeof(*rec), wake) == 0)
		return 0;
	key = rec->id << 1 | final;
	if (bpf_map_update_elem(&closed_spill, &key, rec, BPF_NOEXIST) == 0) {
		__sync_fetch_and_add(&closed_spilled, 1);
		return 0;
	}
	return -1;
}

/*
 * Bytes that moved on a socket already out of the connection tables: they
 * leave at once, as a flow of their own that has already ended, so no live
 * flow ever sits where the tcp iterator cannot reach it.
 */
static __noinline void tcptop_emit_after_close(struct tcptop_sock_rec *f, struct sock *sk,
					       __u32 tgid, __s64 bytes, bool rx)
{
	struct tcptop_sock_rec rec = {};

	if (f)
		__builtin_memcpy(&rec, f, __builtin_offsetof(struct tcptop_sock_rec, slot));
	else
		tcptop_fill_identity(&rec, sk);
	rec.id = __sync_fetch_and_add(&next_flow_id, 1) + 1;
	rec.flags = TCPTOP_FLOW_CLOSED;
	rec.closing = 0;
	rec.nslots = 1;
	rec.slot[0].tgid = tgid;
	tcptop_slot_describe(&rec.slot[0]);
	if (rx)
		rec.slot[0].rx = bytes;
	else
		rec.slot[0].tx = bytes;
	if (tcptop_submit(&rec, true))
		tcptop_drop(TCPTOP_DROP_CLOSED_BUF_FULL, bytes);
}

/* ---- places: max_flows, shared fairly between users ---------------------- */

static __always_inline void tcptop_note_refused(__u32 uid, __s64 bytes)
{
	struct tcptop_user_refused init = {}, *r;

	r = bpf_map_lookup_elem(&user_refused, &uid);
	if (!r) {
		bpf_map_update_elem(&user_refused, &uid, &init, BPF_NOEXIST);
		r = bpf_map_lookup_elem(&user_refused, &uid);
	}
	if (!r)
		return;
	__sync_fetch_and_add(&r->events, 1);
	if (bytes > 0)
		__sync_fetch_and_add(&r->bytes, bytes);
}

/* Returns -1 with a place taken, or the drop reason that refused it. */
static __noinline int tcptop_take_place(__u32 uid)
{
	__s64 zero = 0, *n;

	/* Signed: never let a miscount wrap around into "everything is full". */
	if ((__s64)__sync_fetch_and_add(&live_flows, 1) >= (__s64)max_flows) {
		__sync_fetch_and_add(&live_flows, -1);
		return TCPTOP_DROP_MAP_FULL;
	}
	if (!uid)
		return -1;
	n = bpf_map_lookup_elem(&user_flows, &uid);
	if (!n) {
		bpf_map_update_elem(&user_flows, &uid, &zero, BPF_NOEXIST);
		n = bpf_map_lookup_elem(&user_flows, &uid);
	}
	if (n && __sync_fetch_and_add(n, 1) < user_max_flows) {
		if (__sync_fetch_and_add(&nonroot_flows, 1) < nonroot_max_flows)
			return -1;
		__sync_fetch_and_add(&nonroot_flows, -1);
	}
	if (n)
		__sync_fetch_and_add(n, -1);
	__sync_fetch_and_add(&live_flows, -1);
	return TCPTOP_DROP_USER_SHARE;
}

static __noinline void tcptop_give_back_place(__u32 uid)
{
	__s64 *n;

	__sync_fetch_and_add(&live_flows, -1);
	if (!uid)
		return;
	__sync_fetch_and_add(&nonroot_flows, -1);
	n = bpf_map_lookup_elem(&user_flows, &uid);
	if (n)
		__sync_fetch_and_add(n, -1);
}

/* Flows in namespaces other than ours, so the socket-iterator drain walks them. */
static __noinline void tcptop_count_netns(__u32 netns, __s64 d, __u32 tgid)
{
	struct tcptop_netns_live init = { .tgid = tgid }, *e;

	if (netns == self_netns)
		return;
	e = bpf_map_lookup_elem(&foreign_netns, &netns);
	if (!e && d > 0) {
		bpf_map_update_elem(&foreign_netns, &netns, &init, BPF_NOEXIST);
		e = bpf_map_lookup_elem(&foreign_netns, &netns);
	}
	if (!e) {
		if (d > 0)
			__sync_fetch_and_add(&netns_untracked, 1);
		return;
	}
	if (tgid)
		e->tgid = tgid;
	__sync_fetch_and_add(&e->flows, d);
}

/* ---- counting ------------------------------------------------------------- */

/*
 * Not the owner of slot 0, or the flow is closing, or no process is reading:
 * find the caller's slot, or take a free one and describe the process there,
 * in the kernel, at first use.  Kept out of line so the common event's code
 * stays short.
 */
static __noinline void tcptop_add_slow(struct tcptop_sock_rec *f, struct sock *sk, __u32 tgid,
				       __s64 bytes, bool rx)
{
	struct tcptop_slot *s = NULL;
	int i;

	if (!tgid) {
		/*
		 * Read in softirq (tcp_read_sock from a data_ready callback): no
		 * process reads, so the bytes are the socket owner's.
		 */
		tgid = f->slot[0].tgid;
		if (!tcptop_is_process(tgid)) {
			tcptop_drop(TCPTOP_DROP_SOFTIRQ, bytes);
			return;
		}
	}
	if (f->slot[0].closing) {
		tcptop_emit_after_close(f, sk, tgid, bytes, rx);
		return;
	}
#pragma unroll
	for (i = 0; i < TCPTOP_SLOTS; i++) {
		__u32 cur = f->slot[i].tgid;

		if (cur == 0) {
			cur = __sync_val_compare_and_swap(&f->slot[i].tgid, 0, tgid);
			if (cur == 0) {
				tcptop_slot_describe(&f->slot[i]);
				/* After the claim: a drain never reads past a claimed slot's count. */
				__sync_fetch_and_add(&f->nslots, 1);
			}
		} else if (cur == TCPTOP_SLOT_FREED) {
			/*
			 * Its process exited and its bytes were drained.  A drain
			 * reads a slot's process after taking its bytes, so the
			 * description is in place before any byte is.
			 */
			cur = __sync_val_compare_and_swap(&f->slot[i].tgid, TCPTOP_SLOT_FREED, tgid);
			if (cur == TCPTOP_SLOT_FREED) {
				tcptop_slot_describe(&f->slot[i]);
				cur = 0;
			}
		}
		if (cur == 0 || cur == tgid) {
			s = &f->slot[i];
			break;
		}
	}
	if (!s) {
		tcptop_drop(TCPTOP_DROP_SLOTS_FULL, bytes);
		return;
	}
	if (rx)
		__sync_fetch_and_add(&s->rx, bytes);
	else
		__sync_fetch_and_add(&s->tx, bytes);
}

static __always_inline void tcptop_add(struct tcptop_sock_rec *f, struct sock *sk, __u32 tgid,
				       __s64 bytes, bool rx)
{
	/*
	 * One 64-bit compare checks the owner of slot 0 and that the flow is
	 * not closing (little-endian: tgid is the low word).
	 */
	if (!tgid || *(__u64 *)&f->slot[0] != tgid) {
		tcptop_add_slow(f, sk, tgid, bytes, rx);
		return;
	}
	if (rx)
		__sync_fetch_and_add(&f->slot[0].rx, bytes);
	else
		__sync_fetch_and_add(&f->slot[0].tx, bytes);
}

/*
 * Bytes the application has taken from the receive queue since the
 * connection began, whatever the read path (recvmsg, splice, zero-copy
 * receive): what arrived in order, less what is still queued, less the
 * FIN's sequence number once the reader has passed it.
 */
static __always_inline __u64 tcptop_consumed(struct sock *sk, struct tcp_sock *tp)
{
	__u32 unread = tp->rcv_nxt - tp->copied_seq;
	bool fin_read = (sk->__sk_common.skc_flags & (1UL << SOCK_DONE)) && unread == 0;

	return tp->bytes_received - unread - fin_read;
}

static __always_inline bool tcptop_rx_consumed(struct sock *sk, __u64 *out)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(sk);

	if (!tp)
		return false;
	*out = tcptop_consumed(sk, tp);
	return true;
}

/* ---- sequence counting of TX (tx_by_seq) ------------------------------------ */

static __always_inline __u32 tcptop_write_seq(struct sock *sk)
{
	struct tcp_sock *tp = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct tcp_sock));

	return tp->write_seq;
}

/*
 * Moves the flow's TX cursor up to seq and returns the bytes it passed.
 * Sends are traced after the socket lock is released, so events of two
 * threads race here; each byte is passed once.  Bytes of a send whose event
 * the kernel skipped are passed by the next advance: the next send, the
 * close, or a drain.
 */
static __always_inline __u32 tcptop_tx_advance(struct tcptop_sock_rec *f, __u32 seq)
{
	int i;

#pragma unroll
	for (i = 0; i < 4; i++) {
		__u32 old = f->tx_seq;
		__s32 d = seq - old;

		if (d <= 0)
			return 0;
		if (__sync_val_compare_and_swap(&f->tx_seq, old, seq) == old)
			return d;
	}
	return 0;	/* others moved it meanwhile; what is left waits for the next advance */
}

/*
 * The send sequence to count up to, or false once this end's FIN may be in
 * it (the FIN takes a sequence number too).  The close hook marks tx_fin,
 * with everything sent so far counted, before TCP queues the FIN; reading
 * the sequence first and the mark after (an atomic read, so in that order on
 * every architecture) means a sequence that holds the FIN is never counted.
 */
static __always_inline bool tcptop_tx_target(struct tcptop_sock_rec *f, struct sock *sk,
					     __u32 *seq)
{
	*seq = tcptop_write_seq(sk);
	return !__sync_fetch_and_add(&f->tx_fin, 0);
}

/*
 * Where TX counting starts for a socket that gets its flow entry now: where
 * the connection was established, when that is known (so a first send whose
 * event was skipped still counts), but never after this send's own bytes.
 */
static __always_inline __u32 tcptop_tx_baseline(struct sock *sk, __u32 seq, __u32 sent)
{
	struct tcptop_rx_cursor *c;

	if (!tx_by_seq)
		return 0;
	c = bpf_sk_storage_get(&rx_cursor, sk, 0, 0);
	if (c && c->tx_valid && (__s32)(seq - sent - c->tx_seq) >= 0)
		return c->tx_seq;
	return seq - sent;
}

/* Where RX counting starts for a socket that gets its flow entry now. */
static __always_inline __u64 tcptop_rx_baseline(struct sock *sk)
{
	struct tcptop_rx_cursor *c;
	__u64 now = 0;

	if (!rx_by_seq)
		return 0;
	c = bpf_sk_storage_get(&rx_cursor, sk, 0, 0);
	if (c)
		return c->rx_seen;
	/* Older than us: count from now on. */
	tcptop_rx_consumed(sk, &now);
	return now;
}

/*
 * The flow ends: its socket left the connection tables, or is destroyed.
 * The first call hands over what it holds as the final record; a later one
 * (the destroy hook after TCP_CLOSE, a twin) only passes on what an event
 * that raced with the first added after its exchange.
 */
static __noinline void tcptop_flow_end(struct tcptop_sock_rec *f);

/*
 * The entry is created complete (identity, RX baseline) so no reader ever
 * sees a half-made one.  Of the CPUs racing to create it, the one whose id is
 * in the entry keeps its place; the others give theirs back.  *why says
 * which drop reason refused a place, when none was found.
 */
static __noinline struct tcptop_sock_rec *tcptop_flow_sk_create(struct sock *sk, __u64 rx_seen,
							    __u32 tx_seq, int *why, bool *created)
{
	struct tcptop_sock_rec init = {};
	struct tcptop_sock_rec *f;
	int refused;

	tcptop_fill_identity(&init, sk);
	refused = tcptop_take_place(init.uid);
	if (refused >= 0) {
		*why = refused;
		return NULL;
	}
	init.id = __sync_fetch_and_add(&next_flow_id, 1) + 1;
	init.rx_seen = rx_seen;
	init.tx_seq = tx_seq;
	f = bpf_sk_storage_get(&flows_sk, sk, &init, BPF_SK_STORAGE_GET_F_CREATE);
	if (!f || f->id != init.id)
		tcptop_give_back_place(init.uid);
	*why = TCPTOP_DROP_MAP_FULL;
	if (!f)
		/* Lost a creation race (the other CPU's entry is there) or no memory. */
		return bpf_sk_storage_get(&flows_sk, sk, 0, 0);
	if (f->id != init.id)
		return f;
	*created = true;
	tcptop_count_netns(init.netns, 1, tcptop_current_tgid());
	if (rx_by_seq)
		bpf_sk_storage_delete(&rx_cursor, sk);
	return f;
}

/*
 * The close hook may have looked for a flow just before we created it: TCP
 * unhashes, then announces TCP_CLOSE.  The locked add orders our insert
 * before the check, as the hook's orders the unhash before its lookup; one of
 * the two sees the other.  (Apart from the creation, so the two big records
 * on the stack never nest.)
 */
static __noinline void tcptop_flow_settle(struct tcptop_sock_rec *f, struct sock *sk)
{
	__sync_fetch_and_add(&f->nslots, 0);
	if (tcptop_sk_unhashed(sk))
		tcptop_flow_end(f);
}

/*
 * First event of a socket without a flow entry.  A socket that is no longer
 * connected gets none (see tcptop_emit_after_close).
 */
static __noinline void tcptop_count_first(struct sock *sk, __u32 tgid, __s64 bytes, bool rx,
					  __u32 seq)
{
	struct tcptop_sock_rec *f;
	int why = TCPTOP_DROP_MAP_FULL;
	bool created = false;

	if (tcptop_sk_unhashed(sk)) {
		tcptop_emit_after_close(NULL, sk, tgid, bytes, rx);
		return;
	}
	f = tcptop_flow_sk_create(sk, tcptop_rx_baseline(sk),
				  tx_by_seq && !rx ? tcptop_tx_baseline(sk, seq, bytes) :
				  tx_by_seq ? tcptop_write_seq(sk) : 0, &why, &created);
	if (f && created)
		tcptop_flow_settle(f, sk);
	if (f && tx_by_seq && !rx)
		bytes = tcptop_tx_advance(f, seq);
	if (!f) {
		tcptop_drop(why, bytes);
		if (why == TCPTOP_DROP_USER_SHARE)
			tcptop_note_refused(BPF_CORE_READ(sk, sk_uid.val), bytes);
		return;
	}
	if (bytes > 0)
		tcptop_add(f, sk, tgid, bytes, rx);
}

/* kprobe mode's tcptop_flow_sk_create, on the hash keyed by the socket's address. */
static __noinline struct tcptop_sock_rec *tcptop_flow_hash_create(struct sock *sk, __u32 tgid,
							      int *why, bool *created)
{
	struct tcptop_sock_rec init = {};
	__u64 key = (__u64)sk;
	int refused;

	tcptop_fill_identity(&init, sk);
	refused = tcptop_take_place(init.uid);
	if (refused >= 0) {
		*why = refused;
		return NULL;
	}
	init.id = __sync_fetch_and_add(&next_flow_id, 1) + 1;
	if (bpf_map_update_elem(&flows_hash, &key, &init, BPF_NOEXIST)) {
		tcptop_give_back_place(init.uid);
	} else {
		tcptop_count_netns(init.netns, 1, tgid);
		*created = true;
	}
	*why = TCPTOP_DROP_MAP_FULL;
	return bpf_map_lookup_elem(&flows_hash, &key);
}

static __always_inline bool tcptop_task_wanted(__u32 tgid)
{
	if (targ_tgid && tgid != targ_tgid)
		return false;
	if (filter_cgroup && !bpf_current_task_under_cgroup(&cgroup_filter, 0))
		return false;
	return true;
}

/* Sequence counting of a send (tx_by_seq): the bytes are those the send sequence passed. */
static __noinline void tcptop_count_send_seq(struct sock *sk, __u32 tgid, __s64 ret)
{
	__u32 seq = tcptop_write_seq(sk);
	struct tcptop_sock_rec *f = bpf_sk_storage_get(&flows_sk, sk, 0, 0);
	__u32 bytes;

	if (!f) {
		if (tcptop_task_wanted(tgid))
			tcptop_count_first(sk, tgid, ret, false, seq);
		return;
	}
	/* The close took every byte sent before the FIN. */
	if (!tcptop_tx_target(f, sk, &seq))
		return;
	/* A filtered-out sender's bytes are passed too, so the next sender is not given them. */
	bytes = tcptop_tx_advance(f, seq);
	if (bytes && tcptop_task_wanted(tgid))
		tcptop_add(f, sk, tgid, bytes, false);
}

/* Tracing programs (tp_btf, fexit): sk is a trusted pointer, read it directly. */
static __always_inline void tcptop_count_tracing(struct sock *sk, __s64 bytes, bool rx)
{
	__u32 tgid = tcptop_current_tgid();
	__u16 family = sk->__sk_common.skc_family;
	struct tcptop_sock_rec *f;

	if (family != AF_INET && family != AF_INET6)
		return;
	if (!tcptop_family_wanted(sk, family))
		return;
	if (tx_by_seq && !rx) {
		tcptop_count_send_seq(sk, tgid, bytes);
		return;
	}
	if (!tcptop_task_wanted(tgid))
		return;
	f = bpf_sk_storage_get(&flows_sk, sk, 0, 0);
	if (!f) {
		tcptop_count_first(sk, tgid, bytes, rx, 0);
		return;
	}
	tcptop_add(f, sk, tgid, bytes, rx);
}

static __always_inline bool tcptop_recv_counts(int ret, int flags)
{
	/* A peek leaves the data queued; an error-queue read carries no stream bytes. */
	return ret > 0 && !(flags & (MSG_PEEK | MSG_ERRQUEUE));
}

/* ---- taking counters: the drain, the hand-over and the close ------------- */

/*
 * Moves the counters of slots [0, n) into dst, each with an exchange, so that
 * of the drain, the hand-over and the close, each byte is taken by exactly
 * one; then copies who the slots belong to.  Bytes first: a slot freed and
 * taken again (see tcptop_add_slow) is described before its first byte, so
 * bytes taken are never paired with the slot's previous process.  Returns
 * the bytes taken.
 */
static __always_inline __u64 tcptop_take_counters(struct tcptop_sock_rec *dst,
						  struct tcptop_sock_rec *f, __u32 n)
{
	__u64 total = 0;
	int i;

#pragma unroll
	for (i = 0; i < TCPTOP_SLOTS; i++) {
		if (i < n) {
			dst->slot[i].tx = f->slot[i].tx ?
				__sync_lock_test_and_set(&f->slot[i].tx, 0) : 0;
			dst->slot[i].rx = f->slot[i].rx ?
				__sync_lock_test_and_set(&f->slot[i].rx, 0) : 0;
			total += dst->slot[i].tx + dst->slot[i].rx;
			dst->slot[i].tgid = f->slot[i].tgid;
			dst->slot[i].closing = 0;
			dst->slot[i].cgroup = f->slot[i].cgroup;
			__builtin_memcpy(dst->slot[i].comm, f->slot[i].comm, TCPTOP_COMM_LEN);
		}
	}
	return total;
}

enum tcptop_hand_over_kind {
	TCPTOP_HAND_OVER_EARLY,		/* the application closes; the flow goes on */
	TCPTOP_HAND_OVER_FINAL,		/* the flow ends */
	TCPTOP_HAND_OVER_LEFTOVER,	/* bytes a racing event added after the end */
};

/*
 * Take every counter with an exchange (a concurrent drain takes each byte at
 * most once) and pass them to user space through the ring, or the spill map
 * when the ring is full.  A final record that fits in neither is counted as
 * dropped; an early one puts its bytes back, where the next drain or the
 * final record takes them.
 */
static __noinline void tcptop_hand_over(struct tcptop_sock_rec *f, int kind)
{
	struct tcptop_sock_rec last;
	bool final = kind != TCPTOP_HAND_OVER_EARLY;
	__u64 total;
	int i;

	__builtin_memcpy(&last, f, __builtin_offsetof(struct tcptop_sock_rec, slot));
	total = tcptop_take_counters(&last, f, TCPTOP_SLOTS);
	/* A final record tells user space the flow ended, even with nothing left. */
	if (!tcptop_is_process(last.slot[0].tgid) && !total)
		return;
	if (kind != TCPTOP_HAND_OVER_FINAL && !total)
		return;
	/* Leftovers are a flow of their own: the flow they raced with has ended. */
	if (kind == TCPTOP_HAND_OVER_LEFTOVER)
		last.id = __sync_fetch_and_add(&next_flow_id, 1) + 1;
	last.flags = final ? TCPTOP_FLOW_CLOSED : 0;
	last.closing = 0;
	/* A whole copy: every slot is filled in, even one claimed a moment ago. */
	last.nslots = TCPTOP_SLOTS;
	if (tcptop_submit(&last, final) == 0)
		return;
	if (final) {
		tcptop_drop(TCPTOP_DROP_CLOSED_BUF_FULL, total);
		return;
	}
#pragma unroll
	for (i = 0; i < TCPTOP_SLOTS; i++) {
		if (last.slot[i].tx)
			__sync_fetch_and_add(&f->slot[i].tx, last.slot[i].tx);
		if (last.slot[i].rx)
			__sync_fetch_and_add(&f->slot[i].rx, last.slot[i].rx);
	}
}

static __noinline void tcptop_flow_end(struct tcptop_sock_rec *f)
{
	/* Both twins of a hook, and both hooks, may run; only the first ends the flow. */
	if (__sync_lock_test_and_set(&f->closing, 1)) {
		tcptop_hand_over(f, TCPTOP_HAND_OVER_LEFTOVER);
		return;
	}
	/* From here on events take the slow path, which sends their bytes on at once. */
	__sync_lock_test_and_set(&f->slot[0].closing, 1);
	tcptop_give_back_place(f->uid);
	tcptop_count_netns(f->netns, -1, 0);
	__sync_fetch_and_add(&flows_closed, 1);
	tcptop_hand_over(f, TCPTOP_HAND_OVER_FINAL);
}

/*
 * Sequence counting: bytes whose events the kernel skipped, taken at the
 * close (before the FIN takes a sequence number; at TCP_CLOSE only when no
 * FIN was sent, a reset) and at each drain.  They go to the process closing
 * the socket when it holds the socket lock, else to the socket's owner.
 */
static __noinline void tcptop_seq_catch_up(struct tcptop_sock_rec *f, struct sock *sk,
					   bool tx, bool rx, bool closer)
{
	__u32 tgid = closer && sk->sk_lock.owned ? tcptop_current_tgid() : 0;
	struct tcp_sock *tp;
	__u32 d, seq;
	__s64 delta;
	__u64 now;

	/*
	 * Owner's bytes, but no owner yet: a send is creating this flow right
	 * now, and it counts them itself.
	 */
	if (!tgid && !tcptop_is_process(f->slot[0].tgid))
		return;

	if (tx && tcptop_tx_target(f, sk, &seq)) {
		d = tcptop_tx_advance(f, seq);
		if (d)
			tcptop_add(f, sk, tgid, d, false);
	}
	if (rx) {
		/* Every caller holds the socket lock, as the RX program does. */
		tp = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct tcp_sock));
		now = tcptop_consumed(sk, tp);
		delta = now - f->rx_seen;
		if (delta > 0) {
			f->rx_seen = now;
			tcptop_add(f, sk, tgid, delta, true);
		}
	}
}

/* ---- tracepoint mode ---------------------------------------------------- */

SEC("tp_btf/sock_send_length")
int BPF_PROG(tcptop_tp_send, struct sock *sk, int ret, int flags)
{
	if (ret <= 0 || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	tcptop_count_tracing(sk, ret, false);
	return 0;
}

/*
 * First RX event of a socket without a flow entry.  A connection born after
 * start-up, or seen by the start-up seeding, has a cursor; one without is
 * older than us, and is counted from now on.
 */
static __noinline int tcptop_rx_first_sight(struct sock *sk, __u32 tgid, __u64 now)
{
	struct tcptop_rx_cursor *c = bpf_sk_storage_get(&rx_cursor, sk, 0, 0);
	struct tcptop_sock_rec *f;
	__s64 delta;
	int why = TCPTOP_DROP_MAP_FULL;
	bool created = false;

	delta = c ? now - c->rx_seen : 0;
	if (tgid && !tcptop_task_wanted(tgid))
		delta = 0;	/* a filtered-out reader's bytes must not land on the next reader */
	if (!tgid || tcptop_sk_unhashed(sk)) {
		/* No process reads (softirq), or no connection: no flow entry. */
		if (delta > 0 && !tgid)
			tcptop_drop(TCPTOP_DROP_SOFTIRQ, delta);
		else if (delta > 0)
			tcptop_emit_after_close(NULL, sk, tgid, delta, true);
		goto move_cursor;
	}
	if (!delta)
		goto move_cursor;
	f = tcptop_flow_sk_create(sk, now, tcptop_tx_baseline(sk, tcptop_write_seq(sk), 0), &why,
				  &created);
	if (f && created)
		tcptop_flow_settle(f, sk);
	if (!f) {
		tcptop_drop(why, delta);
		if (why == TCPTOP_DROP_USER_SHARE)
			tcptop_note_refused(BPF_CORE_READ(sk, sk_uid.val), delta);
		goto move_cursor;
	}
	/*
	 * Another thread's first send may have created the entry, with the
	 * cursor's old value as its baseline.  We hold the socket lock, which
	 * every RX update takes, and the sender never touches rx_seen again.
	 */
	f->rx_seen = now;
	if (delta > 0)
		tcptop_add(f, sk, tgid, delta, true);
	return 0;

move_cursor:
	/* Keep the cursor moving so the next read counts, or is measured, from here. */
	c = bpf_sk_storage_get(&rx_cursor, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (c)
		c->rx_seen = now;
	return 0;
}

/*
 * RX: the kernel calls tcp_rcv_space_adjust under the socket lock after every
 * copy out of the receive queue by recvmsg, splice (tcp_read_sock) or
 * zero-copy receive.  The bytes consumed since the last call are this
 * reader's: the current process when it owns the socket lock, nobody's (a
 * softirq reading for a kernel user of the socket) otherwise.  Peeks do not
 * move the sequence, so add nothing.  sock_recv_length would miss splice, so
 * it is not used.
 */
SEC("tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(tcptop_tp_rcv_space, struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;
	struct tcp_sock *tp;
	struct tcptop_sock_rec *f;
	__u32 tgid;
	__u64 now;
	__s64 delta;

	if ((family != AF_INET && family != AF_INET6) || !tcptop_family_wanted(sk, family))
		return 0;
	/* Always a full TCP socket here: a cast reads it without a helper call. */
	tp = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct tcp_sock));
	now = tcptop_consumed(sk, tp);
	tgid = sk->sk_lock.owned ? tcptop_current_tgid() : 0;
	f = bpf_sk_storage_get(&flows_sk, sk, 0, 0);
	if (!f)
		return tcptop_rx_first_sight(sk, tgid, now);
	/* The socket lock serialises these calls, so a plain update is enough. */
	delta = now - f->rx_seen;
	if (delta == 0)
		return 0;
	f->rx_seen = now;
	if (delta > 0 && (!tgid || tcptop_task_wanted(tgid)))
		tcptop_add(f, sk, tgid, delta, true);
	return 0;
}

/*
 * The application closes (FIN_WAIT1 after close or shutdown, LAST_ACK after
 * the peer closed first): hand over what the socket holds now, in the
 * closer's context.
 *
 * The socket leaves the connection tables (TCP_CLOSE: after TIME_WAIT began,
 * the last ACK, a reset, a disconnect): the flow ends.  Measured on 6.18:
 * when hundreds of processes close at once, a few sockets reach TIME_WAIT
 * with no tcp_destroy_sock event reaching any program of ours.
 *
 * A connection is born (SYN_SENT, or SYN_RECV for an accepted one): nothing
 * consumed yet, so its first read counts whole; and a socket reconnected
 * after connect(AF_UNSPEC) starts a new flow, with its new addresses.
 *
 * Passive opens are born in softirq, which can interrupt this program in
 * process context (an active open), so it has a twin like the destroy hook.
 */
/* The states in which this end has not sent its FIN: the send sequence is all data. */
static __always_inline bool tcptop_state_before_fin(int state)
{
	return state == TCP_ESTABLISHED || state == TCP_CLOSE_WAIT;
}

static __always_inline int tcptop_state_common(struct sock *sk, int oldstate, int newstate)
{
	struct tcptop_rx_cursor *c;
	struct tcptop_sock_rec *f;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	if (newstate == TCP_SYN_SENT || newstate == TCP_SYN_RECV) {
		f = bpf_sk_storage_get(&flows_sk, sk, 0, 0);
		if (f) {
			tcptop_flow_end(f);
			bpf_sk_storage_delete(&flows_sk, sk);
		}
		if (rx_by_seq) {
			c = bpf_sk_storage_get(&rx_cursor, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
			if (c) {
				c->rx_seen = 0;
				c->tx_valid = 0;
			}
		}
		return 0;
	}
	if (newstate == TCP_ESTABLISHED) {
		/* Only fast-open data can precede this: nothing queued yet otherwise. */
		if (tx_by_seq && !bpf_sk_storage_get(&flows_sk, sk, 0, 0)) {
			c = bpf_sk_storage_get(&rx_cursor, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
			if (c) {
				c->tx_seq = tcptop_write_seq(sk);
				c->tx_valid = 1;
			}
		}
		return 0;
	}
	if (newstate == TCP_CLOSE) {
		/* Pairs with the locked add in tcptop_flow_sk_create. */
		__sync_fetch_and_add(&flows_closed, 0);
		f = bpf_sk_storage_get(&flows_sk, sk, 0, 0);
		if (!f)
			return 0;
		/* A reset or a disconnect, no FIN: the sequence is all data. */
		if (tx_by_seq && !f->closing)
			tcptop_seq_catch_up(f, sk, tcptop_state_before_fin(oldstate), true, false);
		tcptop_flow_end(f);
		return 0;
	}
	if (newstate != TCP_FIN_WAIT1 && newstate != TCP_LAST_ACK)
		return 0;
	f = bpf_sk_storage_get(&flows_sk, sk, 0, 0);
	if (!f)
		return 0;
	if (tx_by_seq && !f->closing) {
		/* TCP sends the FIN, taking a sequence number, just after this. */
		tcptop_seq_catch_up(f, sk, true, true, true);
		__sync_lock_test_and_set(&f->tx_fin, 1);
	}
	tcptop_hand_over(f, TCPTOP_HAND_OVER_EARLY);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcptop_tp_state, struct sock *sk, int oldstate, int newstate)
{
	return tcptop_state_common(sk, oldstate, newstate);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcptop_tp_state_twin, struct sock *sk, int oldstate, int newstate)
{
	return tcptop_state_common(sk, oldstate, newstate);
}

/* ---- fentry mode -------------------------------------------------------- */

SEC("fexit/tcp_sendmsg")
int BPF_PROG(tcptop_fexit_sendmsg, struct sock *sk, void *msg, size_t size, int ret)
{
	if (ret > 0)
		tcptop_count_tracing(sk, ret, false);
	return 0;
}

/* sendfile() and splice() into a socket, before 6.5 moved them onto tcp_sendmsg. */
SEC("fexit/tcp_sendpage")
int BPF_PROG(tcptop_fexit_sendpage, struct sock *sk, void *page, int offset, size_t size,
	     int flags, int ret)
{
	if (ret > 0)
		tcptop_count_tracing(sk, ret, false);
	return 0;
}

/*
 * tcp_recvmsg's prototype varies: (sk, msg, len, nonblock, flags, addr_len)
 * before 5.19, (sk, msg, len, flags, addr_len) from 5.19 (6.12 still), and
 * (sk, msg, len, flags) once addr_len went (6.18 and 7.2 have it).  User space finds `flags` by name in the kernel's BTF and
 * sets its position here; the return value follows the last argument, which
 * bpf_get_func_ret finds whatever their number.  The verifier rewrites both
 * helpers into a few loads from the trampoline's frame (do_misc_fixups, since
 * 5.17, every architecture), so they cost no helper call.  sk is the first
 * argument in every prototype, read from the context so it stays a trusted
 * pointer.
 */
const volatile __u32 recvmsg_flags_arg = 3;

SEC("fexit/tcp_recvmsg")
int tcptop_fexit_recvmsg(unsigned long long *ctx)
{
	struct sock *sk = (struct sock *)ctx[0];
	__u64 flags, ret;

	if (bpf_get_func_arg(ctx, recvmsg_flags_arg, &flags) || bpf_get_func_ret(ctx, &ret))
		return 0;
	if (tcptop_recv_counts((int)ret, (int)flags))
		tcptop_count_tracing(sk, (int)ret, true);
	return 0;
}

/* splice() out of a socket reads through tcp_read_sock, never tcp_recvmsg. */
SEC("fexit/tcp_splice_read")
int BPF_PROG(tcptop_fexit_splice_read, struct socket *sock, void *ppos, void *pipe,
	     size_t len, unsigned int flags, long ret)
{
	struct sock *sk = sock->sk;

	if (ret > 0 && sk)
		tcptop_count_tracing(sk, ret, true);
	return 0;
}

/* ---- kprobe mode -------------------------------------------------------- */

static __always_inline int tcptop_stash_args(struct sock *sk, __u32 flags)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct tcptop_stash s = { .sk = sk, .flags = flags };

	if (bpf_map_update_elem(&stash, &tid, &s, BPF_ANY))
		tcptop_drop(TCPTOP_DROP_STASH_FULL, 0);
	return 0;
}

static __always_inline int tcptop_count_return(__s64 ret, bool rx)
{
	__u64 tid = bpf_get_current_pid_tgid();
	__u32 tgid = tid >> 32;
	struct tcptop_stash *s = bpf_map_lookup_elem(&stash, &tid);
	struct tcptop_sock_rec *f;
	struct sock *sk;
	__u64 key;
	__u32 flags;
	__u16 family;
	int why = TCPTOP_DROP_MAP_FULL;
	bool created = false;

	if (!s)
		return 0;
	sk = s->sk;
	flags = s->flags;
	bpf_map_delete_elem(&stash, &tid);
	if (ret <= 0 || (rx && !tcptop_recv_counts(ret, flags)) || !sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (!tcptop_family_wanted(sk, family) || !tcptop_task_wanted(tgid))
		return 0;
	key = (__u64)sk;
	f = bpf_map_lookup_elem(&flows_hash, &key);
	if (!f) {
		if (tcptop_sk_unhashed(sk)) {
			tcptop_emit_after_close(NULL, sk, tgid, ret, rx);
			return 0;
		}
		f = tcptop_flow_hash_create(sk, tgid, &why, &created);
		if (f && created)
			tcptop_flow_settle(f, sk);
	}
	if (!f) {
		tcptop_drop(why, ret);
		if (why == TCPTOP_DROP_USER_SHARE)
			tcptop_note_refused(BPF_CORE_READ(sk, sk_uid.val), ret);
		return 0;
	}
	tcptop_add(f, sk, tgid, ret, rx);
	return 0;
}

SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(tcptop_kp_sendmsg, struct sock *sk)
{
	return tcptop_stash_args(sk, 0);
}

SEC("kretprobe/tcp_sendmsg")
int BPF_KRETPROBE(tcptop_krp_sendmsg, int ret)
{
	return tcptop_count_return(ret, false);
}

SEC("kprobe/tcp_sendpage")
int BPF_KPROBE(tcptop_kp_sendpage, struct sock *sk)
{
	return tcptop_stash_args(sk, 0);
}

SEC("kretprobe/tcp_sendpage")
int BPF_KRETPROBE(tcptop_krp_sendpage, int ret)
{
	return tcptop_count_return(ret, false);
}

SEC("kprobe/tcp_recvmsg")
int BPF_KPROBE(tcptop_kp_recvmsg, struct sock *sk, void *msg, size_t len, int flags)
{
	return tcptop_stash_args(sk, flags);
}

SEC("kprobe/tcp_recvmsg")
int BPF_KPROBE(tcptop_kp_recvmsg_nonblock, struct sock *sk, void *msg, size_t len,
	       int nonblock, int flags)
{
	return tcptop_stash_args(sk, flags);
}

SEC("kretprobe/tcp_recvmsg")
int BPF_KRETPROBE(tcptop_krp_recvmsg, int ret)
{
	return tcptop_count_return(ret, true);
}

SEC("kprobe/tcp_splice_read")
int BPF_KPROBE(tcptop_kp_splice_read, struct socket *sock)
{
	return tcptop_stash_args(BPF_CORE_READ(sock, sk), 0);
}

SEC("kretprobe/tcp_splice_read")
int BPF_KRETPROBE(tcptop_krp_splice_read, long ret)
{
	return tcptop_count_return(ret, true);
}

/* ---- socket destruction ------------------------------------------------ */

/*
 * Twin programs on one hook.  The kernel skips a tracing program that an
 * interrupt re-enters on the same CPU (its recursion guard), and a socket can
 * be destroyed in a softirq that interrupted this very program destroying
 * another one (process context, backlog processing).  A skipped destroy would
 * lose the socket's last bytes silently.  With two programs, the nested call
 * skips the busy one and the other runs; tcptop_flow_end ends the flow once.
 * By now the flow has normally ended at TCP_CLOSE; this passes on what a
 * racing event added since.
 */
static __always_inline int tcptop_destroy_sk_common(struct sock *sk)
{
	struct tcptop_sock_rec *f = bpf_sk_storage_get(&flows_sk, sk, 0, 0);

	if (f)
		tcptop_flow_end(f);
	return 0;
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(tcptop_destroy_sk, struct sock *sk)
{
	return tcptop_destroy_sk_common(sk);
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(tcptop_destroy_sk_twin, struct sock *sk)
{
	return tcptop_destroy_sk_common(sk);
}

/*
 * kprobe mode runs where BPF trampolines may be missing, so no tp_btf; and not
 * the classic tracepoint either: those programs share one per-CPU "a BPF
 * program is running" guard with kprobes, so a socket destroyed in a softirq
 * that interrupted one of our kprobes was skipped silently, its entry
 * outlived it and the next socket at that address inherited its addresses
 * (seen on 6.1 under qemu).  Raw tracepoints only guard against themselves,
 * which the twin covers as above.
 */
static __always_inline int tcptop_destroy_hash_common(__u64 key)
{
	struct tcptop_sock_rec *f = bpf_map_lookup_elem(&flows_hash, &key);

	if (!f)
		return 0;
	tcptop_flow_end(f);
	bpf_map_delete_elem(&flows_hash, &key);
	return 0;
}

/* kprobe mode's tcptop_state_common, on the hash keyed by the socket's address. */
static __always_inline int tcptop_state_hash_common(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 key = ctx->args[0];
	int newstate = ctx->args[2];
	struct tcptop_sock_rec *f;

	if (newstate == TCP_CLOSE)
		/* Pairs with the locked add in tcptop_flow_hash_create. */
		__sync_fetch_and_add(&flows_closed, 0);
	else if (newstate == TCP_SYN_SENT || newstate == TCP_SYN_RECV)
		return tcptop_destroy_hash_common(key);
	else if (newstate != TCP_FIN_WAIT1 && newstate != TCP_LAST_ACK)
		return 0;
	f = bpf_map_lookup_elem(&flows_hash, &key);
	if (!f)
		return 0;
	if (newstate == TCP_CLOSE)
		tcptop_flow_end(f);
	else
		tcptop_hand_over(f, TCPTOP_HAND_OVER_EARLY);
	return 0;
}

SEC("raw_tracepoint/inet_sock_set_state")
int tcptop_state_hash(struct bpf_raw_tracepoint_args *ctx)
{
	return tcptop_state_hash_common(ctx);
}

SEC("raw_tracepoint/inet_sock_set_state")
int tcptop_state_hash_twin(struct bpf_raw_tracepoint_args *ctx)
{
	return tcptop_state_hash_common(ctx);
}

SEC("raw_tracepoint/tcp_destroy_sock")
int tcptop_destroy_hash(struct bpf_raw_tracepoint_args *ctx)
{
	return tcptop_destroy_hash_common(ctx->args[0]);
}

SEC("raw_tracepoint/tcp_destroy_sock")
int tcptop_destroy_hash_twin(struct bpf_raw_tracepoint_args *ctx)
{
	return tcptop_destroy_hash_common(ctx->args[0]);
}

/*
 * Run once at start-up (tracepoint mode): give every connection that already
 * exists a cursor at what it has consumed so far, so its first read after
 * start-up counts in full.  Connections born later get theirs from
 * tcptop_tp_state.  Writes no output.
 */
SEC("iter/tcp")
int tcptop_seed_rx(struct bpf_iter__tcp *ctx)
{
	struct tcptop_rx_cursor init;
	struct sock_common *skc = ctx->sk_common;
	struct tcp_sock *tp;

	if (!skc)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp || ((struct sock *)tp)->__sk_common.skc_state == TCP_LISTEN)
		return 0;
	if (bpf_sk_storage_get(&flows_sk, tp, 0, 0) || bpf_sk_storage_get(&rx_cursor, tp, 0, 0))
		return 0;
	init.rx_seen = tcptop_consumed((struct sock *)tp, tp);
	init.tx_seq = tp->write_seq;
	init.tx_valid = tx_by_seq;
	bpf_sk_storage_get(&rx_cursor, tp, &init, BPF_SK_STORAGE_GET_F_CREATE);
	return 0;
}

/* ---- drain: one record per socket with bytes since the last drain -------- */

/*
 * A slot is taken before any counter is, so a full buffer loses nothing: the
 * socket keeps its bytes and the drain runs another pass.  The counters are
 * then taken with an exchange, so a concurrent event or the close hooks can
 * neither lose nor double a byte.  Returns false when the flow keeps bytes
 * for a later pass.
 */
static __always_inline bool tcptop_emit_live(struct tcptop_sock_rec *f)
{
	struct tcptop_sock_rec *rec;
	__u32 idx, n = f->nslots;
	int i;

	/*
	 * A slot claimed but not yet in nslots keeps its bytes for the next
	 * drain, like a busy one; nothing is lost.
	 */
	if (n > TCPTOP_SLOTS)
		n = TCPTOP_SLOTS;
#pragma unroll
	for (i = 0; i < TCPTOP_SLOTS; i++)
		if (i < n && (f->slot[i].tx || f->slot[i].rx))
			break;
	if (i == TCPTOP_SLOTS)
		return true;	/* idle since the last drain: costs no write */
	/* Only the drain's read() runs this program, one element at a time: no lock prefix. */
	idx = drain_count++;
	rec = bpf_map_lookup_elem(&drain_buf, &idx);
	if (!rec) {
		__sync_fetch_and_add(&drain_deferred, 1);
		return false;
	}
	__builtin_memcpy(rec, f, __builtin_offsetof(struct tcptop_sock_rec, slot));
	rec->flags = 0;
	rec->nslots = n;
	tcptop_take_counters(rec, f, n);
	return true;
}

/*
 * Lower bound over the whole list without a branch (user space pads it with
 * ~0 past dead_count): a search that branched would double the verifier's
 * paths at every step.
 */
static __always_inline bool tcptop_tgid_dead(__u32 tgid)
{
	__u32 base = 0, step;
	__u64 lt;

#pragma unroll
	for (step = TCPTOP_MAX_DEAD / 2; step; step /= 2) {
		lt = ((__u64)dead_tgids[(base + step - 1) & (TCPTOP_MAX_DEAD - 1)] - tgid) >> 63;
		base += step & (__u32)-lt;
	}
	return dead_tgids[base & (TCPTOP_MAX_DEAD - 1)] == tgid;
}

/*
 * Slots of processes that exited, once their bytes are taken, become free
 * for other processes: a socket inherited by short-lived children would
 * otherwise keep their slots for its whole life, and its owner's bytes
 * would be dropped.  User space lists the exited processes in dead_tgids.
 */
static __always_inline void tcptop_free_dead_slots(struct tcptop_sock_rec *f)
{
	__u32 n = f->nslots;
	int i;

	if (!dead_count || n > TCPTOP_SLOTS)
		return;
#pragma unroll
	for (i = 0; i < TCPTOP_SLOTS; i++) {
		__u32 tgid = f->slot[i].tgid;

		if (i >= n || !tcptop_is_process(tgid) || f->slot[i].tx || f->slot[i].rx)
			continue;
		if (tcptop_tgid_dead(tgid))
			__sync_val_compare_and_swap(&f->slot[i].tgid, tgid, TCPTOP_SLOT_FREED);
	}
}

/* One reader at a time (the drain's read()), so plain updates of the counters. */
static __always_inline void tcptop_note_visit(struct tcptop_sock_rec *f)
{
	__u32 idx;
	__u64 *slot;

	if (f->closing)
		return;
	drain_visited++;
	if (!sweep)
		return;
	idx = alive_count++;
	slot = bpf_map_lookup_elem(&alive_ids, &idx);
	if (slot)
		*slot = f->id;
}

/* Ended flows hand over their own bytes (see tcptop_flow_end). */
static __always_inline void tcptop_drain_flow(struct tcptop_sock_rec *f, struct sock *sk)
{
	if (f->closing)
		return;
	/*
	 * Sends whose events the kernel skipped, on a socket that has been quiet
	 * since; not once this end sent its FIN, which takes a sequence number
	 * (the close hooks took what was left then).
	 */
	if (tx_by_seq && sk && tcptop_state_before_fin(sk->__sk_common.skc_state))
		tcptop_seq_catch_up(f, sk, true, false, false);
	tcptop_note_visit(f);
	if (tcptop_emit_live(f))
		tcptop_free_dead_slots(f);
}

SEC("iter/bpf_sk_storage_map")
int tcptop_drain_sk(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	struct tcptop_sock_rec *f = ctx->value;

	if (ctx->sk && f)
		tcptop_drain_flow(f, ctx->sk);
	return 0;
}

struct bpf_iter__bpf_map_elem {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
	void *key;
	void *value;
} __pai;

SEC("iter/bpf_map_elem")
int tcptop_drain_hash(struct bpf_iter__bpf_map_elem *ctx)
{
	struct tcptop_sock_rec *f = ctx->value;

	if (ctx->key && f)
		tcptop_drain_flow(f, NULL);
	return 0;
}

/*
 * The same drain over the sockets of one network namespace, for kernels that
 * refuse map-element iterators (seen on a 6.18 host in lockdown integrity
 * mode) but allow the tcp iterator.  Every live flow is on a socket in the
 * connection tables (flows end at TCP_CLOSE), which is what this walks; user
 * space runs it once per namespace with live flows.
 */
SEC("iter/tcp")
int tcptop_drain_tcp_sk(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_sock *tp;
	struct tcptop_sock_rec *f;

	if (!skc)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	f = bpf_sk_storage_get(&flows_sk, tp, 0, 0);
	if (f)
		tcptop_drain_flow(f, (struct sock *)tp);
	return 0;
}

SEC("iter/tcp")
int tcptop_drain_tcp_hash(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcptop_sock_rec *f;
	__u64 key;

	if (!skc || !bpf_skc_to_tcp_sock(skc))
		return 0;
	key = (__u64)skc;
	f = bpf_map_lookup_elem(&flows_hash, &key);
	if (f)
		tcptop_drain_flow(f, NULL);
	return 0;
}
