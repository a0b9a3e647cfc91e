// SPDX-License-Identifier: GPL-2.0
/*
 * Tracer lifecycle: check prerequisites, pick an attach mode and a drain
 * method, set the read-only filters, load, attach, and tear down.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>
#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "tcptop.h"
#include "tracer_internal.h"
#include "tcptop.skel.h"

#define TCPTOP_DEFAULT_CLOSED_RING (4u << 20)
#define TCPTOP_MAX_CLOSED_RING (1u << 30)
/* Records per drain pass; beyond this a drain takes more passes, and loses nothing. */
#define TCPTOP_MAX_DRAIN_RECORDS (256u << 10)
#define TCPTOP_WHY_LEN 256

/*
 * libbpf reports through one process-wide hook; route it to whichever tracer
 * is loading, as DEBUG lines without the trailing newline.
 */
static const struct tcptop_tracer *tcptop_loading;

static int tcptop_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	if (!tcptop_loading || !tcptop_loading->log || level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	tcptop_loading->log(TCPTOP_LOG_DEBUG, msg, tcptop_loading->log_ctx);
	return 0;
}

static bool tcptop_has_bpf_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
	uint64_t eff;

	if (syscall(SYS_capget, &hdr, data))
		return false;
	eff = (uint64_t)data[1].effective << 32 | data[0].effective;
#define TCPTOP_CAP(c) (1ull << (c))
	if (eff & TCPTOP_CAP(CAP_SYS_ADMIN))
		return true;
	/* CAP_BPF (39) and CAP_PERFMON (38) split from CAP_SYS_ADMIN in 5.8. */
	return (eff & TCPTOP_CAP(39)) && (eff & TCPTOP_CAP(38));
#undef TCPTOP_CAP
}

static void tcptop_lockdown_mode(char *buf, size_t len)
{
	char line[128] = "";
	char *open_br, *close_br;
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && (open_br = strchr(line, '[')) &&
	    (close_br = strchr(open_br, ']'))) {
		*close_br = '\0';
		if (strcmp(open_br + 1, "none") != 0)
			snprintf(buf, len, "%s", open_br + 1);
	}
	fclose(f);
}

static bool tcptop_btf_has(const struct btf *btf, const char *name, int kind)
{
	return btf && btf__find_by_name_kind(btf, name, kind) > 0;
}

/*
 * Where tcp_recvmsg takes its flags, from the running kernel's BTF: 4th
 * (index 3) since 5.19, 5th before (a nonblock argument came first); later
 * kernels (6.18, 7.2; not 6.12) dropped addr_len after it, so the return
 * value moves too.  Found by name, so
 * any prototype that keeps sk first and calls the argument `flags` works.
 * Returns -1 when the BTF says something else.
 */
static int tcptop_recvmsg_flags_arg(const struct btf *btf)
{
	const struct btf_type *t, *proto;
	const struct btf_param *params;
	int i, id = btf__find_by_name_kind(btf, "tcp_recvmsg", BTF_KIND_FUNC);

	if (id <= 0)
		return -1;
	t = btf__type_by_id(btf, id);
	proto = t ? btf__type_by_id(btf, t->type) : NULL;
	if (!proto || !btf_is_func_proto(proto) || btf_vlen(proto) < 1)
		return -1;
	params = btf_params(proto);
	if (strcmp(btf__name_by_offset(btf, params[0].name_off) ?: "", "sk") != 0)
		return -1;
	for (i = 1; i < btf_vlen(proto); i++)
		if (strcmp(btf__name_by_offset(btf, params[i].name_off) ?: "", "flags") == 0)
			return i;
	return -1;
}

/* ---- modes this kernel makes inexact ------------------------------------ */

/*
 * The kernel guards tp_btf and fentry/fexit programs against recursion with
 * one counter per program and CPU (bpf_prog->active): while it is raised, the
 * kernel skips the program and only counts the skip in recursion_misses.  When
 * such a program can be preempted, a task preempted inside it leaves the
 * counter raised, and the same hook hit by another task on that CPU is
 * skipped: its bytes are lost (reported as skipped_by_kernel drops, never
 * recovered).  fexit programs run with only migration (or nothing) disabled
 * on every kernel; tp_btf programs too once tracepoints call their probes
 * under SRCU-fast instead of with preemption off (Debian's 7.2; before, e.g.
 * 6.12, they ran with preemption off).  Either matters only when the kernel
 * preempts kernel code: preemption model full, lazy or RT.  Measured under
 * qemu with eight connections sending 3 MiB at once (tcptop-vm-concurrent):
 * on Debian's 7.2 (lazy) tracepoint mode lost 4 to 25 writes of 64 KiB in
 * each of 7 runs, fentry lost in 6, kprobe (its programs run with preemption
 * off) in none; on 6.12 booted with preempt=full, tracepoint lost in none of
 * 6 runs, fentry in 4.
 */
enum tcptop_preempt { TCPTOP_PREEMPT_UNKNOWN, TCPTOP_PREEMPT_NO, TCPTOP_PREEMPT_YES };

static enum tcptop_preempt tcptop_preempt_word(const char *w, size_t n)
{
	static const char *const no[] = { "none", "voluntary" };
	static const char *const yes[] = { "full", "lazy", "rt" };
	size_t i;

	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strlen(no[i]) == n && strncmp(w, no[i], n) == 0)
			return TCPTOP_PREEMPT_NO;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strlen(yes[i]) == n && strncmp(w, yes[i], n) == 0)
			return TCPTOP_PREEMPT_YES;
	return TCPTOP_PREEMPT_UNKNOWN;
}

