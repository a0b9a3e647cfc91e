// SPDX-License-Identifier: GPL-2.0
/* Messages of the tracer's parts go through the front end's log callback: the core never prints. */
#include <stdarg.h>
#include <stdio.h>

#include "tracer_internal.h"

void tcptop_log(const struct tcptop_tracer *tr, enum tcptop_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!tr->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tr->log(level, msg, tr->log_ctx);
}
