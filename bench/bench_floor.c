// SPDX-License-Identifier: GPL-2.0
/* The design floor of per-socket counting: see bench_floor.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bench_floor.h"
#include "bench_floor.skel.h"

static const struct tcptop_bench_hook *tcptop_bench_floor_hook(const struct tcptop_bench_hookset *hs,
							       const char *key)
{
	int i;

	for (i = 0; i < hs->nhooks; i++)
		if (strcmp(hs->hooks[i].key, key) == 0)
			return &hs->hooks[i];
	return NULL;
}

const char *tcptop_bench_floor_describe(enum tcptop_bench_floor_kind kind)
{
	return kind == BENCH_FLOOR_STORAGE
		       ? "one socket-storage lookup and one atomic add per event"
		       : "the same plus the current process's id (bpf_get_current_task_btf()->tgid) "
			 "checked against the socket's first slot";
}

int tcptop_bench_floor_start(struct tcptop_bench_floor *fl, const struct tcptop_bench_hookset *hs,
			     enum tcptop_bench_floor_kind kind)
{
	struct bpf_program *progs[BENCH_FLOOR_HOOKS], *others[BENCH_FLOOR_HOOKS];
	int h, k, err;

	memset(fl, 0, sizeof(*fl));
	fl->skel = tcptop_bench_floor_bpf__open();
	if (!fl->skel)
		return -errno;
	if (kind == BENCH_FLOOR_STORAGE) {
		progs[0] = fl->skel->progs.floor_send;
		progs[1] = fl->skel->progs.floor_rcv;
		others[0] = fl->skel->progs.floor_id_send;
		others[1] = fl->skel->progs.floor_id_rcv;
	} else {
		progs[0] = fl->skel->progs.floor_id_send;
		progs[1] = fl->skel->progs.floor_id_rcv;
		others[0] = fl->skel->progs.floor_send;
		others[1] = fl->skel->progs.floor_rcv;
	}
	for (h = 0; h < BENCH_FLOOR_HOOKS; h++)
		bpf_program__set_autoload(others[h], false);
	err = tcptop_bench_floor_bpf__load(fl->skel);
	if (err)
		return err;
	for (h = 0; h < BENCH_FLOOR_HOOKS; h++) {
		const struct tcptop_bench_hook *hook;

		snprintf(fl->key[h], sizeof(fl->key[h]), "%s", bpf_program__section_name(progs[h]));
		hook = tcptop_bench_floor_hook(hs, fl->key[h]);
		if (!hook)
			return -ENOENT;
		for (k = 0; k < 2; k++) {
			fl->empty[h][k] = hook->empty[k];
			memset(fl->empty[h][k].rt, 0, sizeof(fl->empty[h][k].rt));
			memset(fl->empty[h][k].cnt, 0, sizeof(fl->empty[h][k].cnt));
		}
		fl->links[h] = bpf_program__attach(progs[h]);
		if (!fl->links[h])
			return -errno;
		fl->prog[h].used = true;
		err = tcptop_bench_prog_from_fd(bpf_program__fd(progs[h]), &fl->prog[h].p);
		if (err)
			return err;
	}
	fl->used = true;
	return 0;
}

void tcptop_bench_floor_stop(struct tcptop_bench_floor *fl)
{
	int h;

	for (h = 0; h < BENCH_FLOOR_HOOKS; h++)
		bpf_link__destroy(fl->links[h]);
	tcptop_bench_floor_bpf__destroy(fl->skel);
	memset(fl->links, 0, sizeof(fl->links));
	fl->skel = NULL;
}

int tcptop_bench_floor_snapshot(struct tcptop_bench_floor *fl, int round)
{
	int h, k, err = 0;

	for (h = 0; h < BENCH_FLOOR_HOOKS && !err; h++) {
		err = tcptop_bench_probe_snapshot(&fl->prog[h], round);
		for (k = 0; k < 2 && !err; k++)
			err = tcptop_bench_probe_snapshot(&fl->empty[h][k], round);
	}
	return err;
}

bool tcptop_bench_floor_all_counted(const struct tcptop_bench_floor *fl, int round)
{
	int h;

	for (h = 0; h < BENCH_FLOOR_HOOKS; h++)
		if (fl->prog[h].cnt[round] <= 0)
			return false;
	return true;
}

double tcptop_bench_floor_hook_ns(const struct tcptop_bench_floor *fl, int hook, int round,
				  double *empty_ns)
{
	*empty_ns = tcptop_bench_empty_mean_ns(fl->empty[hook], round);
	return tcptop_bench_probe_ns(&fl->prog[hook], round);
}

double tcptop_bench_floor_per_event(const struct tcptop_bench_floor *fl, int round)
{
	double above = 0, runs = 0;
	int h;

	for (h = 0; h < BENCH_FLOOR_HOOKS; h++) {
		const struct tcptop_bench_probe *p = &fl->prog[h];

		if (p->cnt[round] <= 0)
			continue;
		above += p->rt[round] - tcptop_bench_empty_mean_ns(fl->empty[h], round) * p->cnt[round];
		runs += p->cnt[round];
	}
	return runs > 0 ? above / runs : NAN;
}
