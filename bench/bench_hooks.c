// SPDX-License-Identifier: GPL-2.0
/* Hooks of the per-event benchmark: see bench_hooks.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bench_hooks.h"
#include "bench_empty.skel.h"

/* Where non-tracing programs attach, by their full C name (kernel names are cut at 15). */
static const struct {
	const char *prog;
	const char *key;
} tcptop_bench_named_hooks[] = {
	{ "tcptop_kp_sendmsg", "kprobe/tcp_sendmsg" },
	{ "tcptop_krp_sendmsg", "kretprobe/tcp_sendmsg" },
	{ "tcptop_kp_sendpage", "kprobe/tcp_sendpage" },
	{ "tcptop_krp_sendpage", "kretprobe/tcp_sendpage" },
	{ "tcptop_kp_recvmsg", "kprobe/tcp_recvmsg" },
	{ "tcptop_kp_recvmsg_nonblock", "kprobe/tcp_recvmsg" },
	{ "tcptop_krp_recvmsg", "kretprobe/tcp_recvmsg" },
	{ "tcptop_kp_splice_read", "kprobe/tcp_splice_read" },
	{ "tcptop_krp_splice_read", "kretprobe/tcp_splice_read" },
	{ "tcptop_destroy_hash", "tracepoint/tcp/tcp_destroy_sock" },
};

/* Hooks that run once per send or receive call. */
static const char *const tcptop_bench_event_hooks[] = {
	"tp_btf/sock_send_length", "tp_btf/sock_recv_length", "tp_btf/tcp_rcv_space_adjust",
	"fexit/tcp_sendmsg", "fexit/tcp_recvmsg", "fexit/tcp_sendpage", "fexit/tcp_splice_read",
	"kretprobe/tcp_sendmsg", "kretprobe/tcp_recvmsg", "kretprobe/tcp_sendpage",
	"kretprobe/tcp_splice_read",
};

static const char *const tcptop_bench_peer_classic[BENCH_PEER_HOOKS] = {
	"tracepoint/sock/sock_send_length",
	"tracepoint/sock/sock_recv_length",
};
static const char *const tcptop_bench_peer_btf[BENCH_PEER_HOOKS] = {
	"tp_btf/sock_send_length",
	"tp_btf/sock_recv_length",
};

double tcptop_bench_probe_ns(const struct tcptop_bench_probe *p, int round)
{
	return p->used && p->cnt[round] > 0 ? p->rt[round] / p->cnt[round] : NAN;
}

static enum tcptop_bench_hook_kind tcptop_bench_hook_kind(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(tcptop_bench_event_hooks) / sizeof(tcptop_bench_event_hooks[0]); i++)
		if (strcmp(key, tcptop_bench_event_hooks[i]) == 0)
			return BENCH_HOOK_EVENT;
	return strncmp(key, "kprobe/", 7) == 0 ? BENCH_HOOK_EVENT_ENTRY : BENCH_HOOK_LIFECYCLE;
}

int tcptop_bench_hookset_init(struct tcptop_bench_hookset *hs)
{
	memset(hs, 0, sizeof(*hs));
	hs->vmlinux = btf__load_vmlinux_btf();
	return hs->vmlinux ? 0 : -errno;
}

void tcptop_bench_hookset_free(struct tcptop_bench_hookset *hs)
{
	btf__free(hs->vmlinux);
	hs->vmlinux = NULL;
}

/* The C name of a loaded program, from its BTF (the kernel's name is cut at 15 characters). */
static int tcptop_bench_prog_c_name(int fd, char *buf, size_t len)
{
	struct bpf_prog_info info;
	struct bpf_func_info fi;
	const struct btf_type *t;
	struct btf *btf;
	__u32 ilen = sizeof(info), btf_id;
	int err = 0;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen))
		return -errno;
	if (!info.btf_id || !info.nr_func_info)
		return -ENOENT;
	btf_id = info.btf_id;
	memset(&info, 0, sizeof(info));
	info.nr_func_info = 1;
	info.func_info_rec_size = sizeof(fi);
	info.func_info = (__u64)(unsigned long)&fi;
	ilen = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen))
		return -errno;
	btf = btf__load_from_kernel_by_id(btf_id);
	if (!btf)
		return -errno;
	t = btf__type_by_id(btf, fi.type_id);
	if (t)
		snprintf(buf, len, "%s", btf__name_by_offset(btf, t->name_off));
	else
		err = -ENOENT;
	btf__free(btf);
	return err;
}

