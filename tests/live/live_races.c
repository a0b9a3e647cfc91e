// SPDX-License-Identifier: GPL-2.0
/*
 * Live test: counting bugs a review found, each as real traffic with an exact
 * expected count.
 *  - first sight: a connection's first read and first send start together
 *    on two threads; the read must be counted once (the send used to create
 *    the flow with the cursor's old value, and the reader never moved it, so
 *    its next read counted the same bytes again);
 *  - reconnect: a socket disconnected with connect(AF_UNSPEC) and connected
 *    elsewhere (the kernel resets its byte counters; its RX used to be lost
 *    and its addresses stale);
 *  - half-close: a reader empties its queue after its socket left the
 *    connection tables (its port given back), with and without a flow;
 *  - exited slots: four short-lived children write to an inherited socket,
 *    then its owner writes (the children used to keep every slot for the
 *    socket's life, and the owner's bytes were dropped);
 *  - user share: another user's idle connections fill most of max_flows
 *    (they used to take root's places); the refusal must name the uid.
 * Every case runs on IPv4 and IPv6.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live_sockets.h"
#include "tcptop.h"
#include "live_util.h"

#define COMM "live_races"

static char self_comm[TRAFFIC_COMM_LEN];

/* ---- first sight: a read and a send racing on a new connection ------------- */

struct racer {
	pthread_barrier_t go, done;
	int fd;
	int err;
	bool stop;
};

static void *race_writer(void *arg)
{
	struct racer *r = arg;

	for (;;) {
		pthread_barrier_wait(&r->go);
		if (r->stop)
			return NULL;
		if (live_write_n(r->fd, 1) && !r->err)
			r->err = EIO;
		pthread_barrier_wait(&r->done);
	}
}

static void case_first_sight(struct live *l, enum traffic_family f, unsigned conns)
{
	struct traffic_result truth = { 0 };
	struct racer r = { 0 };
	struct traffic_endpoint e;
	pthread_t th;
	char label[64];
	unsigned i;
	int lfd, c, s, err = 0;

	snprintf(label, sizeof(label), "first sight %s", live_family_label(f));
	live_reset(l);
	lfd = live_listen(f);
	if (lfd < 0) {
		live_fail(l, "%s: listen: %s", label, strerror(-lfd));
		return;
	}
	pthread_barrier_init(&r.go, NULL, 2);
	pthread_barrier_init(&r.done, NULL, 2);
	pthread_create(&th, NULL, race_writer, &r);
	for (i = 0; i < conns && !err && !r.err; i++) {
		err = live_pair(f, lfd, &c, &s);
		if (err)
			break;
		/* Queued before the race, so the first read returns at once. */
		err = live_write_n(c, 2000);
		r.fd = s;
		pthread_barrier_wait(&r.go);
		err = err ? err : live_read_n(s, 1000);
		pthread_barrier_wait(&r.done);
		err = err ? err : live_read_n(s, 1000);
		err = err ? err : live_read_n(c, 1);
		if (!err && !live_endpoint(s, getpid(), self_comm, 1, 2000, &e))
			live_result_add(&truth, &e);
		if (!err && !live_endpoint(c, getpid(), self_comm, 2000, 1, &e))
			live_result_add(&truth, &e);
		close(c);
		close(s);
		/* Keep well under max_flows, and exercise drains during the run. */
		if (i % 1000 == 999 && live_drain(l))
			break;
	}
	r.stop = true;
	pthread_barrier_wait(&r.go);
	pthread_join(th, NULL);
	close(lfd);
	if (err || r.err)
		live_fail(l, "%s: traffic failed: %s", label, strerror(err ? -err : r.err));
	live_drain(l);
	live_drain(l);
	live_note(l, "%s: %u connections, a 1000-byte read racing a 1-byte send on each", label, i);
	live_expect_exact(l, label, &truth);
	traffic_result_free(&truth);
}

/* ---- reconnect: connect(AF_UNSPEC), then a new connection ------------------- */

