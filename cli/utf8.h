/* SPDX-License-Identifier: GPL-2.0 */
/*
 * COMM is whatever a process wrote with prctl(PR_SET_NAME): any bytes, cut
 * at 15 whether or not that splits a character.  These helpers decode it
 * strictly so that the screen and the JSON output can treat every byte
 * deliberately.
 */
#ifndef TCPTOP_CLI_UTF8_H
#define TCPTOP_CLI_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the character at s (n > 0 bytes available).  Returns its length
 * (1 to 4) and sets *cp, or 0 when the bytes are not well-formed UTF-8
 * (overlong, surrogate, beyond U+10FFFF, truncated): the caller then deals
 * with one raw byte.
 */
size_t tcptop_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/*
 * Characters that move the cursor or change how text around them is shown:
 * C0 and C1 controls, DEL, line and paragraph separators, bidirectional
 * overrides and isolates, zero-width characters.
 */
bool tcptop_utf8_is_control(uint32_t cp);

/*
 * Copies in to out for a terminal: well-formed printable characters stay,
 * every other byte becomes '?'.  out needs strlen(in) + 1 bytes (the result
 * is never longer).  Returns the number of characters written, which is the
 * column width for the scripts a COMM normally uses.
 */
size_t tcptop_utf8_sanitize(const char *in, char *out, size_t outlen);

#endif