/* The build's default model from a kernel config (plain or gzip: gzread reads both). */
static enum tcptop_preempt tcptop_preempt_config(const char *path, char *model, size_t len)
{
	static const struct { const char *line, *name; } opts[] = {
		{ "CONFIG_PREEMPT_RT=y", "rt" },
		{ "CONFIG_PREEMPT_LAZY=y", "lazy" },
		{ "CONFIG_PREEMPT=y", "full" },
		{ "CONFIG_PREEMPT_VOLUNTARY=y", "voluntary" },
		{ "CONFIG_PREEMPT_NONE=y", "none" },
	};
	enum tcptop_preempt found = TCPTOP_PREEMPT_UNKNOWN;
	int best = (int)(sizeof(opts) / sizeof(opts[0]));
	char line[256];
	gzFile f = gzopen(path, "r");
	int i;

	if (!f)
		return TCPTOP_PREEMPT_UNKNOWN;
	while (gzgets(f, line, sizeof(line))) {
		line[strcspn(line, "\n")] = '\0';
		/* RT wins over the dynamic default it may sit beside. */
		for (i = 0; i < best; i++) {
			if (strcmp(line, opts[i].line) == 0) {
				best = i;
				snprintf(model, len, "%s (kernel config)", opts[i].name);
				found = tcptop_preempt_word(opts[i].name, strlen(opts[i].name));
			}
		}
	}
	gzclose(f);
	return found;
}

/*
 * Whether the running kernel preempts kernel code, and which model it runs
 * (in model).  The live setting first (debugfs), then the build (uname's
 * version string), then the boot argument and the build's default of a
 * kernel whose model is chosen at boot.
 */
static enum tcptop_preempt tcptop_preempt_model(char *model, size_t len)
{
	char buf[256] = "", path[512], *open_br, *close_br, *tok, *save = NULL;
	enum tcptop_preempt r;
	bool dynamic = false;
	struct utsname uts;
	FILE *f;

	snprintf(model, len, "unknown");
	f = fopen("/sys/kernel/debug/sched/preempt", "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && (open_br = strchr(buf, '(')) &&
		    (close_br = strchr(open_br, ')'))) {
			r = tcptop_preempt_word(open_br + 1, close_br - open_br - 1);
			snprintf(model, len, "%.*s", (int)(close_br - open_br - 1), open_br + 1);
			if (r != TCPTOP_PREEMPT_UNKNOWN) {
				fclose(f);
				return r;
			}
		}
		fclose(f);
	}
	if (uname(&uts))
		return TCPTOP_PREEMPT_UNKNOWN;
	/* "#1 SMP PREEMPT_DYNAMIC ...": PREEMPT_RT, PREEMPT_DYNAMIC, PREEMPT_LAZY, PREEMPT or nothing. */
	snprintf(buf, sizeof(buf), "%s", uts.version);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (strcmp(tok, "PREEMPT_DYNAMIC") == 0)
			dynamic = true;
		else if (strcmp(tok, "PREEMPT_RT") == 0 || strcmp(tok, "PREEMPT_LAZY") == 0 ||
			 strcmp(tok, "PREEMPT") == 0) {
			snprintf(model, len, "%s (built in)", tok);
			return TCPTOP_PREEMPT_YES;
		}
	}
	if (!dynamic) {
		snprintf(model, len, "none or voluntary (built in)");
		return TCPTOP_PREEMPT_NO;
	}
	f = fopen("/proc/cmdline", "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f)) {
			for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
				if (strncmp(tok, "preempt=", 8) != 0)
					continue;
				r = tcptop_preempt_word(tok + 8, strlen(tok + 8));
				snprintf(model, len, "%s (preempt= at boot)", tok + 8);
				if (r != TCPTOP_PREEMPT_UNKNOWN) {
					fclose(f);
					return r;
				}
			}
		}
		fclose(f);
	}
	snprintf(path, sizeof(path), "/boot/config-%s", uts.release);
	if ((r = tcptop_preempt_config(path, model, len)) != TCPTOP_PREEMPT_UNKNOWN)
		return r;
	snprintf(path, sizeof(path), "/usr/lib/modules/%s/config", uts.release);
	if ((r = tcptop_preempt_config(path, model, len)) != TCPTOP_PREEMPT_UNKNOWN)
		return r;
	snprintf(path, sizeof(path), "/lib/modules/%s/config", uts.release);
	if ((r = tcptop_preempt_config(path, model, len)) != TCPTOP_PREEMPT_UNKNOWN)
		return r;
	return tcptop_preempt_config("/proc/config.gz", model, len);
}

/*
 * Can this kernel preempt tracepoint programs?  Tracepoints that call their
 * probes under SRCU-fast have that guard's type in BTF, and preemption
 * matters only when the kernel preempts kernel code.
 */
static bool tcptop_tracepoints_preempt(const struct btf *btf, char *model, size_t len)
{
	return tcptop_btf_has(btf, "class_srcu_fast_notrace_t", BTF_KIND_TYPEDEF) &&
	       tcptop_preempt_model(model, len) == TCPTOP_PREEMPT_YES;
}

/*
 * True, with the reason in why, when this kernel is known to make `mode`
 * lose events (see above).  Unknown is not known: a kernel whose model we
 * cannot learn keeps every mode.  Tracepoint mode counts from the sequence
 * numbers on such a kernel (tx_by_seq), so a skipped event loses nothing.
 */
static bool tcptop_mode_inexact(enum tcptop_mode mode, const struct btf *btf, char *why,
				size_t whylen)
{
	char model[64];

	(void)btf;
	if (mode != TCPTOP_MODE_FENTRY)
		return false;
	if (tcptop_preempt_model(model, sizeof(model)) != TCPTOP_PREEMPT_YES)
		return false;
	snprintf(why, whylen,
		 "this kernel can preempt fentry/fexit programs (preemption model %s), and then skips the same hook in other processes on that CPU, losing their bytes",
		 model);
	return true;
}

