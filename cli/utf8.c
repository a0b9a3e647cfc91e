// SPDX-License-Identifier: GPL-2.0
/* Strict UTF-8 decoding (RFC 3629) and terminal-safe copies of COMM. */
#include "utf8.h"

size_t tcptop_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c, min;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;	/* continuation byte, or a lead byte that can only be overlong or too big */
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

bool tcptop_utf8_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	       (cp >= 0x200b && cp <= 0x200f) ||	/* zero width, LRM, RLM */
	       (cp >= 0x2028 && cp <= 0x202e) ||	/* separators, bidi embeddings and overrides */
	       (cp >= 0x2066 && cp <= 0x2069) ||	/* bidi isolates */
	       cp == 0xfeff;				/* zero-width no-break space */
}

size_t tcptop_utf8_sanitize(const char *in, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = 0, left, o = 0, chars = 0;

	if (!outlen)
		return 0;
	while (s[n])
		n++;
	for (left = n; left && o + 1 < outlen;) {
		uint32_t cp;
		size_t len = tcptop_utf8_decode(s, left, &cp);

		if (!len || tcptop_utf8_is_control(cp)) {
			/* One '?' per raw byte, or per control character. */
			out[o++] = '?';
			len = len ? len : 1;
		} else {
			if (o + len >= outlen)
				break;
			for (size_t i = 0; i < len; i++)
				out[o++] = (char)s[i];
		}
		s += len;
		left -= len;
		chars++;
	}
	out[o] = '\0';
	return chars;
}
