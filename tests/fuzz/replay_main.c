// SPDX-License-Identifier: GPL-2.0
/*
 * A main() for the fuzz harnesses when they are built without libFuzzer (by
 * the ordinary compiler, with or without sanitizers, or under valgrind): it
 * feeds every file named on the command line, or found in a directory named
 * there, to LLVMFuzzerTestOneInput once.  make check uses it to replay the
 * committed corpora, so a regression shows up without clang's fuzzer runtime.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_replay_file(const char *path, unsigned long *runs)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f = fopen(path, "rb");
	int err = 0;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *p = realloc(buf, cap ? cap * 2 : 4096);

			if (!p) {
				err = -ENOMEM;
				goto cleanup;
			}
			buf = p;
			cap = cap ? cap * 2 : 4096;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (!n)
			break;
		len += n;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		err = -EIO;
		goto cleanup;
	}
	LLVMFuzzerTestOneInput(buf, len);
	(*runs)++;

cleanup:
	free(buf);
	fclose(f);
	return err;
}

static int fuzz_replay_path(const char *path, unsigned long *runs)
{
	struct dirent **names = NULL;
	struct stat st;
	int i, n, err = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode))
		return fuzz_replay_file(path, runs);
	/* Sorted, so a failure points at the same file every time. */
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	for (i = 0; i < n; i++) {
		char *child;

		if (names[i]->d_name[0] != '.' && !err) {
			if (asprintf(&child, "%s/%s", path, names[i]->d_name) < 0) {
				err = -ENOMEM;
			} else {
				err = fuzz_replay_path(child, runs);
				free(child);
			}
		}
		free(names[i]);
	}
	free(names);
	return err;
}

int main(int argc, char **argv)
{
	unsigned long runs = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (fuzz_replay_path(argv[i], &runs))
			return 1;
	printf("replayed %lu inputs\n", runs);
	return runs ? 0 : 1;
}
