/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line parsing for tcptop: argv in, a filled struct (or a one-line
 * reason) out.  Pure: no printing and no exiting, so every option and every
 * bad value can be unit-tested.
 */
#ifndef TCPTOP_CLI_ARGS_H
#define TCPTOP_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcptop_core.h"
#include "rows.h"

/* Largest interval in seconds: keeps deadline arithmetic far from overflow. */
#define TCPTOP_ARGS_MAX_INTERVAL 86400000u
/* Row limit: "fit the terminal when stdout is a tty, unlimited otherwise". */
#define TCPTOP_ROWS_AUTO (-1L)
#define TCPTOP_ARGS_ERRLEN 256

struct tcptop_args {
	bool help;
	bool version;
	int verbose;			/* -v repeated: 1 attach mode, 2 libbpf too */
	bool noclear;
	bool nosummary;
	bool json;
	uint32_t pid;			/* 0: every process */
	int family;			/* 0, AF_INET or AF_INET6 */
	const char *cgroup;		/* NULL: no cgroup filter; points into argv */
	enum tcptop_sort sort;
	long rows;			/* TCPTOP_ROWS_AUTO, 0 (unlimited) or a limit */
	enum tcptop_mode mode;
	uint32_t map_size;		/* 0: the core's default */
	uint32_t interval;		/* seconds */
	uint64_t count;			/* outputs before exiting; 0: forever */
};

/*
 * Parses argv (which getopt may permute).  Returns 0, or -EINVAL with a
 * one-line reason, without the program name, in err.
 */
int tcptop_args_parse(int argc, char **argv, struct tcptop_args *out, char *err, size_t errlen);

/* The synopsis line and the full --help text. */
extern const char tcptop_args_usage[];
extern const char tcptop_args_help[];

#endif
