// SPDX-License-Identifier: GPL-2.0
/*
 * The generator's front door: options, scenario dispatch, results, and jobs
 * (a scenario in a forked process whose results come back through a pipe).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traffic_internal.h"

static int tt_run_nodelay(const struct traffic_opts *o, struct traffic_result *r)
{
	struct traffic_opts copy = *o;

	copy.nodelay = true;
	return tt_run_echo(&copy, r);
}

struct tt_scenario {
	const char *name;
	int (*run)(const struct traffic_opts *o, struct traffic_result *r);
};

static const struct tt_scenario tt_scenarios[] = {
	{ "bulk", tt_run_bulk },
	{ "echo", tt_run_echo },
	{ "child", tt_run_child },
	{ "steady", tt_run_steady },
	{ "nonblock", tt_run_nonblock },
	{ "nodelay", tt_run_nodelay },
	{ "fork", tt_run_fork },
	{ "threads", tt_run_threads },
	{ "close-client", tt_run_close_client },
	{ "close-server", tt_run_close_server },
};

#define TT_NSCENARIOS (sizeof(tt_scenarios) / sizeof(tt_scenarios[0]))

const char *const traffic_scenarios[] = {
	"bulk", "echo", "child", "steady", "nonblock", "nodelay", "fork", "threads",
	"close-client", "close-server", NULL,
};

static const char *const tt_family_names[] = { "ipv4", "ipv6", "mapped", NULL };
static const char *const tt_send_names[] = {
	"write", "send", "sendmsg", "writev", "sendfile", "splice", NULL,
};
static const char *const tt_recv_names[] = {
	"read", "recv", "recvmsg", "readv", "waitall", "peek", "splice", NULL,
};

static int tt_lookup(const char *const *names, const char *s)
{
	int i;

	for (i = 0; s && names[i]; i++) {
		if (strcmp(names[i], s) == 0)
			return i;
	}
	return -EINVAL;
}

int traffic_family_parse(const char *s, enum traffic_family *out)
{
	int i = tt_lookup(tt_family_names, s);

	if (i < 0)
		return i;
	*out = i;
	return 0;
}

int traffic_send_parse(const char *s, enum traffic_send *out)
{
	int i = tt_lookup(tt_send_names, s);

	if (i < 0)
		return i;
	*out = i;
	return 0;
}

int traffic_recv_parse(const char *s, enum traffic_recv *out)
{
	int i = tt_lookup(tt_recv_names, s);

	if (i < 0)
		return i;
	*out = i;
	return 0;
}

const char *traffic_family_name(enum traffic_family f)
{
	return (unsigned)f < 3 ? tt_family_names[f] : "?";
}

const char *traffic_send_name(enum traffic_send m)
{
	return (unsigned)m < 6 ? tt_send_names[m] : "?";
}

const char *traffic_recv_name(enum traffic_recv m)
{
	return (unsigned)m < 7 ? tt_recv_names[m] : "?";
}

void traffic_opts_init(struct traffic_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->scenario = "bulk";
	o->family = TRAFFIC_IPV4;
	o->bytes = 1 << 20;
	o->chunk = 65536;
	o->flows = 1;
	o->threads = 4;
	o->duration_ms = 1000;
	o->tick_ms = 10;
	o->comm = "tt-child";
	o->send = TRAFFIC_SEND_WRITE;
	o->recv = TRAFFIC_RECV_READ;
}

int tt_result_add(struct traffic_result *r, const struct traffic_endpoint *e)
{
	if (!e->tx && !e->rx)
		return 0;
	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct traffic_endpoint *ep = realloc(r->ep, cap * sizeof(*ep));

		if (!ep)
			return -ENOMEM;
		r->ep = ep;
		r->cap = cap;
	}
	r->ep[r->count++] = *e;
	return 0;
}

void traffic_result_free(struct traffic_result *r)
{
	free(r->ep);
	memset(r, 0, sizeof(*r));
}

uint64_t traffic_result_tx(const struct traffic_result *r)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < r->count; i++)
		sum += r->ep[i].tx;
	return sum;
}

uint64_t traffic_result_rx(const struct traffic_result *r)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < r->count; i++)
		sum += r->ep[i].rx;
	return sum;
}

void traffic_result_print(FILE *f, const struct traffic_opts *o, const struct traffic_result *r)
{
	size_t i;

	fprintf(f, "# scenario=%s family=%s send=%s recv=%s eagain=%llu partial=%llu\n",
		o->scenario, traffic_family_name(o->family), traffic_send_name(o->send),
		traffic_recv_name(o->recv), (unsigned long long)r->eagain,
		(unsigned long long)r->partial);
	fprintf(f, "# pid\tcomm\tfamily\tladdr\tlport\traddr\trport\ttx_bytes\trx_bytes\n");
	for (i = 0; i < r->count; i++) {
		const struct traffic_endpoint *e = &r->ep[i];
		char la[INET6_ADDRSTRLEN] = "?", ra[INET6_ADDRSTRLEN] = "?";

		inet_ntop(e->family, e->laddr, la, sizeof(la));
		inet_ntop(e->family, e->raddr, ra, sizeof(ra));
		fprintf(f, "%d\t%s\t%s\t%s\t%u\t%s\t%u\t%llu\t%llu\n", (int)e->pid, e->comm,
			e->family == AF_INET ? "ipv4" : "ipv6", la, e->lport, ra, e->rport,
			(unsigned long long)e->tx, (unsigned long long)e->rx);
	}
}

static int tt_opts_check(const struct traffic_opts *o)
{
	if (!o->scenario || !o->chunk || !o->flows || !o->tick_ms || !o->comm)
		return -EINVAL;
	if ((unsigned)o->family > TRAFFIC_MAPPED || (unsigned)o->send > TRAFFIC_SEND_SPLICE ||
	    (unsigned)o->recv > TRAFFIC_RECV_SPLICE)
		return -EINVAL;
	return 0;
}

int traffic_run(const struct traffic_opts *o, struct traffic_result *r)
{
	size_t i;
	int err = tt_opts_check(o);

	if (err)
		return err;
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < TT_NSCENARIOS; i++) {
		if (strcmp(tt_scenarios[i].name, o->scenario) == 0)
			return tt_scenarios[i].run(o, r);
	}
	return -EINVAL;
}

/* ---- jobs ---------------------------------------------------------------- */

