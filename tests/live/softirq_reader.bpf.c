// SPDX-License-Identifier: GPL-2.0
/*
 * A kernel reader of a TCP socket, for tests/live/live_softirq: a sockmap stream
 * parser.  The kernel's strparser reads the socket's receive queue with
 * tcp_read_sock from the data_ready callback, in softirq, in whichever task
 * the packet arrived in (on loopback: the sender's), not in the socket
 * owner's.  Every message is passed on to the socket's owner.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 2);
	__type(key, int);
	__type(value, int);
} softirq_socks SEC(".maps");

SEC("sk_skb/stream_parser")
int softirq_parse(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("sk_skb/stream_verdict")
int softirq_verdict(struct __sk_buff *skb)
{
	return SK_PASS;
}
