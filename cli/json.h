/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON output: one object per interval, on one line, with exact byte counts:
 *
 *   {"time":"2025-01-02T03:04:05.678Z",
 *    "flows":[{"pid":..,"comm":"..","family":"ipv4","laddr":"..","lport":..,
 *              "raddr":"..","rport":..,"rx_bytes":..,"tx_bytes":..,"closed":false}],
 *    "drops":{"events":..,"bytes":..,"by_reason":{"map_full":{"events":..,"bytes":..},..}}}
 *
 * (shown wrapped here; the output has no newline inside an object).
 */
#ifndef TCPTOP_CLI_JSON_H
#define TCPTOP_CLI_JSON_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "tcptop_core.h"

/*
 * Writes s as a JSON string, quotes included.  Bytes that are not
 * well-formed UTF-8 become U+FFFD, one per byte; control and
 * layout-changing characters are escaped, so the result is valid JSON and
 * safe to echo on a terminal.
 */
void tcptop_json_string(FILE *out, const char *s);

/* One interval; now is wall-clock time.  Returns 0, or -EIO when out failed. */
int tcptop_json_print(FILE *out, const struct timespec *now, const struct tcptop_flow_entry *const *rows,
		      size_t nrows, const struct tcptop_drain_stats *stats);

#endif
