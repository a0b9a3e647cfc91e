/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel types the programs touch, declared by hand instead of a
 * vmlinux.h dumped from the build host.  Every struct is marked
 * preserve_access_index, so libbpf relocates each field access against the
 * BTF of the kernel we load into: the object is built once and runs on any
 * kernel with BTF, whatever kernel the build machine runs.  Only members we
 * read are listed; their order and offsets here do not matter.
 */
#ifndef TCPTOP_KERNEL_H
#define TCPTOP_KERNEL_H

#include <linux/types.h>
#include <linux/bpf.h>

/* libbpf's bpf_tracing.h picks kernel register names when this is set. */
#define __VMLINUX_H__ 1

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s64 s64;
typedef _Bool bool;
typedef unsigned long size_t;
#define true 1
#define false 0

#define AF_INET		2
#define AF_INET6	10
#define IPPROTO_TCP	6
#define MSG_PEEK	0x2
#define MSG_ERRQUEUE	0x2000
#define SOCK_DONE	1	/* enum sock_flags: set when a FIN arrived */
#define TCP_ESTABLISHED	1
#define TCP_SYN_SENT	2
#define TCP_SYN_RECV	3
#define TCP_FIN_WAIT1	4
#define TCP_CLOSE	7
#define TCP_CLOSE_WAIT	8
#define TCP_LAST_ACK	9
#define TCP_LISTEN	10

#define __pai __attribute__((preserve_access_index))

struct in6_addr {
	union {
		__u8 u6_addr8[16];
		__u32 u6_addr32[4];
	} in6_u;
} __pai;

struct ns_common {
	unsigned int inum;
} __pai;

struct net {
	struct ns_common ns;
} __pai;

typedef struct {
	struct net *net;
} __pai possible_net_t;

typedef struct {
	__u32 val;
} __pai kuid_t;

/* owned: a process holds the socket lock (lock_sock), as opposed to a softirq. */
typedef struct {
	int owned;
} __pai socket_lock_t;

struct hlist_nulls_node {
	struct hlist_nulls_node *next, **pprev;
} __pai;

struct sock_common {
	union {
		struct hlist_nulls_node skc_nulls_node;
	};
	union {
		struct {
			__be32 skc_daddr;
			__be32 skc_rcv_saddr;
		};
	};
	union {
		struct {
			__be16 skc_dport;
			__u16 skc_num;
		};
	};
	unsigned short skc_family;
	volatile unsigned char skc_state;
	unsigned long skc_flags;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
	possible_net_t skc_net;
} __pai;

struct sock {
	struct sock_common __sk_common;
	socket_lock_t sk_lock;
	__u16 sk_protocol;
	kuid_t sk_uid;
} __pai;

/* inet_sport survives the unbind at TCP_CLOSE, which zeroes skc_num. */
struct inet_sock {
	__be16 inet_sport;
} __pai;

struct tcp_sock {
	__u64 bytes_received;
	__u32 rcv_nxt;
	__u32 copied_seq;
	__u32 write_seq;	/* sequence after the last byte the application queued */
} __pai;

struct task_struct {
	int tgid;
	struct task_struct *group_leader;
	char comm[16];
} __pai;

struct socket {
	struct sock *sk;
} __pai;

struct seq_file;
struct bpf_map;

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
} __pai;

struct bpf_iter__bpf_sk_storage_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
	struct sock *sk;
	void *value;
} __pai;

struct bpf_iter__tcp {
	struct bpf_iter_meta *meta;
	struct sock_common *sk_common;
	__u32 uid;
} __pai;

#if defined(__TARGET_ARCH_x86)
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
} __pai;
#elif defined(__TARGET_ARCH_arm64)
struct user_pt_regs {
	__u64 regs[31];
	__u64 sp;
	__u64 pc;
	__u64 pstate;
} __pai;
typedef struct user_pt_regs user_pt_regs;
struct pt_regs {
	struct user_pt_regs user_regs;
} __pai;
#endif

#endif
