// SPDX-License-Identifier: GPL-2.0
/* The text form of oconfig trees described in oconfig_text.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oconfig_text.h"

struct oconfig_text_cursor {
	const char *p;
	const char *end;
};

static char *oconfig_text_dup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static bool oconfig_text_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The next token of the line [p, end); NULL at its end. */
static const char *oconfig_text_token(struct oconfig_text_cursor *c, size_t *len, bool *quoted)
{
	const char *start;

	while (c->p < c->end && oconfig_text_space(*c->p))
		c->p++;
	if (c->p >= c->end)
		return NULL;
	*quoted = *c->p == '"';
	if (*quoted) {
		start = ++c->p;
		while (c->p < c->end && *c->p != '"')
			c->p++;
		*len = (size_t)(c->p - start);
		if (c->p < c->end)
			c->p++;
		return start;
	}
	start = c->p;
	while (c->p < c->end && !oconfig_text_space(*c->p) && *c->p != '"')
		c->p++;
	*len = (size_t)(c->p - start);
	return start;
}

static int oconfig_text_value(oconfig_value_t *v, const char *tok, size_t len, bool quoted)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	char *s = oconfig_text_dup(tok, len), *end;
	size_t i;

	if (!s)
		return -ENOMEM;
	v->type = OCONFIG_TYPE_STRING;
	v->value.string = s;
	if (quoted)
		return 0;
	for (i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
			v->type = OCONFIG_TYPE_BOOLEAN;
			v->value.boolean = strcasecmp(s, yes[i]) == 0;
			free(s);
			return 0;
		}
	}
	if (len && strlen(s) == len) {
		double d = strtod(s, &end);

		if (*end == '\0') {
			v->type = OCONFIG_TYPE_NUMBER;
			v->value.number = d;
			free(s);
		}
	}
	return 0;
}

static void oconfig_text_item_free(oconfig_item_t *it)
{
	int i;

	for (i = 0; i < it->values_num; i++)
		if (it->values[i].type == OCONFIG_TYPE_STRING)
			free(it->values[i].value.string);
	free(it->values);
	for (i = 0; i < it->children_num; i++)
		oconfig_text_item_free(&it->children[i]);
	free(it->children);
	free(it->key);
	memset(it, 0, sizeof(*it));
}

/* Fills a new item from one line: a key, then values (the line is [p, end)). */
static int oconfig_text_item(oconfig_item_t *it, struct oconfig_text_cursor *c)
{
	const char *tok;
	size_t len;
	bool quoted;
	int err;

	memset(it, 0, sizeof(*it));
	tok = oconfig_text_token(c, &len, &quoted);
	it->key = tok ? oconfig_text_dup(tok, len) : oconfig_text_dup("", 0);
	if (!it->key)
		return -ENOMEM;
	it->values = calloc(OCONFIG_TEXT_MAX_VALUES, sizeof(*it->values));
	if (!it->values)
		return -ENOMEM;
	while (it->values_num < OCONFIG_TEXT_MAX_VALUES &&
	       (tok = oconfig_text_token(c, &len, &quoted))) {
		err = oconfig_text_value(&it->values[it->values_num], tok, len, quoted);
		if (err)
			return err;
		it->values_num++;
	}
	return 0;
}

/* Appends an empty child to parent; NULL when full or out of memory. */
static oconfig_item_t *oconfig_text_child(oconfig_item_t *parent)
{
	if (parent->children_num >= OCONFIG_TEXT_MAX_CHILDREN)
		return NULL;
	if (!parent->children) {
		parent->children = calloc(OCONFIG_TEXT_MAX_CHILDREN, sizeof(*parent->children));
		if (!parent->children)
			return NULL;
	}
	return &parent->children[parent->children_num++];
}

static void oconfig_text_parents(oconfig_item_t *it)
{
	int i;

	for (i = 0; i < it->children_num; i++) {
		it->children[i].parent = it;
		oconfig_text_parents(&it->children[i]);
	}
}

static int oconfig_text_block_init(oconfig_item_t *b)
{
	memset(b, 0, sizeof(*b));
	b->key = oconfig_text_dup("Plugin", 6);
	b->values = calloc(1, sizeof(*b->values));
	if (!b->key || !b->values)
		return -ENOMEM;
	b->values[0].type = OCONFIG_TYPE_STRING;
	b->values[0].value.string = oconfig_text_dup("tcptop", 6);
	if (!b->values[0].value.string)
		return -ENOMEM;
	b->values_num = 1;
	return 0;
}

int oconfig_text_parse(const char *text, size_t len, oconfig_item_t **blocks)
{
	oconfig_item_t *stack[OCONFIG_TEXT_MAX_DEPTH + 1], *b;
	const char *p = text, *end = text + len;
	int depth = 0, n = 1, err, i;

	b = calloc(OCONFIG_TEXT_MAX_BLOCKS, sizeof(*b));
	if (!b)
		return -ENOMEM;
	err = oconfig_text_block_init(&b[0]);
	if (err)
		goto cleanup;
	stack[0] = &b[0];
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		struct oconfig_text_cursor c = { p, eol ? eol : end };
		oconfig_item_t *it;
		bool open;

		p = eol ? eol + 1 : end;
		while (c.p < c.end && oconfig_text_space(*c.p))
			c.p++;
		if (c.p >= c.end || *c.p == '#')
			continue;
		if (c.end - c.p >= 4 && memcmp(c.p, "----", 4) == 0) {
			if (n == OCONFIG_TEXT_MAX_BLOCKS)
				continue;
			err = oconfig_text_block_init(&b[n]);
			stack[0] = &b[n++];
			depth = 0;
			if (err)
				goto cleanup;
			continue;
		}
		if (c.end - c.p >= 2 && c.p[0] == '<' && c.p[1] == '/') {
			if (depth > 0)
				depth--;
			continue;
		}
		open = *c.p == '<';
		if (open) {
			c.p++;
			/* The '>' closing the tag is not part of the last value. */
			if (c.end > c.p && c.end[-1] == '>')
				c.end--;
		}
		it = oconfig_text_child(stack[depth]);
		if (!it)
			continue;
		err = oconfig_text_item(it, &c);
		if (err)
			goto cleanup;
		if (open && depth < OCONFIG_TEXT_MAX_DEPTH)
			stack[++depth] = it;
	}
	for (i = 0; i < n; i++)
		oconfig_text_parents(&b[i]);
	*blocks = b;
	return n;

cleanup:
	oconfig_text_free(b, n);
	return err;
}

void oconfig_text_free(oconfig_item_t *blocks, int n)
{
	int i;

	if (!blocks)
		return;
	for (i = 0; i < n; i++)
		oconfig_text_item_free(&blocks[i]);
	free(blocks);
}