static void case_reconnect(struct live *l, enum traffic_family f, bool drain_between)
{
	struct traffic_result truth = { 0 };
	struct traffic_endpoint e;
	struct sockaddr_storage unspec = { .ss_family = AF_UNSPEC };
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	char label[80];
	int l1, l2, c, s1, s2 = -1, err;

	snprintf(label, sizeof(label), "reconnect %s%s", live_family_label(f),
		 drain_between ? ", drained between" : "");
	live_reset(l);
	l1 = live_listen(f);
	l2 = live_listen(f);
	if (l1 < 0 || l2 < 0) {
		live_fail(l, "%s: listen failed", label);
		goto out;
	}
	err = live_pair(f, l1, &c, &s1);
	if (err) {
		live_fail(l, "%s: connect: %s", label, strerror(-err));
		goto out;
	}
	err = live_write_n(s1, 1500);
	err = err ? err : live_read_n(c, 1500);
	if (!err && !live_endpoint(c, getpid(), self_comm, 0, 1500, &e))
		live_result_add(&truth, &e);
	if (!err && !live_endpoint(s1, getpid(), self_comm, 1500, 0, &e))
		live_result_add(&truth, &e);
	if (drain_between)
		live_drain(l);
	if (!err && connect(c, (struct sockaddr *)&unspec, sizeof(unspec)))
		err = -errno;
	if (!err && getsockname(l2, (struct sockaddr *)&peer, &plen))
		err = -errno;
	if (!err && connect(c, (struct sockaddr *)&peer, plen))
		err = -errno;
	if (!err)
		s2 = live_accept(l2);
	if (!err && s2 < 0)
		err = s2;
	err = err ? err : live_write_n(s2, 1000);
	err = err ? err : live_read_n(c, 1000);
	err = err ? err : live_write_n(c, 10);
	err = err ? err : live_read_n(s2, 10);
	if (!err && !live_endpoint(c, getpid(), self_comm, 10, 1000, &e))
		live_result_add(&truth, &e);
	if (!err && !live_endpoint(s2, getpid(), self_comm, 1000, 10, &e))
		live_result_add(&truth, &e);
	if (err)
		live_fail(l, "%s: traffic failed: %s", label, strerror(-err));
	close(c);
	close(s1);
	if (s2 >= 0)
		close(s2);
	live_drain(l);
	live_drain(l);
	live_expect_exact(l, label, &truth);
out:
	if (l1 >= 0)
		close(l1);
	if (l2 >= 0)
		close(l2);
	traffic_result_free(&truth);
}

/* ---- half-close: a reader empties its queue after its socket closed ------------ */

/*
 * The client shuts down its side, the server sends and closes: the client's
 * socket goes to TIME_WAIT (TCP_CLOSE for the socket itself, out of the
 * connection tables, its port given back) with the data still queued, and
 * only then does the client read it.  wrote_first: the client moved a byte
 * before, so it has a flow; else its first counted byte comes after the close.
 */
static void case_half_close(struct live *l, enum traffic_family f, bool wrote_first)
{
	struct traffic_result truth = { 0 };
	struct traffic_endpoint ce, se;
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);
	char label[80];
	int lfd, c, s, i, err;

	snprintf(label, sizeof(label), "half-close %s%s", live_family_label(f),
		 wrote_first ? ", client wrote first" : "");
	live_reset(l);
	lfd = live_listen(f);
	err = lfd < 0 ? lfd : live_pair(f, lfd, &c, &s);
	if (err) {
		live_fail(l, "%s: connect: %s", label, strerror(-err));
		goto out;
	}
	err = live_endpoint(c, getpid(), self_comm, wrote_first, 5000, &ce);
	err = err ? err : live_endpoint(s, getpid(), self_comm, 5000, wrote_first, &se);
	if (!err && wrote_first) {
		err = live_write_n(c, 1);
		err = err ? err : live_read_n(s, 1);
	}
	if (!err && shutdown(c, SHUT_WR))
		err = -errno;
	err = err ? err : live_write_n(s, 5000);
	close(s);
	/* Wait until the client's socket has left the connection tables. */
	for (i = 0; !err && i < 200; i++) {
		tl = sizeof(ti);
		if (getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0 && ti.tcpi_state == TCP_CLOSE)
			break;
		usleep(5000);
	}
	if (!err && i == 200)
		live_note(l, "%s: the client's socket never reached TCP_CLOSE", label);
	err = err ? err : live_read_n(c, 5000);
	if (err)
		live_fail(l, "%s: traffic failed: %s", label, strerror(-err));
	live_result_add(&truth, &ce);
	live_result_add(&truth, &se);
	close(c);
	live_drain(l);
	live_drain(l);
	live_expect_exact(l, label, &truth);