/* Where program id is attached, as a section name; -ENOENT for iterators and the unknown. */
static int tcptop_bench_prog_hook(struct tcptop_bench_hookset *hs, uint32_t id, char *key,
				  size_t len)
{
	struct bpf_prog_info info;
	__u32 ilen = sizeof(info);
	char cname[128] = "";
	const struct btf_type *t;
	const char *target;
	size_t i;
	int fd, err = -ENOENT;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen)) {
		err = -errno;
		goto cleanup;
	}
	tcptop_bench_prog_c_name(fd, cname, sizeof(cname));
	if (info.type == BPF_PROG_TYPE_TRACING) {
		t = btf__type_by_id(hs->vmlinux, info.attach_btf_id);
		target = t ? btf__name_by_offset(hs->vmlinux, t->name_off) : NULL;
		if (!target || strncmp(target, "bpf_iter_", 9) == 0)
			goto cleanup;
		if (strncmp(target, "btf_trace_", 10) == 0)
			snprintf(key, len, "tp_btf/%s", target + 10);
		else
			/* The info has no attach type; our functions say it in their names. */
			snprintf(key, len, "%s/%s", strstr(cname, "fentry") ? "fentry" : "fexit",
				 target);
		err = 0;
		goto cleanup;
	}
	for (i = 0; i < sizeof(tcptop_bench_named_hooks) / sizeof(tcptop_bench_named_hooks[0]);
	     i++) {
		if (strcmp(cname, tcptop_bench_named_hooks[i].prog) == 0) {
			snprintf(key, len, "%s", tcptop_bench_named_hooks[i].key);
			err = 0;
			break;
		}
	}
	if (err)
		fprintf(stderr,
			"tcptop-bench-event: warning: cannot tell where %s (%s) is attached; not measured\n",
			info.name, cname);

cleanup:
	close(fd);
	return err;
}

int tcptop_bench_hookset_discover(struct tcptop_bench_hookset *hs)
{
	struct tcptop_bench_prog progs[32];
	char key[BENCH_HOOK_KEY_LEN];
	int n, i, j, err;

	err = tcptop_bench_progs_of_pid(0, "tcptop_", progs, 32, &n);
	if (err)
		return err;
	hs->nhooks = 0;
	for (i = 0; i < n; i++) {
		if (tcptop_bench_prog_hook(hs, progs[i].id, key, sizeof(key)))
			continue;
		for (j = 0; j < hs->nhooks; j++)
			if (strcmp(hs->hooks[j].key, key) == 0)
				break;
		if (j < hs->nhooks || hs->nhooks == BENCH_MAX_HOOKS)
			continue;
		snprintf(hs->hooks[j].key, sizeof(hs->hooks[j].key), "%s", key);
		hs->hooks[j].kind = tcptop_bench_hook_kind(key);
		hs->nhooks++;
	}
	return hs->nhooks ? 0 : -ENOENT;
}

int tcptop_bench_hookset_bind_ours(struct tcptop_bench_hookset *hs)
{
	struct tcptop_bench_prog progs[32];
	char key[BENCH_HOOK_KEY_LEN];
	int n, i, j, err;

	err = tcptop_bench_progs_of_pid(0, "tcptop_", progs, 32, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		if (tcptop_bench_prog_hook(hs, progs[i].id, key, sizeof(key)))
			continue;
		for (j = 0; j < hs->nhooks; j++) {
			if (strcmp(hs->hooks[j].key, key) == 0) {
				hs->hooks[j].ours.p = progs[i];
				hs->hooks[j].ours.used = true;
			}
		}
	}
	for (j = 0; j < hs->nhooks; j++)
		if (!hs->hooks[j].ours.used)
			return -ENOENT;
	return 0;
}

