/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tcptop core: loads and attaches the kernel programs, drains their
 * counters into a flow table, and formats addresses.  Both front ends (the
 * collectd plugin and the CLI) are thin layers over this API.
 *
 * Rules: no printing (messages go through the log callback), no collectd, and
 * every function that can fail returns 0 or a negative errno.
 */
#ifndef TCPTOP_CORE_H
#define TCPTOP_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCPTOP_COMM_MAX 16
/* The largest PID Linux hands out (PID_MAX_LIMIT on 64-bit): the CLI's and the plugin's limit. */
#define TCPTOP_PID_MAX 4194304u
#define TCPTOP_DEFAULT_MAX_FLOWS 16384
/*
 * The kernel ends one iterator read() after a million objects, and a drain
 * that needs a second read() may skip or repeat sockets (it loses no byte,
 * but cannot tell which flows vanished); keep every live flow within one.
 */
#define TCPTOP_MAX_FLOWS_LIMIT 1000000u

enum tcptop_mode {
	TCPTOP_MODE_AUTO = 0,
	TCPTOP_MODE_TRACEPOINT,
	TCPTOP_MODE_FENTRY,
	TCPTOP_MODE_KPROBE,
};

/* "auto", "tracepoint", "fentry", "kprobe"; NULL for an unknown value. */
const char *tcptop_mode_name(enum tcptop_mode mode);
/* Returns 0, or -EINVAL when s names no mode. */
int tcptop_mode_parse(const char *s, enum tcptop_mode *out);

/*
 * How a drain reaches the kernel's counters.  A map iterator walks the flow
 * map itself; some kernels (lockdown in integrity mode) refuse to load
 * map-element iterators, and then the tcp iterator walks the sockets of each
 * network namespace instead.  auto tries the map iterator first.  The
 * environment variable TCPTOP_DRAIN (auto, map, socket) overrides auto, so a
 * test suite can run both paths on any host.
 */
enum tcptop_drain_method {
	TCPTOP_DRAIN_AUTO = 0,
	TCPTOP_DRAIN_MAP,
	TCPTOP_DRAIN_SOCKET,
};

/* "auto", "map", "socket"; NULL for an unknown value. */
const char *tcptop_drain_method_name(enum tcptop_drain_method m);
/* Returns 0, or -EINVAL when s names no method. */
int tcptop_drain_method_parse(const char *s, enum tcptop_drain_method *out);

enum tcptop_log_level {
	TCPTOP_LOG_ERROR = 0,
	TCPTOP_LOG_WARNING,
	TCPTOP_LOG_INFO,
	TCPTOP_LOG_DEBUG,
};

typedef void (*tcptop_log_fn)(enum tcptop_log_level level, const char *msg, void *ctx);

struct tcptop_opts {
	enum tcptop_mode mode;
	uint32_t pid;			/* count only this process (tgid); 0: all */
	int family;			/* 0, AF_INET or AF_INET6 */
	const char *cgroup_path;	/* count only tasks in this cgroup v2 subtree */
	uint32_t max_flows;		/* sockets tracked at once; 0: default */
	uint32_t closed_ring_bytes;	/* room for sockets closing between drains; 0: default */
	enum tcptop_drain_method drain;
	tcptop_log_fn log;
	void *log_ctx;
};

/*
 * Why events or bytes could not be attributed.  All but the last are counted
 * by the kernel programs, in the order of bpf/tcptop.h's TCPTOP_DROP_*
 * (tracer.c asserts it).
 */
enum tcptop_drop_kind {
	TCPTOP_DROPPED_MAP_FULL = 0,
	TCPTOP_DROPPED_SLOTS_FULL,
	TCPTOP_DROPPED_CLOSED_RING_FULL,
	TCPTOP_DROPPED_STASH_FULL,
	/* Read in softirq from a socket that no process had used yet: nobody to charge. */
	TCPTOP_DROPPED_SOFTIRQ,
	/* A non-root user's sockets beyond its share of the places (see refused_uids). */
	TCPTOP_DROPPED_USER_SHARE,
	/*
	 * Events the kernel did not run our programs for: its recursion guard
	 * skips a program re-entered on the same CPU.  Bytes are unknown (0).
	 */
	TCPTOP_DROPPED_SKIPPED_BY_KERNEL,
	TCPTOP_DROPPED_KINDS,
};

const char *tcptop_drop_kind_name(enum tcptop_drop_kind kind);

/* Users whose sockets were refused a place this drain, busiest first. */
#define TCPTOP_REFUSED_UIDS 4
struct tcptop_refused_uid {
	uint32_t uid;
	uint64_t events;
	uint64_t bytes;
};

struct tcptop_drain_stats {
	uint64_t records;		/* socket records read this drain */
	uint64_t closed_records;	/* of which for sockets that closed */
	uint64_t spilled_records;	/* of which came through the spill map (the ring was full) */
	uint64_t flows;			/* entries in the table after the drain */
	uint64_t live_sockets;		/* sockets the kernel tracks now */
	uint64_t vanished_sockets;	/* freed without a destroy event, found by recount */
	uint64_t vanished_flows;	/* table entries of such sockets, marked closed now */
	uint64_t dropped_events;	/* this drain, all kinds */
	uint64_t dropped_bytes;
	uint64_t dropped_events_by_kind[TCPTOP_DROPPED_KINDS];
	uint64_t dropped_bytes_by_kind[TCPTOP_DROPPED_KINDS];
	struct tcptop_refused_uid refused_uids[TCPTOP_REFUSED_UIDS];	/* uid 0 ends the list */
	uint64_t drain_ns;
	uint64_t kernel_ns;		/* of which in the kernel's iterator passes */
	uint32_t passes;		/* iterator passes (more than 1 only if the buffer filled) */
	uint32_t netns_walked;		/* socket drain: namespaces walked this drain */
	/*
	 * Socket drain: namespaces with live flows that could not be entered
	 * (no CAP_SYS_ADMIN, or no process left to find them by); their flows
	 * are reported when they end, not while they live.
	 */
	uint32_t netns_unreachable;
	uint32_t exited_slots;		/* slots of exited processes freed for others */
};