out:
	if (lfd >= 0)
		close(lfd);
	traffic_result_free(&truth);
}

/* ---- exited slots: short-lived children on an inherited socket -------------- */

static void case_exited_slots(struct live *l, enum traffic_family f)
{
	struct traffic_result truth = { 0 };
	struct traffic_endpoint e;
	uint64_t slots_before = l->dropped_events_by_kind[TCPTOP_DROPPED_SLOTS_FULL];
	char label[64], comm[TRAFFIC_COMM_LEN];
	int lfd, c, s, i, err, status;

	snprintf(label, sizeof(label), "exited slots %s", live_family_label(f));
	live_reset(l);
	lfd = live_listen(f);
	err = lfd < 0 ? lfd : live_pair(f, lfd, &c, &s);
	if (err) {
		live_fail(l, "%s: connect: %s", label, strerror(-err));
		goto out;
	}
	for (i = 1; i <= TCPTOP_SLOTS && !err; i++) {
		pid_t pid;

		snprintf(comm, sizeof(comm), "slotkid%d", i);
		pid = fork();
		if (pid == 0) {
			prctl(PR_SET_NAME, comm);
			_exit(live_write_n(c, 1) ? 1 : 0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			err = -ECHILD;
			break;
		}
		err = live_read_n(s, 1);
		if (!err && !live_endpoint(c, pid, comm, 1, 0, &e))
			live_result_add(&truth, &e);
	}
	/* One drain sees the children gone, the next takes their slots back. */
	live_drain(l);
	live_drain(l);
	err = err ? err : live_write_n(c, 100000);
	err = err ? err : live_read_n(s, 100000);
	if (!err && !live_endpoint(c, getpid(), self_comm, 100000, 0, &e))
		live_result_add(&truth, &e);
	if (!err && !live_endpoint(s, getpid(), self_comm, 0, 100004, &e))
		live_result_add(&truth, &e);
	if (err)
		live_fail(l, "%s: traffic failed: %s", label, strerror(-err));
	close(c);
	close(s);
	live_drain(l);
	live_drain(l);
	live_expect_exact(l, label, &truth);
	if (l->dropped_events_by_kind[TCPTOP_DROPPED_SLOTS_FULL] != slots_before)
		live_fail(l, "%s: %llu events dropped for processes_per_socket", label,
			  (unsigned long long)(l->dropped_events_by_kind[TCPTOP_DROPPED_SLOTS_FULL] -
					       slots_before));
	live_note(l, "%s: slots of exited processes freed so far: %llu", label,
		  (unsigned long long)l->exited_slots);
out:
	if (lfd >= 0)
		close(lfd);
	traffic_result_free(&truth);
}

/* ---- user share: another user fills the map ------------------------------------ */

#define SHARE_MAX_FLOWS 64
#define SHARE_USER_CONNS 40	/* more than a user's share (64 / 4) */
#define SHARE_ROOT_CONNS 20	/* 40 sockets: fit in what root keeps */
#define SHARE_UID 4242

/* A child of another uid opens conns connections to lfd and writes a byte on each. */
static pid_t user_connections(enum traffic_family f, int lfd, int ready_fd)
{
	pid_t pid = fork();
	int i, fds[SHARE_USER_CONNS];
	char c = 1;

	if (pid != 0)
		return pid;
	if (setgid(SHARE_UID) || setuid(SHARE_UID))
		_exit(2);
	for (i = 0; i < SHARE_USER_CONNS; i++) {
		fds[i] = live_connect(f, lfd);
		if (fds[i] < 0 || live_write_n(fds[i], 1))
			_exit(3);
	}
	if (write(ready_fd, &c, 1) != 1)
		_exit(4);
	pause();
	_exit(0);
}

static void case_user_share(struct live *l, enum traffic_family f)
{
	struct tcptop_opts opts = { .max_flows = SHARE_MAX_FLOWS };
	struct traffic_result truth = { 0 };
	struct traffic_endpoint e;
	int user_side[SHARE_USER_CONNS], root_fds[2 * SHARE_ROOT_CONNS];
	int lfd, i, n = 0, nroot = 0, pipefd[2], err = 0;
	uint64_t share_before, full_before;
	char label[64], c;
	pid_t kid;

	snprintf(label, sizeof(label), "user share %s", live_family_label(f));
	live_close(l);
	if (live_open(l, &opts))
		return;
	share_before = l->dropped_bytes_by_kind[TCPTOP_DROPPED_USER_SHARE];
	full_before = l->dropped_events_by_kind[TCPTOP_DROPPED_MAP_FULL];
	lfd = live_listen(f);
	if (lfd < 0 || pipe(pipefd)) {
		live_fail(l, "%s: setup failed", label);
		return;
	}
	kid = user_connections(f, lfd, pipefd[1]);
	if (kid < 0 || read(pipefd[0], &c, 1) != 1) {
		live_fail(l, "%s: the other user's connections failed", label);
		goto out;
	}
	/* Accepted, never read: the other user's sockets alone hold places. */
	for (n = 0; n < SHARE_USER_CONNS; n++) {
		user_side[n] = live_accept(lfd);
		if (user_side[n] < 0)
			break;
	}
	live_drain(l);
	for (i = 0; i < SHARE_ROOT_CONNS && !err; i++) {
		int cl, sv;

		err = live_pair(f, lfd, &cl, &sv);
		err = err ? err : live_write_n(cl, 100 + i);
		err = err ? err : live_read_n(sv, 100 + i);
		err = err ? err : live_write_n(sv, 7);
		err = err ? err : live_read_n(cl, 7);
		if (!err && !live_endpoint(cl, getpid(), self_comm, 100 + i, 7, &e))
			live_result_add(&truth, &e);
		if (!err && !live_endpoint(sv, getpid(), self_comm, 7, 100 + i, &e))
			live_result_add(&truth, &e);
		/* Kept open: root's flows hold their places while the other user's do. */
		if (!err) {
			root_fds[nroot++] = cl;
			root_fds[nroot++] = sv;
		}
	}
	live_drain(l);
	live_drain(l);
	if (err)
		live_fail(l, "%s: traffic failed: %s", label, strerror(-err));
	live_expect_exact(l, label, &truth);
	if (l->dropped_events_by_kind[TCPTOP_DROPPED_MAP_FULL] != full_before)
		live_fail(l, "%s: root's sockets found the map full (%llu events)", label,
			  (unsigned long long)(l->dropped_events_by_kind[TCPTOP_DROPPED_MAP_FULL] -
					       full_before));
	if (l->dropped_bytes_by_kind[TCPTOP_DROPPED_USER_SHARE] - share_before !=
	    SHARE_USER_CONNS - SHARE_MAX_FLOWS / 4)
		live_fail(l, "%s: %llu bytes dropped for the user's share, expected %d", label,
			  (unsigned long long)(l->dropped_bytes_by_kind[TCPTOP_DROPPED_USER_SHARE] -
					       share_before),
			  SHARE_USER_CONNS - SHARE_MAX_FLOWS / 4);
	if (l->refused_uid != SHARE_UID)
		live_fail(l, "%s: the drop report names uid %u, not %d", label, l->refused_uid,
			  SHARE_UID);
	else
		live_note(l, "%s: uid %d refused beyond its share, root exact", label, SHARE_UID);
out:
	if (kid > 0) {
		kill(kid, SIGKILL);
		waitpid(kid, NULL, 0);
	}
	for (i = 0; i < n; i++)
		close(user_side[i]);
	for (i = 0; i < nroot; i++)
		close(root_fds[i]);
	close(lfd);
	close(pipefd[0]);
	close(pipefd[1]);
	traffic_result_free(&truth);
	live_close(l);
	live_open(l, NULL);
}

/* ---- spill: closed records the ring had no room for, read with failures ------- */

#define SPILL_CONNS 800	/* 1,600 sockets, up to 3,200 records: within the 4,096-entry spill map */

static void case_spill_failure(struct live *l, enum traffic_family f)
{
	struct tcptop_opts opts = { .closed_ring_bytes = 4096 };
	struct traffic_result truth = { 0 };
	struct traffic_endpoint e;
	static int fds[2 * SPILL_CONNS];
	char label[64];
	int lfd, i, n = 0, err = 0;

	snprintf(label, sizeof(label), "spill read failures %s", live_family_label(f));
	live_close(l);
	/*
	 * The collector thread starts late (so the burst fills the ring and
	 * spills, however fast this machine), and the spill map's first 20
	 * reads fail, as a transient error would: records spilled by the burst
	 * must still arrive once reads work again.
	 */
	setenv("TCPTOP_FAULT_SPILL_READS", "20", 1);
	setenv("TCPTOP_FAULT_COLLECTOR_STALL_MS", "600000", 1);
	if (live_open(l, &opts))
		goto out;
	lfd = live_listen(f);
	for (i = 0; i < SPILL_CONNS && lfd >= 0 && !err; i++) {
		err = live_pair(f, lfd, &fds[n], &fds[n + 1]);
		err = err ? err : live_write_n(fds[n], 3);
		err = err ? err : live_read_n(fds[n + 1], 3);
		if (!err && !live_endpoint(fds[n], getpid(), self_comm, 3, 0, &e))
			live_result_add(&truth, &e);
		if (!err && !live_endpoint(fds[n + 1], getpid(), self_comm, 0, 3, &e))
			live_result_add(&truth, &e);
		if (!err)
			n += 2;
	}
	if (lfd < 0 || err)
		live_fail(l, "%s: traffic failed: %s", label, strerror(lfd < 0 ? -lfd : -err));
	/* All at once: far more records than a one-page ring holds (the collector is stalled). */
	for (i = 0; i < n; i++)
		close(fds[i]);
	if (lfd >= 0)
		close(lfd);
	/* Each drain folds the ring and tries the spill map once: 20 failures, then the records. */
	for (i = 0; i < 30; i++) {
		usleep(100000);
		live_drain(l);
	}
	live_expect_exact(l, label, &truth);
	if (!l->spilled_records)
		live_fail(l, "%s: no record went through the spill map; the case proves nothing", label);
	else
		live_note(l, "%s: %llu records through the spill map, its first 20 reads failed",
			  label, (unsigned long long)l->spilled_records);
out:
	unsetenv("TCPTOP_FAULT_SPILL_READS");
	unsetenv("TCPTOP_FAULT_COLLECTOR_STALL_MS");
	traffic_result_free(&truth);
	live_close(l);
	live_open(l, NULL);
}

int main(void)
{
	static const enum traffic_family fams[] = { TRAFFIC_IPV4, TRAFFIC_IPV6 };
	const char *n = getenv("LIVE_RACE_CONNS");
	unsigned conns = n ? (unsigned)atoi(n) : 8000;
	struct rlimit nofile = { 65536, 65536 };
	struct live l;
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	/* The spill case holds 3,000 sockets at once: more than a default soft limit of 1024. */
	if (setrlimit(RLIMIT_NOFILE, &nofile)) {
		getrlimit(RLIMIT_NOFILE, &nofile);
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	prctl(PR_SET_NAME, COMM);
	snprintf(self_comm, sizeof(self_comm), "%s", COMM);
	live_init(&l, COMM);
	live_open_or_skip(&l, NULL);
	for (i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		case_first_sight(&l, fams[i], conns);
		case_reconnect(&l, fams[i], false);
		case_reconnect(&l, fams[i], true);
		case_half_close(&l, fams[i], false);
		case_half_close(&l, fams[i], true);
		case_exited_slots(&l, fams[i]);
		case_user_share(&l, fams[i]);
		case_spill_failure(&l, fams[i]);
	}
	live_close(&l);
	return live_finish(&l);
}