/*
 * Tracepoint mode counts TX from the send sequence where the kernel can skip
 * its programs (a preempted program blocks its hook on that CPU), or when a
 * test asks for it (TCPTOP_TX_BY_SEQ=1), so both ways run on any host.
 */
static bool tcptop_want_tx_by_seq(struct tcptop_tracer *tr, enum tcptop_mode mode,
				  const struct btf *btf)
{
	const char *env = getenv("TCPTOP_TX_BY_SEQ");
	char model[64];

	if (mode != TCPTOP_MODE_TRACEPOINT)
		return false;
	if (env && strcmp(env, "1") == 0)
		return true;
	if (!tcptop_tracepoints_preempt(btf, model, sizeof(model)))
		return false;
	tcptop_log(tr, TCPTOP_LOG_WARNING,
		   "this kernel can preempt tracepoint programs (preemption model %s) and then skips them for other tasks on that CPU: sends are counted from the send sequence, so totals stay exact, but a send whose event was skipped is charged to the next sender on its socket",
		   model);
	return true;
}

/*
 * tcptop needs BPF atomic exchange (5.12) and socket storage in tracing
 * programs (5.11).  Only used to explain a failure, never to refuse a kernel:
 * distributions backport.
 */
#define TCPTOP_MIN_KERNEL_MAJOR 5
#define TCPTOP_MIN_KERNEL_MINOR 12

static bool tcptop_kernel_too_old(char *release, size_t len)
{
	struct utsname uts;
	unsigned major = 0, minor = 0;

	if (uname(&uts) || sscanf(uts.release, "%u.%u", &major, &minor) != 2)
		return false;
	snprintf(release, len, "%s", uts.release);
	return major < TCPTOP_MIN_KERNEL_MAJOR ||
	       (major == TCPTOP_MIN_KERNEL_MAJOR && minor < TCPTOP_MIN_KERNEL_MINOR);
}

/* ---- the plan: which programs a mode needs ---------------------------------- */

struct tcptop_mode_plan {
	struct bpf_program *progs[TCPTOP_MAX_LINKS];
	bool twin[TCPTOP_MAX_LINKS];
	int nprogs;
	bool overflow;			/* a program did not fit: a bug, refuse to run */
	struct bpf_program *map_iter;	/* drains the flow map */
	struct bpf_program *socket_iter;	/* drains the sockets of one namespace */
	struct bpf_program *seed;	/* run once after attach; NULL: none */
	struct bpf_map *flows;
};

static void tcptop_plan_add(struct tcptop_mode_plan *p, struct bpf_program *prog)
{
	if (p->nprogs >= TCPTOP_MAX_LINKS) {
		p->overflow = true;
		return;
	}
	p->progs[p->nprogs++] = prog;
}

/*
 * Two programs on one hook, each covering the runs the kernel skipped for the
 * other (see tcptop_destroy_sk_common); their skipped runs are not drops.
 */
static void tcptop_plan_add_twins(struct tcptop_mode_plan *p, struct bpf_program *a,
				  struct bpf_program *b)
{
	if (p->nprogs + 2 > TCPTOP_MAX_LINKS) {
		p->overflow = true;
		return;
	}
	p->twin[p->nprogs] = p->twin[p->nprogs + 1] = true;
	tcptop_plan_add(p, a);
	tcptop_plan_add(p, b);
}

int tcptop_mode_fit(const struct btf *btf, enum tcptop_mode mode, bool forced,
		    struct tcptop_kernel_fit *fit, char *why, size_t whylen)
{
	memset(fit, 0, sizeof(*fit));
	fit->recvmsg_flags_arg = tcptop_recvmsg_flags_arg(btf);
	fit->sendpage = tcptop_btf_has(btf, "tcp_sendpage", BTF_KIND_FUNC);
	fit->splice_read = tcptop_btf_has(btf, "tcp_splice_read", BTF_KIND_FUNC);
	switch (mode) {
	case TCPTOP_MODE_TRACEPOINT:
		if (!tcptop_btf_has(btf, "btf_trace_sock_send_length", BTF_KIND_TYPEDEF) ||
		    !tcptop_btf_has(btf, "btf_trace_tcp_rcv_space_adjust", BTF_KIND_TYPEDEF) ||
		    !tcptop_btf_has(btf, "btf_trace_inet_sock_set_state", BTF_KIND_TYPEDEF)) {
			snprintf(why, whylen,
				 "the kernel has no sock:sock_send_length tracepoint (it arrived in Linux 6.3)");
			return -EOPNOTSUPP;
		}
		/*
		 * 6.3 and 6.4: sendfile() and splice() into a socket still go
		 * through tcp_sendpage, past sock_send_length.  auto must not
		 * pick a mode that misses them; asked for by name, the mode
		 * also hooks tcp_sendpage (which needs BPF trampolines).
		 */
		if (fit->sendpage && !forced) {
			snprintf(why, whylen,
				 "sock:sock_send_length misses sendfile and splice on this kernel (it still has tcp_sendpage, as kernels before 6.5 do)");
			return -EOPNOTSUPP;
		}
		return 0;
	case TCPTOP_MODE_FENTRY:
		if (!tcptop_btf_has(btf, "tcp_sendmsg", BTF_KIND_FUNC) ||
		    !tcptop_btf_has(btf, "tcp_recvmsg", BTF_KIND_FUNC)) {
			snprintf(why, whylen, "the kernel's BTF does not describe tcp_sendmsg and tcp_recvmsg");
			return -EOPNOTSUPP;
		}
		if (fit->recvmsg_flags_arg < 0) {
			snprintf(why, whylen, "tcp_recvmsg has a prototype we do not know (no `flags` argument in the kernel's BTF)");
			return -EOPNOTSUPP;
		}
		return 0;
	case TCPTOP_MODE_KPROBE:
		/* Registers, not a frame: one entry program per place of flags (4th or 5th). */
		if (fit->recvmsg_flags_arg != 3 && fit->recvmsg_flags_arg != 4) {
			snprintf(why, whylen, "tcp_recvmsg has a prototype we do not know (flags is not its 4th or 5th argument)");
			return -EOPNOTSUPP;
		}
		return 0;
	default:
		snprintf(why, whylen, "unknown attach mode");
		return -EINVAL;
	}
}