struct traffic_job {
	pid_t pid;
	int result_fd;
	int gate_fd;		/* write end; -1 once opened or when not gated */
};

/* What a job sends back: this header, then count endpoints. */
struct tt_job_header {
	int32_t err;
	uint32_t count;
	uint64_t eagain;
	uint64_t partial;
};

static int tt_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

volatile sig_atomic_t tt_stop_requested;

static void tt_on_stop(int sig)
{
	(void)sig;
	tt_stop_requested = 1;
}

static void tt_job_main(const struct traffic_opts *o, int gate_fd, int result_fd)
{
	struct sigaction sa = { .sa_handler = tt_on_stop };
	struct traffic_result r = { 0 };
	struct tt_job_header h = { 0 };
	char go;

	/* No SA_RESTART: a stop request wakes the steady loop's epoll_wait. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	if (gate_fd >= 0) {
		/* End of file means the parent gave up on us. */
		if (read(gate_fd, &go, 1) != 1)
			_exit(1);
		close(gate_fd);
	}
	h.err = traffic_run(o, &r);
	h.count = r.count;
	h.eagain = r.eagain;
	h.partial = r.partial;
	if (tt_write_all(result_fd, &h, sizeof(h)) ||
	    tt_write_all(result_fd, r.ep, r.count * sizeof(*r.ep)))
		h.err = -EIO;
	traffic_result_free(&r);
	_exit(h.err ? 1 : 0);
}

int traffic_start(const struct traffic_opts *o, bool gated, struct traffic_job **out)
{
	int res[2] = { -1, -1 }, gate[2] = { -1, -1 };
	struct traffic_job *j;
	int err = tt_opts_check(o);

	if (err)
		return err;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	if (pipe2(res, O_CLOEXEC) < 0 || (gated && pipe2(gate, O_CLOEXEC) < 0)) {
		err = -errno;
		goto cleanup;
	}
	/* Anything buffered would be written twice, once by each process. */
	fflush(NULL);
	j->pid = fork();
	if (j->pid < 0) {
		err = -errno;
		goto cleanup;
	}
	if (j->pid == 0) {
		/* The parent's handle; the child has no use for it. */
		free(j);
		close(res[0]);
		if (gate[1] >= 0)
			close(gate[1]);
		tt_job_main(o, gate[0], res[1]);
	}
	j->result_fd = res[0];
	j->gate_fd = gate[1];
	res[0] = gate[1] = -1;
	*out = j;
	j = NULL;
cleanup:
	if (res[0] >= 0)
		close(res[0]);
	if (res[1] >= 0)
		close(res[1]);
	if (gate[0] >= 0)
		close(gate[0]);
	if (gate[1] >= 0)
		close(gate[1]);
	free(j);
	return err;
}

pid_t traffic_job_pid(const struct traffic_job *j)
{
	return j->pid;
}

int traffic_job_go(struct traffic_job *j)
{
	int err = 0;

	if (j->gate_fd < 0)
		return 0;
	if (write(j->gate_fd, "g", 1) != 1)
		err = -EIO;
	close(j->gate_fd);
	j->gate_fd = -1;
	return err;
}

int traffic_job_stop(struct traffic_job *j)
{
	return kill(j->pid, SIGUSR1) < 0 ? -errno : 0;
}

int traffic_job_poll(struct traffic_job *j, int timeout_ms)
{
	struct pollfd pfd = { .fd = j->result_fd, .events = POLLIN };
	int n;

	/* The job writes its results only after its last socket is closed. */
	do
		n = poll(&pfd, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n > 0;
}

int traffic_job_wait(struct traffic_job *j, struct traffic_result *r)
{
	char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0, i;
	struct tt_job_header h;
	int err = 0, status;
	ssize_t n;

	/* An unopened gate: closing it makes the job exit without traffic. */
	if (j->gate_fd >= 0)
		close(j->gate_fd);
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				err = -ENOMEM;
				break;
			}
			buf = nbuf;
		}
		n = read(j->result_fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(j->result_fd);
	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (err)
		goto cleanup;
	if (len < sizeof(h)) {
		err = -ECHILD;
		goto cleanup;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.err) {
		err = h.err;
		goto cleanup;
	}
	if (len != sizeof(h) + h.count * sizeof(struct traffic_endpoint) ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		err = -ECHILD;
		goto cleanup;
	}
	r->eagain += h.eagain;
	r->partial += h.partial;
	for (i = 0; i < h.count && !err; i++) {
		struct traffic_endpoint e;

		memcpy(&e, buf + sizeof(h) + i * sizeof(e), sizeof(e));
		err = tt_result_add(r, &e);
	}
cleanup:
	free(buf);
	free(j);
	return err;
}