/* ---- flow table --------------------------------------------------------- */

/*
 * One process's use of one socket.  The id is the kernel's socket id; a
 * forked child sharing the socket is a separate entry with the same id.
 */
struct tcptop_flow_entry {
	uint64_t id;
	uint32_t tgid;
	uint32_t uid;			/* the socket's owner */
	uint32_t netns;			/* inode number of the socket's network namespace */
	uint64_t cgroup;		/* cgroup v2 id of the process when it first used the socket */
	char comm[TCPTOP_COMM_MAX];
	int family;			/* AF_INET for IPv4-mapped IPv6 sockets too */
	uint16_t lport;
	uint16_t rport;
	uint8_t laddr[16];		/* 4 bytes used for AF_INET */
	uint8_t raddr[16];
	uint64_t rx_total;		/* since the flow was first seen */
	uint64_t tx_total;
	uint64_t rx_delta;		/* in the last drain */
	uint64_t tx_delta;
	bool closed;			/* flow ended (or its process exited); evicted at the next drain */
	bool shared;			/* the socket has other processes too */
};

struct tcptop_table;

int tcptop_table_new(struct tcptop_table **out);
void tcptop_table_free(struct tcptop_table *t);
/*
 * Start a drain: forget flows reported closed by the previous drain, and
 * zero every delta.
 */
void tcptop_table_begin(struct tcptop_table *t);
size_t tcptop_table_count(const struct tcptop_table *t);
/* Entries in insertion order; valid until the next drain.  Only the core changes them. */
const struct tcptop_flow_entry *tcptop_table_at(const struct tcptop_table *t, size_t i);

/* ---- tracer: the loaded kernel programs ---------------------------------- */

struct tcptop_tracer;

/*
 * Check prerequisites, load and attach.  On failure one ERROR sentence says
 * what is missing (root, BTF, kernel support), and the result is negative.
 */
int tcptop_tracer_open(const struct tcptop_opts *opts, struct tcptop_tracer **out);
enum tcptop_mode tcptop_tracer_mode(const struct tcptop_tracer *tr);
/* TCPTOP_DRAIN_MAP or TCPTOP_DRAIN_SOCKET: what the tracer drains with. */
enum tcptop_drain_method tcptop_tracer_drain_method(const struct tcptop_tracer *tr);
/* Move every byte counted since the previous drain into t, exactly once. */
int tcptop_tracer_drain(struct tcptop_tracer *tr, struct tcptop_table *t,
			struct tcptop_drain_stats *stats);
/* Detach and free everything; NULL is fine. */
void tcptop_tracer_close(struct tcptop_tracer *tr);

/* ---- listening sockets ---------------------------------------------------- */

/*
 * The TCP sockets listening now in the network namespace the set was created
 * in (its netlink socket is opened by the first refresh), both families, from
 * NETLINK_SOCK_DIAG.  A flow whose local port and address match a listener is
 * the server side of its connection.
 */
struct tcptop_listeners;

int tcptop_listeners_new(struct tcptop_listeners **out);
void tcptop_listeners_free(struct tcptop_listeners *l);
/* Replace the set with what listens now; on failure the previous set stays. */
int tcptop_listeners_refresh(struct tcptop_listeners *l);
/* By hand (tests, other sources): empty the set, or add one listener. */
void tcptop_listeners_clear(struct tcptop_listeners *l);
int tcptop_listeners_add(struct tcptop_listeners *l, int family, const uint8_t addr[16],
			 uint16_t port);
size_t tcptop_listeners_count(const struct tcptop_listeners *l);
/*
 * Whether a socket bound to addr:port (a flow's local end) has a listener:
 * one on the same port bound to the same address, or to the wildcard address
 * of its family (an IPv6 wildcard also takes IPv4).  IPv4-mapped IPv6 is
 * IPv4.
 */
bool tcptop_listeners_match(struct tcptop_listeners *l, int family, const uint8_t addr[16],
			    uint16_t port);

/* ---- formatting --------------------------------------------------------- */

#define TCPTOP_ADDR_STRLEN 46		/* INET6_ADDRSTRLEN */
#define TCPTOP_ENDPOINT_STRLEN 56	/* address, ':' and port */

/* Address only; IPv4-mapped IPv6 comes out as plain IPv4. */
int tcptop_format_addr(int family, const uint8_t addr[16], char *buf, size_t len);
/* "addr:port", as the original tool prints it (no brackets around IPv6). */
int tcptop_format_endpoint(int family, const uint8_t addr[16], uint16_t port, char *buf,
			   size_t len);
/* Kbytes rounded down, as the original tool prints them. */
static inline uint64_t tcptop_kbytes(uint64_t bytes)
{
	return bytes / 1024;
}

#endif