/* Fills the plan, or says in why what the kernel lacks. */
static int tcptop_plan_mode(struct tcptop_bpf *skel, enum tcptop_mode mode, bool forced,
			    const struct btf *btf, struct tcptop_mode_plan *p, char *why,
			    size_t whylen)
{
	struct tcptop_kernel_fit fit;
	bool sendpage, splice;
	int err, flags_arg;

	memset(p, 0, sizeof(*p));
	err = tcptop_mode_fit(btf, mode, forced, &fit, why, whylen);
	if (err)
		return err;
	flags_arg = fit.recvmsg_flags_arg;
	sendpage = fit.sendpage;
	splice = fit.splice_read;
	switch (mode) {
	case TCPTOP_MODE_TRACEPOINT:
		if (sendpage)
			tcptop_plan_add(p, skel->progs.tcptop_fexit_sendpage);
		tcptop_plan_add(p, skel->progs.tcptop_tp_send);
		tcptop_plan_add(p, skel->progs.tcptop_tp_rcv_space);
		tcptop_plan_add_twins(p, skel->progs.tcptop_tp_state,
				      skel->progs.tcptop_tp_state_twin);
		p->seed = skel->progs.tcptop_seed_rx;
		tcptop_plan_add_twins(p, skel->progs.tcptop_destroy_sk,
				      skel->progs.tcptop_destroy_sk_twin);
		p->map_iter = skel->progs.tcptop_drain_sk;
		p->socket_iter = skel->progs.tcptop_drain_tcp_sk;
		p->flows = skel->maps.flows_sk;
		break;
	case TCPTOP_MODE_FENTRY:
		/* One program for every prototype: it reads flags and the return value by position. */
		skel->rodata->recvmsg_flags_arg = flags_arg;
		tcptop_plan_add(p, skel->progs.tcptop_fexit_sendmsg);
		tcptop_plan_add(p, skel->progs.tcptop_fexit_recvmsg);
		if (sendpage)
			tcptop_plan_add(p, skel->progs.tcptop_fexit_sendpage);
		if (splice)
			tcptop_plan_add(p, skel->progs.tcptop_fexit_splice_read);
		tcptop_plan_add_twins(p, skel->progs.tcptop_tp_state,
				      skel->progs.tcptop_tp_state_twin);
		tcptop_plan_add_twins(p, skel->progs.tcptop_destroy_sk,
				      skel->progs.tcptop_destroy_sk_twin);
		p->map_iter = skel->progs.tcptop_drain_sk;
		p->socket_iter = skel->progs.tcptop_drain_tcp_sk;
		p->flows = skel->maps.flows_sk;
		break;
	case TCPTOP_MODE_KPROBE:
		if (access("/sys/bus/event_source/devices/kprobe", F_OK) != 0) {
			snprintf(why, whylen, "the kernel has no kprobe support (CONFIG_KPROBES is not set)");
			return -EOPNOTSUPP;
		}
		tcptop_plan_add(p, skel->progs.tcptop_kp_sendmsg);
		tcptop_plan_add(p, skel->progs.tcptop_krp_sendmsg);
		tcptop_plan_add(p, flags_arg == 4 ? skel->progs.tcptop_kp_recvmsg_nonblock
						  : skel->progs.tcptop_kp_recvmsg);
		tcptop_plan_add(p, skel->progs.tcptop_krp_recvmsg);
		if (sendpage) {
			tcptop_plan_add(p, skel->progs.tcptop_kp_sendpage);
			tcptop_plan_add(p, skel->progs.tcptop_krp_sendpage);
		}
		if (splice) {
			tcptop_plan_add(p, skel->progs.tcptop_kp_splice_read);
			tcptop_plan_add(p, skel->progs.tcptop_krp_splice_read);
		}
		tcptop_plan_add_twins(p, skel->progs.tcptop_state_hash,
				      skel->progs.tcptop_state_hash_twin);
		tcptop_plan_add_twins(p, skel->progs.tcptop_destroy_hash,
				      skel->progs.tcptop_destroy_hash_twin);
		p->map_iter = skel->progs.tcptop_drain_hash;
		p->socket_iter = skel->progs.tcptop_drain_tcp_hash;
		p->flows = skel->maps.flows_hash;
		break;
	default:
		snprintf(why, whylen, "unknown attach mode");
		return -EINVAL;
	}
	if (p->overflow) {
		snprintf(why, whylen, "internal error: the %s plan needs more than %d programs",
			 tcptop_mode_name(mode), TCPTOP_MAX_LINKS);
		return -E2BIG;
	}
	return 0;
}

/* ---- drain method ------------------------------------------------------------ */

/*
 * Can this kernel load a map-element iterator?  Some refuse them (seen: 6.18
 * with lockdown in integrity mode, EPERM before the verifier runs) while they
 * load every other program we use.  A two-instruction iterator answers in
 * well under a millisecond, where a failed load of the whole object would
 * take tens.
 */
