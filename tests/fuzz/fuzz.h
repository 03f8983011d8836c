/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h: what the libFuzzer targets share.  A target checks properties,
 * not just survival: FUZZ_CHECK aborts (a crash libFuzzer saves) when a
 * parser's documented contract does not hold for an input it accepted.
 */
#ifndef EZPZ_FUZZ_H
#define EZPZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz: %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} \
} while (0)

/* The input as a C string (cut at its first NUL, as a C caller sees it). */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Next '\n'-ended line of [*p, end) as a malloc'd C string; NULL at the end. */
static inline char *
fuzz_line(const char **p, const char *end)
{
	const char *s = *p, *nl;
	char *line;
	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(end - s));
	if (nl == NULL)
		nl = end;
	line = malloc((size_t)(nl - s) + 1);
	if (line == NULL)
		abort();
	memcpy(line, s, (size_t)(nl - s));
	line[nl - s] = '\0';
	*p = nl < end ? nl + 1 : end;
	return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
