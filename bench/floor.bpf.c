// SPDX-License-Identifier: GPL-2.0
/*
 * The design floor of per-socket counting: one socket-storage lookup and one
 * atomic add per event, and nothing else (no process slot, no filters, no
 * receive sequence).  Every design that keeps its counters in socket storage
 * pays at least this on the same hooks; what tcptop costs above it is what
 * its own choices add.  The value is tcptop's own, so the element is the same
 * size and the counter sits where tcptop's first slot does.
 */
#include "tcptop_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "tcptop.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tcptop_sock_rec);
} floor_sk SEC(".maps");

SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_send, struct sock *sk, int ret, int flags)
{
	struct tcptop_sock_rec *f;

	if (ret <= 0)
		return 0;
	f = bpf_sk_storage_get(&floor_sk, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (f)
		__sync_fetch_and_add(&f->slot[0].tx, ret);
	return 0;
}

/* Counts calls, not bytes: the bytes would need the receive sequence, which is tcptop's work. */
SEC("tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(floor_rcv, struct sock *sk)
{
	struct tcptop_sock_rec *f = bpf_sk_storage_get(&floor_sk, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);

	if (f)
		__sync_fetch_and_add(&f->slot[0].rx, 1);
	return 0;
}

/*
 * The floor plus what attributing bytes to processes needs at the least: the
 * current process's id (one more helper call) checked against the owner of
 * the socket's first slot.
 */
static __always_inline void floor_id_add(struct sock *sk, __u64 bytes, bool rx)
{
	__u32 tgid = bpf_get_current_task_btf()->tgid;
	struct tcptop_sock_rec *f = bpf_sk_storage_get(&floor_sk, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);

	if (!f)
		return;
	if (f->slot[0].tgid != tgid) {
		f->slot[0].tgid = tgid;
		return;
	}
	if (rx)
		__sync_fetch_and_add(&f->slot[0].rx, bytes);
	else
		__sync_fetch_and_add(&f->slot[0].tx, bytes);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_id_send, struct sock *sk, int ret, int flags)
{
	if (ret > 0)
		floor_id_add(sk, ret, false);
	return 0;
}

SEC("tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(floor_id_rcv, struct sock *sk)
{
	floor_id_add(sk, 1, true);
	return 0;
}