static int tcptop_map_iter_loads(const struct btf *btf, enum tcptop_mode mode)
{
	static const struct bpf_insn prog[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 },	/* r0 = 0 */
		{ .code = 0x95 },				/* exit */
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_ITER);
	const char *target = mode == TCPTOP_MODE_KPROBE ? "bpf_iter_bpf_map_elem"
							  : "bpf_iter_bpf_sk_storage_map";
	int id = btf__find_by_name_kind(btf, target, BTF_KIND_FUNC);
	int fd;

	if (id <= 0)
		return -EOPNOTSUPP;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "tcptop_probe", "GPL", prog, 2, &opts);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* TCPTOP_DRAIN in the environment overrides auto, so tests can run both paths anywhere. */
static int tcptop_requested_drain(struct tcptop_tracer *tr, const struct tcptop_opts *opts)
{
	const char *env = getenv("TCPTOP_DRAIN");

	tr->drain_requested = opts->drain;
	if (opts->drain != TCPTOP_DRAIN_AUTO || !env || !*env)
		return 0;
	if (tcptop_drain_method_parse(env, &tr->drain_requested) == 0)
		return 0;
	tcptop_log(tr, TCPTOP_LOG_ERROR, "TCPTOP_DRAIN=%s: expected auto, map or socket", env);
	return -EINVAL;
}

static int tcptop_choose_drain(struct tcptop_tracer *tr, enum tcptop_mode mode,
			       const struct btf *btf, char *why, size_t whylen)
{
	int err = tcptop_map_iter_loads(btf, mode);

	if (tr->drain_requested == TCPTOP_DRAIN_MAP && err) {
		snprintf(why, whylen,
			 "the map drain was asked for, but this kernel refuses map-element iterators (%s): use the socket drain (TCPTOP_DRAIN=socket) or auto",
			 strerror(-err));
		return err;
	}
	if (tr->drain_requested != TCPTOP_DRAIN_AUTO) {
		tr->drain_method = tr->drain_requested;
		return 0;
	}
	tr->drain_method = err ? TCPTOP_DRAIN_SOCKET : TCPTOP_DRAIN_MAP;
	if (err)
		tcptop_log(tr, TCPTOP_LOG_INFO,
			   "this kernel refuses map-element iterators (%s): draining with the tcp iterator, one pass per network namespace",
			   strerror(-err));
	return 0;
}

/* ---- one attach mode, step by step ------------------------------------------- */

/* Ring sizes are powers of two of at least a page. */
static uint32_t tcptop_ring_size(uint64_t want, uint32_t max)
{
	uint32_t size = 4096;

	if (want > max)
		want = max;
	while (size < want)
		size <<= 1;
	return size;
}

static void tcptop_tracer_detach(struct tcptop_tracer *tr)
{
	int i;

	tcptop_closed_stop(tr);
	ring_buffer__free(tr->closed_ring);
	tr->closed_ring = NULL;
	if (tr->drain_buf)
		munmap(tr->drain_buf, (size_t)tr->drain_cap * sizeof(struct tcptop_sock_rec));
	tr->drain_buf = NULL;
	if (tr->alive_ids)
		munmap(tr->alive_ids, (size_t)tr->drain_cap * sizeof(uint64_t));
	tr->alive_ids = NULL;
	bpf_link__destroy(tr->iter_link);
	tr->iter_link = NULL;
	for (i = 0; i < tr->nlinks; i++)
		bpf_link__destroy(tr->links[i]);
	tr->nlinks = 0;
	tr->ncounting = 0;
	tcptop_bpf__destroy(tr->skel);
	tr->skel = NULL;
}

static void tcptop_describe_failure(const char *step, int err, enum tcptop_mode mode, char *why,
				    size_t whylen)
{
	char lockdown[32];

	tcptop_lockdown_mode(lockdown, sizeof(lockdown));
	if ((err == -EPERM || err == -EACCES) && lockdown[0])
		snprintf(why, whylen, "%s failed: %s (kernel lockdown is in %s mode%s)", step,
			 strerror(-err), lockdown,
			 mode == TCPTOP_MODE_TRACEPOINT ? "" : ", which forbids this mode");
	else
		snprintf(why, whylen, "%s failed: %s", step, strerror(-err));
}

/*
 * The embedded object and this library must agree on the record layout; a
 * build that mixed two versions of bpf/tcptop.h would read garbage.
 */
static int tcptop_check_layout(struct tcptop_bpf *skel, char *why, size_t whylen)
{
	const struct btf *obj_btf = bpf_object__btf(skel->obj);
	int id = obj_btf ? btf__find_by_name_kind(obj_btf, "tcptop_sock_rec", BTF_KIND_STRUCT) : -1;
	const struct btf_type *t = id > 0 ? btf__type_by_id(obj_btf, id) : NULL;

	if (t && t->size == sizeof(struct tcptop_sock_rec))
		return 0;
	snprintf(why, whylen, "the embedded BPF object does not match this build (struct tcptop_sock_rec is %u bytes there, %zu here): rebuild",
		 t ? t->size : 0, sizeof(struct tcptop_sock_rec));
	return -EPROTO;
}

/* Step 1: read-only globals, which programs and maps to create, and their sizes. */
static void tcptop_configure(struct tcptop_tracer *tr, const struct tcptop_opts *opts,
			     enum tcptop_mode mode, const struct tcptop_mode_plan *plan)
{
	struct tcptop_bpf *skel = tr->skel;
	uint32_t max_flows = opts->max_flows ? opts->max_flows : TCPTOP_DEFAULT_MAX_FLOWS;
	bool kprobe = mode == TCPTOP_MODE_KPROBE;
	bool by_socket = tr->drain_method == TCPTOP_DRAIN_SOCKET;
	struct bpf_program *prog;
	int i;

