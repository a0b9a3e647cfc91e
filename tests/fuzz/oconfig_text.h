/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny text form of collectd's oconfig_item_t trees, for the fuzz harness
 * of the plugin's config handling.  collectd's own parser lives inside the
 * daemon, so the harness builds the trees itself.  One item per line:
 *
 *   Key value value ...       an option
 *   <Key value ...>           opens a block, closed by a line starting "</"
 *   ----                      ends one <Plugin tcptop> block, starts another
 *
 * A value is a "quoted string" (no escapes; any bytes up to the next '"'),
 * a bare true/yes/on or false/no/off (boolean), anything strtod() takes whole
 * (number), or else a bare string.  Lines starting with '#' are skipped.
 * Limits keep a hostile input from building a huge tree; anything beyond them
 * is dropped, never rejected.
 */
#ifndef TCPTOP_FUZZ_OCONFIG_TEXT_H
#define TCPTOP_FUZZ_OCONFIG_TEXT_H

#include <stddef.h>

#include "collectd/liboconfig/oconfig.h"

#define OCONFIG_TEXT_MAX_DEPTH 8
#define OCONFIG_TEXT_MAX_VALUES 32
#define OCONFIG_TEXT_MAX_CHILDREN 256
#define OCONFIG_TEXT_MAX_BLOCKS 8

/*
 * Parses text into at most OCONFIG_TEXT_MAX_BLOCKS <Plugin tcptop> items.
 * Returns the number of blocks (at least 1), or -ENOMEM.  Free with
 * oconfig_text_free(blocks, n).
 */
int oconfig_text_parse(const char *text, size_t len, oconfig_item_t **blocks);
void oconfig_text_free(oconfig_item_t *blocks, int n);

#endif
