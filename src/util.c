/* SPDX-License-Identifier: MIT */
/*
 * util.c: error reporting in one format ("ezpz: <what>: <why>", err(3)
 * style), checked allocation, strict integer parsing, small string helpers.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "strvec.h"
#include "util.h"

static int status_line;
static char last_message[1024];   /* without "ezpz: " and the newline */

void
message_status_line(int open)
{
	status_line = open;
}

const char *
message_last(void)
{
	return last_message;
}

void
vmessage(const char *fmt, va_list ap, const char *suffix)
{
	/* One write, so lines from concurrent ranks do not interleave. */
	char buf[4096];
	int n = snprintf(buf, sizeof buf, "ezpz: ");
	int m = vsnprintf(buf + n, sizeof buf - n, fmt, ap);
	size_t len;

	if (m < 0)
		m = 0;
	len = (size_t)n + (size_t)m;
	if (len > sizeof buf - 2)
		len = sizeof buf - 2;
	if (suffix) {
		size_t s = strlen(suffix);
		if (len + s > sizeof buf - 2)
			s = sizeof buf - 2 - len;
		memcpy(buf + len, suffix, s);
		len += s;
	}
	snprintf(last_message, sizeof last_message, "%.*s", (int)(len - (size_t)n), buf + n);
	buf[len++] = '\n';
	fflush(stdout);
	if (status_line) {   /* a message ends the live line, never joins it */
		(void)!write(STDERR_FILENO, "\n", 1);
		status_line = 0;
	}
	(void)!write(STDERR_FILENO, buf, len);
}

static NORETURN void
vdie(int status, const char *fmt, va_list ap, const char *suffix)
{
	vmessage(fmt, ap, suffix);
	exit(status);
}

void
die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdie(EXIT_FAIL, fmt, ap, NULL);
}

static int usage_quiet;

void
message_quiet_usage(int on)
{
	usage_quiet = on;
}

void
die_usage(const char *fmt, ...)
{
	va_list ap;
	if (usage_quiet)
		exit(EXIT_USAGE);
	va_start(ap, fmt);
	vdie(EXIT_USAGE, fmt, ap, NULL);
}

void
die_status(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdie(status, fmt, ap, NULL);
}

static const char *
errsuffix(int e, char *buf, size_t len)
{
	snprintf(buf, len, ": %s", strerror(e));
	return buf;
}

void
die_errno(const char *fmt, ...)
{
	char s[256];
	const char *suffix = errsuffix(errno, s, sizeof s);
	va_list ap;
	va_start(ap, fmt);
	vdie(EXIT_FAIL, fmt, ap, suffix);
}

int
error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(fmt, ap, NULL);
	va_end(ap);
	return -1;
}

int
error_errno(const char *fmt, ...)
{
	char s[256];
	const char *suffix = errsuffix(errno, s, sizeof s);
	va_list ap;
	va_start(ap, fmt);
	vmessage(fmt, ap, suffix);
	va_end(ap);
	return -1;
}

void
warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(fmt, ap, NULL);
	va_end(ap);
}

static NORETURN void
oom(size_t n)
{
	fprintf(stderr, "ezpz: out of memory allocating %zu bytes\n", n);
	exit(EXIT_FAIL);
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p == NULL)
		oom(size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p;
	if (size && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		oom(n * size);
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	void *q;
	if (size && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	q = realloc(p, n && size ? n * size : 1);
	if (q == NULL)
		oom(n * size);
	return q;
}

void *
xgrow(void *v, size_t *alloc, size_t need, size_t size)
{
	size_t a = *alloc;
	if (need <= a)
		return v;
	a = a ? a : 8;
	while (a < need) {
		if (a > SIZE_MAX / 2)
			oom(SIZE_MAX);
		a *= 2;
	}
	*alloc = a;
	return xreallocarray(v, a, size);
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);
	if (p == NULL)
		oom(strlen(s) + 1);
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (p == NULL)
		oom(n + 1);
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		oom(0);
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

int
parse_long(const char *s, long min, long max, long *out, const char **why)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s)) {
		*why = "not a number";
		return -1;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0') {
		*why = "not a number";
		return -1;
	}
	if (errno == ERANGE || v < min || v > max) {
		*why = v < min && errno != ERANGE ? "too small" : "too large";
		if (errno == ERANGE)
			*why = v < 0 ? "too small" : "too large";
		return -1;
	}
	*out = v;
	return 0;
}

int
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

int
startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

char *
strtrim(char *s)
{
	char *e;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* "larger than 64 MiB": the limit in the unit people wrote it in. */
static const char *
too_large(size_t max)
{
	static char why[48];
	if (max >= 1024 * 1024 && max % (1024 * 1024) == 0)
		snprintf(why, sizeof why, "larger than %zu MiB", max / (1024 * 1024));
	else if (max >= 1024 && max % 1024 == 0)
		snprintf(why, sizeof why, "larger than %zu KiB", max / 1024);
	else
		snprintf(why, sizeof why, "larger than %zu bytes", max);
	return why;
}

char *
read_fd(int fd, size_t max, size_t *lenp, const char **why)
{
	size_t len = 0, alloc = 0;
	char *buf = NULL;

	for (;;) {
		ssize_t r;
		/* Room for one byte past max, so a file of exactly max bytes passes. */
		size_t want = len + 65536 < max + 1 ? 65536 : max + 1 - len;
		buf = xgrow(buf, &alloc, len + want + 1, 1);
		r = read(fd, buf + len, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			if (why)
				*why = strerror(e);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max) {
			free(buf);
			if (why)
				*why = too_large(max);
			errno = EFBIG;
			return NULL;
		}
	}
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

char *
read_file(const char *path, size_t max, size_t *lenp, const char **why)
{
	/* O_NONBLOCK: opening a FIFO with no writer must not wait for one. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), e;
	struct stat st;
	char *buf;

	if (fd < 0 || fstat(fd, &st) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		if (why)
			*why = strerror(e);
		errno = e;
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || (uintmax_t)st.st_size > max) {
		close(fd);
		if (why)
			*why = S_ISREG(st.st_mode) ? too_large(max) :
			    S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file";
		errno = S_ISREG(st.st_mode) ? EFBIG : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return NULL;
	}
	buf = read_fd(fd, max, lenp, why);
	e = errno;
	close(fd);
	errno = e;
	return buf;
}

double
mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

enum colour ezpz_colour = COLOUR_AUTO;

int
colour_on(int fd, char *const *envp)
{
	const char *term = env_get(envp, "TERM");
	if (ezpz_colour != COLOUR_AUTO)
		return ezpz_colour == COLOUR_ALWAYS;
	return isatty(fd) && env_nonempty(envp, "NO_COLOR") == NULL && !(term && streq(term, "dumb"));
}