	skel->rodata->targ_tgid = opts->pid;
	skel->rodata->targ_family = (uint16_t)opts->family;
	skel->rodata->filter_cgroup = tr->cgroup_fd >= 0;
	skel->rodata->max_flows = max_flows;
	skel->rodata->rx_by_seq = mode == TCPTOP_MODE_TRACEPOINT;
	skel->rodata->tx_by_seq = tr->tx_by_seq;
	skel->rodata->self_netns = tr->netns.self_inum;
	/* Non-root users together keep 1/8 of the places free for root; one user gets 1/4. */
	skel->rodata->nonroot_max_flows = max_flows - max_flows / 8;
	skel->rodata->user_max_flows = max_flows / 4 ? max_flows / 4 : 1;

	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	for (i = 0; i < plan->nprogs; i++)
		bpf_program__set_autoload(plan->progs[i], true);
	bpf_program__set_autoload(by_socket ? plan->socket_iter : plan->map_iter, true);
	if (plan->seed)
		bpf_program__set_autoload(plan->seed, true);

	bpf_map__set_autocreate(skel->maps.flows_hash, kprobe);
	bpf_map__set_autocreate(skel->maps.stash, kprobe);
	bpf_map__set_autocreate(skel->maps.flows_sk, !kprobe);
	bpf_map__set_autocreate(skel->maps.rx_cursor, !kprobe);
	bpf_map__set_max_entries(skel->maps.flows_hash, max_flows);
	bpf_map__set_max_entries(skel->maps.closed_flows,
				 tcptop_ring_size(opts->closed_ring_bytes ? opts->closed_ring_bytes
									  : TCPTOP_DEFAULT_CLOSED_RING,
						  TCPTOP_MAX_CLOSED_RING));
	/* One record per tracked socket, so one pass drains everything. */
	tr->drain_cap = max_flows < TCPTOP_MAX_DRAIN_RECORDS ? max_flows : TCPTOP_MAX_DRAIN_RECORDS;
	bpf_map__set_max_entries(skel->maps.drain_buf, tr->drain_cap);
	bpf_map__set_max_entries(skel->maps.alive_ids, tr->drain_cap);
}

/* Step 2: load, and give the cgroup filter its cgroup. */
static int tcptop_load(struct tcptop_tracer *tr, enum tcptop_mode mode, char *why,
		       size_t whylen)
{
	int err, zero = 0;

	err = tcptop_bpf__load(tr->skel);
	if (err) {
		tcptop_describe_failure("loading the programs", err, mode, why, whylen);
		return err;
	}
	if (tr->cgroup_fd >= 0 &&
	    bpf_map_update_elem(bpf_map__fd(tr->skel->maps.cgroup_filter), &zero, &tr->cgroup_fd,
				BPF_ANY)) {
		err = -errno;
		snprintf(why, whylen, "setting the cgroup filter failed: %s", strerror(-err));
		return err;
	}
	return 0;
}

/* Step 3: the drain path, before any counting starts, so no byte is counted without a way out. */
static int tcptop_open_drain(struct tcptop_tracer *tr, enum tcptop_mode mode,
			     const struct tcptop_mode_plan *plan, char *why, size_t whylen)
{
	union bpf_iter_link_info linfo;
	LIBBPF_OPTS(bpf_iter_attach_opts, iter_opts);
	int err;

	if (tr->drain_method == TCPTOP_DRAIN_SOCKET) {
		tr->iter_link = bpf_program__attach_iter(plan->socket_iter, NULL);
	} else {
		memset(&linfo, 0, sizeof(linfo));
		linfo.map.map_fd = bpf_map__fd(plan->flows);
		iter_opts.link_info = &linfo;
		iter_opts.link_info_len = sizeof(linfo);
		tr->iter_link = bpf_program__attach_iter(plan->map_iter, &iter_opts);
	}
	if (!tr->iter_link) {
		err = -errno;
		tcptop_describe_failure("creating the drain iterator", err, mode, why, whylen);
		return err;
	}
	tr->closed_ring = ring_buffer__new(bpf_map__fd(tr->skel->maps.closed_flows),
					   tcptop_closed_on_record, tr, NULL);
	if (!tr->closed_ring) {
		err = -errno;
		snprintf(why, whylen, "opening the closed-socket ring failed: %s", strerror(-err));
		return err;
	}
	return 0;
}

/* Step 4: the arrays the drain pass writes into, mapped so reading them costs no system call. */
static int tcptop_map_buffers(struct tcptop_tracer *tr, char *why, size_t whylen)
{
	int err;

	tr->drain_buf = mmap(NULL, (size_t)tr->drain_cap * sizeof(struct tcptop_sock_rec),
			     PROT_READ | PROT_WRITE, MAP_SHARED,
			     bpf_map__fd(tr->skel->maps.drain_buf), 0);
	if (tr->drain_buf == MAP_FAILED) {
		err = -errno;
		tr->drain_buf = NULL;
		snprintf(why, whylen, "mapping the drain buffer failed: %s", strerror(-err));
		return err;
	}
	tr->alive_ids = mmap(NULL, (size_t)tr->drain_cap * sizeof(uint64_t), PROT_READ,
			     MAP_SHARED, bpf_map__fd(tr->skel->maps.alive_ids), 0);
	if (tr->alive_ids == MAP_FAILED) {
		err = -errno;
		tr->alive_ids = NULL;
		snprintf(why, whylen, "mapping the sweep buffer failed: %s", strerror(-err));
		return err;
	}
	return 0;
}