static bool tcptop_bench_key_wanted(const struct tcptop_bench_hookset *hs, const char *sec,
				    bool with_peer)
{
	int i;

	for (i = 0; i < hs->nhooks; i++)
		if (strcmp(hs->hooks[i].key, sec) == 0)
			return true;
	for (i = 0; with_peer && i < BENCH_PEER_HOOKS; i++)
		if (strcmp(tcptop_bench_peer_classic[i], sec) == 0 ||
		    strcmp(tcptop_bench_peer_btf[i], sec) == 0)
			return true;
	return false;
}

static int tcptop_bench_empty_probe(struct tcptop_bench_empty *skel, const char *sec,
				    struct tcptop_bench_probe *p)
{
	struct bpf_program *prog;

	bpf_object__for_each_program (prog, skel->obj) {
		if (strcmp(bpf_program__section_name(prog), sec) != 0 ||
		    !bpf_program__autoload(prog))
			continue;
		memset(p, 0, sizeof(*p));
		p->used = true;
		return tcptop_bench_prog_from_fd(bpf_program__fd(prog), &p->p);
	}
	return -ENOENT;
}

int tcptop_bench_hookset_load_empty(struct tcptop_bench_hookset *hs, int which, bool with_peer)
{
	struct tcptop_bench_empty *skel;
	struct bpf_program *prog;
	int i, err;

	skel = tcptop_bench_empty__open();
	if (!skel)
		return -errno;
	hs->skel[which] = skel;
	bpf_object__for_each_program (prog, skel->obj)
		bpf_program__set_autoload(
			prog,
			tcptop_bench_key_wanted(hs, bpf_program__section_name(prog), with_peer));
	err = tcptop_bench_empty__load(skel);
	if (err)
		return err;
	bpf_object__for_each_program (prog, skel->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		link = bpf_program__attach(prog);
		if (!link)
			return -errno;
		hs->links[which][hs->nlinks[which]++] = link;
	}
	for (i = 0; i < hs->nhooks; i++)
		if (tcptop_bench_empty_probe(skel, hs->hooks[i].key, &hs->hooks[i].empty[which]))
			fprintf(stderr,
				"tcptop-bench-event: warning: no empty program for %s; add one to bench/empty.bpf.c\n",
				hs->hooks[i].key);
	return 0;
}

void tcptop_bench_hookset_unload_empty(struct tcptop_bench_hookset *hs, int which)
{
	int i;

	for (i = 0; i < hs->nlinks[which]; i++)
		bpf_link__destroy(hs->links[which][i]);
	hs->nlinks[which] = 0;
	tcptop_bench_empty__destroy(hs->skel[which]);
	hs->skel[which] = NULL;
}

int tcptop_bench_peer_meter_init(struct tcptop_bench_peer_meter *pm,
				 struct tcptop_bench_hookset *hs,
				 const struct tcptop_bench_peer *peer)
{
	int h, err;

	memset(pm, 0, sizeof(*pm));
	for (h = 0; h < BENCH_PEER_HOOKS; h++) {
		pm->classic_key[h] = tcptop_bench_peer_classic[h];
		pm->bt[h].p = h == 0 ? peer->send : peer->recv;
		pm->bt[h].used = true;
		if ((err = tcptop_bench_empty_probe(hs->skel[0], tcptop_bench_peer_classic[h],
						    &pm->classic[h])) ||
		    (err = tcptop_bench_empty_probe(hs->skel[0], tcptop_bench_peer_btf[h],
						    &pm->btf[h])))
			return err;
	}
	pm->used = true;
	return 0;
}

int tcptop_bench_probe_snapshot(struct tcptop_bench_probe *p, int round)
{
	int err;

	if (!p->used)
		return 0;
	err = tcptop_bench_prog_refresh(&p->p);
	if (err)
		return err;
	if (round < 0) {
		p->rt0 = p->p.run_time_ns;
		p->cnt0 = p->p.run_cnt;
	} else {
		p->rt[round] = (double)(p->p.run_time_ns - p->rt0);
		p->cnt[round] = (double)(p->p.run_cnt - p->cnt0);
	}
	return 0;
}

