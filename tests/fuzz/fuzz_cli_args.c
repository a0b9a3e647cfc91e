// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz harness: the CLI's argument parser (cli/args.c).  The input is an
 * argv, arguments separated by NUL bytes.  Whatever it holds, the parser must
 * either fill a consistent struct or return -EINVAL with a one-line reason,
 * and never read or write out of bounds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "args.h"

#define FUZZ_ARGS_MAX 64

/* A broken invariant is a finding: abort so libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond)                                                                      \
	do {                                                                                   \
		if (!(cond))                                                                   \
			abort();                                                               \
	} while (0)

static void fuzz_check_reason(const char *err)
{
	size_t n = strnlen(err, TCPTOP_ARGS_ERRLEN);

	/* NUL-terminated inside the buffer, not empty, and one line. */
	FUZZ_ASSERT(n > 0 && n < TCPTOP_ARGS_ERRLEN);
	FUZZ_ASSERT(!memchr(err, '\n', n));
}

static void fuzz_check_args(const struct tcptop_args *a, char **argv, int argc)
{
	int i;
	bool inside = false;

	if (a->help || a->version)
		return;
	FUZZ_ASSERT(a->interval >= 1 && a->interval <= TCPTOP_ARGS_MAX_INTERVAL);
	FUZZ_ASSERT(a->family == 0 || a->family == AF_INET || a->family == AF_INET6);
	FUZZ_ASSERT(a->rows == TCPTOP_ROWS_AUTO || (a->rows >= 0 && a->rows <= 1000000000));
	FUZZ_ASSERT(a->map_size <= TCPTOP_MAX_FLOWS_LIMIT);
	FUZZ_ASSERT(a->pid <= 2147483647u);
	FUZZ_ASSERT(tcptop_mode_name(a->mode) != NULL);
	FUZZ_ASSERT(a->sort == TCPTOP_SORT_ALL || a->sort == TCPTOP_SORT_SENT ||
		    a->sort == TCPTOP_SORT_RECEIVED);
	if (!a->cgroup)
		return;
	/* The cgroup path points into one of the arguments (getopt may have moved them). */
	for (i = 0; i < argc; i++)
		inside = inside || (a->cgroup >= argv[i] && a->cgroup <= argv[i] + strlen(argv[i]));
	FUZZ_ASSERT(inside && a->cgroup[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_ARGS_MAX + 2], *copy[FUZZ_ARGS_MAX + 1];
	char err[TCPTOP_ARGS_ERRLEN];
	struct tcptop_args a;
	char *buf;
	int argc = 1, i, rc;
	size_t start = 0, k;

	/* One NUL-terminated copy of the input; each NUL byte ends an argument. */
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = copy[0] = (char *)"tcptop";
	for (k = 0; k <= size && argc <= FUZZ_ARGS_MAX; k++) {
		if (buf[k] != '\0')
			continue;
		if (k > start || k < size) {
			argv[argc] = copy[argc] = buf + start;
			argc++;
		}
		start = k + 1;
	}
	argv[argc] = NULL;

	memset(err, 'x', sizeof(err));
	rc = tcptop_args_parse(argc, argv, &a, err, sizeof(err));
	if (rc) {
		FUZZ_ASSERT(rc == -EINVAL);
		fuzz_check_reason(err);
	} else {
		fuzz_check_args(&a, copy, argc);
	}
	/* getopt permutes argv but must never invent or lose an argument. */
	for (i = 1; i < argc; i++) {
		int j;
		bool found = false;

		for (j = 1; j < argc && !found; j++)
			found = argv[j] == copy[i];
		FUZZ_ASSERT(found);
	}
	free(buf);
	return 0;
}