/* Step 5: attach the counting and closing programs; counting starts here. */
static int tcptop_attach(struct tcptop_tracer *tr, enum tcptop_mode mode,
			 const struct tcptop_mode_plan *plan, char *why, size_t whylen)
{
	int i, err;

	for (i = 0; i < plan->nprogs; i++) {
		struct bpf_link *link = bpf_program__attach(plan->progs[i]);

		if (!link) {
			char step[96];

			err = -errno;
			snprintf(step, sizeof(step), "attaching %s",
				 bpf_program__section_name(plan->progs[i]));
			tcptop_describe_failure(step, err, mode, why, whylen);
			return err;
		}
		/*
		 * Skipped runs of the counting programs lose events, except where
		 * the sequence numbers catch them up (tracepoint mode's RX, and
		 * TX with tx_by_seq).
		 */
		if (!plan->twin[i] &&
		    !(plan->progs[i] == tr->skel->progs.tcptop_tp_send && tr->tx_by_seq) &&
		    !(plan->progs[i] == tr->skel->progs.tcptop_tp_rcv_space && tr->tx_by_seq))
			tr->counting_fds[tr->ncounting++] = bpf_program__fd(plan->progs[i]);
		tr->links[tr->nlinks++] = link;
	}
	return 0;
}

/* Loads and attaches one mode; on failure leaves tr detached and explains in why. */
static int tcptop_try_mode(struct tcptop_tracer *tr, const struct tcptop_opts *opts,
			   enum tcptop_mode mode, const struct btf *btf, char *why,
			   size_t whylen)
{
	struct tcptop_mode_plan plan;
	int err;

	tr->skel = tcptop_bpf__open();
	if (!tr->skel) {
		err = -errno;
		snprintf(why, whylen, "opening the BPF object failed: %s", strerror(-err));
		return err;
	}
	err = tcptop_plan_mode(tr->skel, mode, opts->mode == mode, btf, &plan, why, whylen);
	if (err)
		goto cleanup;
	err = tcptop_check_layout(tr->skel, why, whylen);
	if (err)
		goto cleanup;

	tr->tx_by_seq = tcptop_want_tx_by_seq(tr, mode, btf);
	tcptop_configure(tr, opts, mode, &plan);
	err = tcptop_load(tr, mode, why, whylen);
	if (err)
		goto cleanup;
	err = tcptop_open_drain(tr, mode, &plan, why, whylen);
	if (err)
		goto cleanup;
	err = tcptop_map_buffers(tr, why, whylen);
	if (err)
		goto cleanup;
	err = tcptop_attach(tr, mode, &plan, why, whylen);
	if (err)
		goto cleanup;

	/* Step 6, after attaching, so no connection can slip between seeding and counting. */
	if (plan.seed) {
		err = tcptop_tracer_seed_rx(tr, plan.seed);
		if (err)
			tcptop_log(tr, TCPTOP_LOG_WARNING,
				   "could not seed existing connections (%s): their first read after start-up is not counted",
				   strerror(-err));
		err = 0;
	}
	tr->mode = mode;
	return 0;

cleanup:
	tcptop_tracer_detach(tr);
	return err;
}

static int tcptop_try_mode_with_drain(struct tcptop_tracer *tr, const struct tcptop_opts *opts,
				      enum tcptop_mode mode, const struct btf *btf, char *why,
				      size_t whylen)
{
	int err = tcptop_choose_drain(tr, mode, btf, why, whylen);

	if (err)
		return err;
	return tcptop_try_mode(tr, opts, mode, btf, why, whylen);
}

/* ---- open and close ---------------------------------------------------------- */

static int tcptop_check_prerequisites(struct tcptop_tracer *tr)
{
	/* Capabilities, not the uid: root in a container often runs without them. */
	if (!tcptop_has_bpf_caps()) {
		tcptop_log(tr, TCPTOP_LOG_ERROR, geteuid() == 0 ?
			   "CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) are required: this process runs as root without them" :
			   "root is required: loading BPF programs needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		tcptop_log(tr, TCPTOP_LOG_ERROR,
			   "this kernel has no BTF (/sys/kernel/btf/vmlinux is missing): a kernel built with CONFIG_DEBUG_INFO_BTF=y is required");
		return -ENOENT;
	}
	return 0;
}