int tcptop_bench_hookset_snapshot(struct tcptop_bench_hookset *hs,
				  struct tcptop_bench_peer_meter *pm, int round)
{
	int i, k, err = 0;

	for (i = 0; i < hs->nhooks && !err; i++) {
		struct tcptop_bench_hook *h = &hs->hooks[i];

		err = tcptop_bench_probe_snapshot(&h->ours, round);
		for (k = 0; k < 2 && !err; k++)
			err = tcptop_bench_probe_snapshot(&h->empty[k], round);
	}
	for (i = 0; pm->used && i < BENCH_PEER_HOOKS && !err; i++) {
		err = tcptop_bench_probe_snapshot(&pm->bt[i], round);
		if (!err)
			err = tcptop_bench_probe_snapshot(&pm->classic[i], round);
		if (!err)
			err = tcptop_bench_probe_snapshot(&pm->btf[i], round);
	}
	return err;
}

bool tcptop_bench_hookset_all_counted(const struct tcptop_bench_hookset *hs,
				      const struct tcptop_bench_peer_meter *pm, int round)
{
	int i, k;

	for (i = 0; i < hs->nhooks; i++) {
		const struct tcptop_bench_hook *h = &hs->hooks[i];

		for (k = 0; k < 2; k++)
			if (h->empty[k].used &&
			    (h->empty[k].cnt[round] > 0) != (h->ours.cnt[round] > 0))
				return false;
	}
	for (i = 0; pm->used && i < BENCH_PEER_HOOKS; i++)
		if (pm->bt[i].cnt[round] <= 0 || pm->classic[i].cnt[round] <= 0 ||
		    pm->btf[i].cnt[round] <= 0)
			return false;
	return true;
}

void tcptop_bench_hookset_print_round(const struct tcptop_bench_hookset *hs,
				      const struct tcptop_bench_peer_meter *pm, int round)
{
	int i;

	for (i = 0; i < hs->nhooks; i++) {
		const struct tcptop_bench_hook *h = &hs->hooks[i];

		printf("# %d %s: %.0f runs, %.1f %.1f %.1f\n", round + 1, h->key,
		       h->ours.cnt[round], tcptop_bench_probe_ns(&h->empty[0], round),
		       tcptop_bench_probe_ns(&h->ours, round),
		       tcptop_bench_probe_ns(&h->empty[1], round));
	}
	for (i = 0; pm->used && i < BENCH_PEER_HOOKS; i++)
		printf("# %d bpftrace %s: %.0f runs, %.1f; empty classic %.1f, empty tp_btf %.1f\n",
		       round + 1, pm->classic_key[i], pm->bt[i].cnt[round],
		       tcptop_bench_probe_ns(&pm->bt[i], round),
		       tcptop_bench_probe_ns(&pm->classic[i], round),
		       tcptop_bench_probe_ns(&pm->btf[i], round));
}

double tcptop_bench_empty_mean_ns(const struct tcptop_bench_probe empty[2], int round)
{
	double sum = 0;
	int k, n = 0;

	for (k = 0; k < 2; k++) {
		double ns = tcptop_bench_probe_ns(&empty[k], round);

		if (!isnan(ns)) {
			sum += ns;
			n++;
		}
	}
	return n ? sum / n : NAN;
}

double tcptop_bench_hook_empty_ns(const struct tcptop_bench_hook *h, int round)
{
	return tcptop_bench_empty_mean_ns(h->empty, round);
}

void tcptop_bench_hookset_per_event(const struct tcptop_bench_hookset *hs, int round,
				    double *empty_ns, double *ours_ns)
{
	double ours = 0, empty = 0, events = 0;
	int i;

	for (i = 0; i < hs->nhooks; i++) {
		const struct tcptop_bench_hook *h = &hs->hooks[i];

		if (h->ours.cnt[round] <= 0)
			continue;
		ours += h->ours.rt[round];
		empty += tcptop_bench_hook_empty_ns(h, round) * h->ours.cnt[round];
		if (h->kind == BENCH_HOOK_EVENT)
			events += h->ours.cnt[round];
	}
	*empty_ns = events > 0 ? empty / events : NAN;
	*ours_ns = events > 0 ? ours / events : NAN;
}