static int tcptop_open_cgroup(struct tcptop_tracer *tr, const char *path)
{
	if (!path)
		return 0;
	tr->cgroup_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tr->cgroup_fd < 0) {
		int err = -errno;

		tcptop_log(tr, TCPTOP_LOG_ERROR, "cannot open cgroup %s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

static void tcptop_tracer_free(struct tcptop_tracer *tr)
{
	if (tr->cgroup_fd >= 0)
		close(tr->cgroup_fd);
	tcptop_netns_free(tr);
	tcptop_slots_free(tr);
	pthread_mutex_destroy(&tr->closed_lock);
	free(tr);
}

/*
 * No mode could load.  On a kernel older than tcptop's minimum that is the
 * whole story, so say that in one sentence and keep the details for INFO.
 */
static void __attribute__((format(printf, 2, 3)))
tcptop_log_mode_failure(struct tcptop_tracer *tr, const char *fmt, ...)
{
	char details[4 * TCPTOP_WHY_LEN], release[65];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(details, sizeof(details), fmt, ap);
	va_end(ap);
	if (tcptop_kernel_too_old(release, sizeof(release))) {
		tcptop_log(tr, TCPTOP_LOG_ERROR, "this kernel (%s) is too old: tcptop needs Linux %d.%d or newer",
			   release, TCPTOP_MIN_KERNEL_MAJOR, TCPTOP_MIN_KERNEL_MINOR);
		tcptop_log(tr, TCPTOP_LOG_INFO, "%s", details);
		return;
	}
	tcptop_log(tr, TCPTOP_LOG_ERROR, "%s", details);
}

int tcptop_tracer_open(const struct tcptop_opts *opts, struct tcptop_tracer **out)
{
	static const enum tcptop_mode auto_order[] = {
		TCPTOP_MODE_TRACEPOINT, TCPTOP_MODE_FENTRY, TCPTOP_MODE_KPROBE,
	};
	/*
	 * Where tracepoint programs can be preempted, tracepoint mode counts
	 * sends from the sequence: exact totals, but a skipped send is charged
	 * to the next sender on its socket.  kprobe mode, where the kernel has
	 * it, charges every byte to its sender, so it goes first there.
	 */
	static const enum tcptop_mode auto_order_preempt[] = {
		TCPTOP_MODE_KPROBE, TCPTOP_MODE_TRACEPOINT, TCPTOP_MODE_FENTRY,
	};
	const enum tcptop_mode *order = auto_order;
	char model[64];
	char why[3][TCPTOP_WHY_LEN] = { "", "", "" };
	libbpf_print_fn_t old_print;
	struct tcptop_tracer *tr;
	struct btf *btf = NULL;
	bool skipped_inexact = false;
	size_t i;
	int err;

	*out = NULL;
	if (opts->max_flows > TCPTOP_MAX_FLOWS_LIMIT ||
	    (opts->family && opts->family != AF_INET && opts->family != AF_INET6) ||
	    !tcptop_mode_name(opts->mode) || !tcptop_drain_method_name(opts->drain))
		return -EINVAL;
	tr = calloc(1, sizeof(*tr));
	if (!tr)
		return -ENOMEM;
	tr->cgroup_fd = -1;
	tr->closed_stop_fd = -1;
	tr->netns.self_fd = -1;
	pthread_mutex_init(&tr->closed_lock, NULL);
	tr->log = opts->log;
	tr->log_ctx = opts->log_ctx;
	tcptop_loading = tr;
	old_print = libbpf_set_print(tcptop_libbpf_print);

	err = tcptop_check_prerequisites(tr);
	if (err)
		goto cleanup;
	err = tcptop_requested_drain(tr, opts);
	if (err)
		goto cleanup;
	err = tcptop_open_cgroup(tr, opts->cgroup_path);
	if (err)
		goto cleanup;
	err = tcptop_netns_init(tr);
	if (err) {
		tcptop_log(tr, TCPTOP_LOG_ERROR, "cannot open our own network namespace: %s",
			   strerror(-err));
		goto cleanup;
	}
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		err = -errno;
		tcptop_log(tr, TCPTOP_LOG_ERROR, "cannot read the kernel's BTF: %s", strerror(-err));
		goto cleanup;
	}

	if (opts->mode != TCPTOP_MODE_AUTO) {
		err = tcptop_try_mode_with_drain(tr, opts, opts->mode, btf, why[0], sizeof(why[0]));
		if (err) {
			tcptop_log_mode_failure(tr, "%s mode cannot be used on this kernel: %s",
						tcptop_mode_name(opts->mode), why[0]);
			goto cleanup;
		}
		/* Asked for by name: it runs, but says what it will lose. */
		if (tcptop_mode_inexact(opts->mode, btf, why[1], sizeof(why[1])))
			tcptop_log(tr, TCPTOP_LOG_WARNING,
				   "%s mode is not exact on this kernel: %s (counted as skipped_by_kernel drops)",
				   tcptop_mode_name(opts->mode), why[1]);
	} else {
		if (tcptop_tracepoints_preempt(btf, model, sizeof(model)))
			order = auto_order_preempt;
		for (i = 0; i < sizeof(auto_order) / sizeof(auto_order[0]); i++) {
			enum tcptop_mode m = order[i];
			/* Reasons are kept per mode, for the message below. */
			char *w = why[m - TCPTOP_MODE_TRACEPOINT];

			/* auto never picks a mode known to lose events here. */
			if (tcptop_mode_inexact(m, btf, w, TCPTOP_WHY_LEN)) {
				err = -EOPNOTSUPP;
				skipped_inexact = true;
				tcptop_log(tr, TCPTOP_LOG_INFO, "%s mode skipped: %s",
					   tcptop_mode_name(m), w);
				continue;
			}
			err = tcptop_try_mode_with_drain(tr, opts, m, btf, w, TCPTOP_WHY_LEN);
			if (!err)
				break;
			tcptop_log(tr, TCPTOP_LOG_INFO, "%s mode unavailable: %s",
				   tcptop_mode_name(m), w);
		}
		if (err) {
			tcptop_log_mode_failure(tr, "no attach mode works on this kernel (tracepoint: %s; fentry: %s; kprobe: %s)%s",
						why[0], why[1], why[2],
						skipped_inexact ? "; a mode chosen by name still runs, and counts what it loses as skipped_by_kernel drops" : "");
			goto cleanup;
		}
	}

	err = tcptop_closed_start(tr);
	if (err) {
		tcptop_log(tr, TCPTOP_LOG_ERROR, "cannot start the closed-socket collector: %s",
			   strerror(-err));
		tcptop_tracer_detach(tr);
	}

cleanup:
	btf__free(btf);
	libbpf_set_print(old_print);
	tcptop_loading = NULL;
	if (err) {
		tcptop_tracer_free(tr);
		return err;
	}
	tcptop_log(tr, TCPTOP_LOG_INFO, "attached in %s mode%s, draining with the %s iterator",
		   tcptop_mode_name(tr->mode),
		   opts->mode == TCPTOP_MODE_AUTO ? " (auto)" : "",
		   tr->drain_method == TCPTOP_DRAIN_SOCKET ? "tcp socket" : "flow map");
	*out = tr;
	return 0;
}

enum tcptop_mode tcptop_tracer_mode(const struct tcptop_tracer *tr)
{
	return tr->mode;
}

enum tcptop_drain_method tcptop_tracer_drain_method(const struct tcptop_tracer *tr)
{
	return tr->drain_method;
}

void tcptop_tracer_close(struct tcptop_tracer *tr)
{
	if (!tr)
		return;
	tcptop_tracer_detach(tr);
	tcptop_tracer_free(tr);
}
