/* SPDX-License-Identifier: MIT */
/*
 * util.h: the one error vocabulary (die, error, warn), allocation that never
 * fails silently, strict number parsing and the documented exit codes.
 */
#ifndef EZPZ_UTIL_H
#define EZPZ_UTIL_H

#include <stdarg.h>
#include <stddef.h>

/* Exit codes, documented in ezpz(1) EXIT STATUS. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,        /* runtime failure */
	EXIT_USAGE = 2,       /* bad command line or inconsistent sizes */
	EXIT_TIMEOUT = 124,   /* --timeout watchdog fired */
	EXIT_NOEXEC = 126,    /* found but cannot be executed */
	EXIT_NOTFOUND = 127,  /* command or launcher not found */
	EXIT_SIGBASE = 128    /* child died of signal N: 128+N */
};

#define PRINTF(a, b) __attribute__((format(printf, a, b)))
#define NORETURN __attribute__((noreturn))
#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

/* "ezpz: <msg>" on stderr, then exit with status (1, or 2 for usage). */
NORETURN void die(const char *fmt, ...) PRINTF(1, 2);
NORETURN void die_usage(const char *fmt, ...) PRINTF(1, 2);
NORETURN void die_status(int status, const char *fmt, ...) PRINTF(2, 3);
/* Like die(), with ": strerror(errno)" appended. */
NORETURN void die_errno(const char *fmt, ...) PRINTF(1, 2);
/* "ezpz: <msg>" on stderr; returns -1 so callers write return error(...). */
int error(const char *fmt, ...) PRINTF(1, 2);
int error_errno(const char *fmt, ...) PRINTF(1, 2);
void warn(const char *fmt, ...) PRINTF(1, 2);
void vmessage(const char *fmt, va_list ap, const char *suffix);
/* A live progress line is on stderr, unfinished (1), or not (0): the next
 * message starts on a line of its own. */
void message_status_line(int open);
/* The last message printed (die, error, warn), without "ezpz: "; "" if none. */
const char *message_last(void);
/* die_usage exits without a word (1): every rank of a launch gets the same
 * command line, and one of them says what is wrong with it. */
void message_quiet_usage(int on);

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap);
/* Grow *v (of *alloc elements of size) so that it holds at least need. */
void *xgrow(void *v, size_t *alloc, size_t need, size_t size);

/*
 * Strict decimal integer: the whole string, no sign games, within [min, max].
 * Returns 0, or -1 with *why set to a static reason ("not a number", ...).
 */
int parse_long(const char *s, long min, long max, long *out, const char **why);

/* String helpers. */
int streq(const char *a, const char *b);
int startswith(const char *s, const char *prefix);
/* Trim blanks (and \r) from both ends, in place; returns s. */
char *strtrim(char *s);

/* Seconds on the monotonic clock (for deadlines, never wall time). */
double mono_now(void);

/*
 * Size limits on what ezpz reads, documented in ezpz(1) FILES.  Every read is
 * bounded, so a PBS_NODEFILE=/dev/zero cannot exhaust memory.
 */
#define READ_MAX_HOSTFILE (64u << 20)   /* hostfiles, PBS_NODEFILE */
#define READ_MAX_PROFILE (16u << 20)    /* machine profiles (YAML) */
#define READ_MAX_TEMPLATE (1u << 20)    /* submit templates */
#define READ_MAX_STDIN (64u << 20)      /* hostlist expand's standard input */
#define READ_MAX_PROC (16u << 20)       /* files under /proc */
#define READ_MAX_TOPOLOGY (64u << 20)   /* hwloc XML (--topology, EZPZ_TOPOLOGY) */

/*
 * Read a whole regular file of at most max bytes, NUL-terminated; *len may
 * be NULL.  A FIFO, device or directory is refused without blocking.  NULL on
 * failure, with errno set and *why (if why is not NULL) a reason to print
 * after the file's name: strerror(errno), "not a regular file" or
 * "larger than 64 MiB" (static; valid until the next call).
 */
char *read_file(const char *path, size_t max, size_t *len, const char **why);
/* Read fd to its end, at most max bytes (pipes too); as read_file. */
char *read_fd(int fd, size_t max, size_t *len, const char **why);
/* Write all n bytes, retrying short writes and EINTR; 0, or -1 with errno. */
int write_all(int fd, const char *s, size_t n);

/* --color=auto|always|never (ezpz.c sets it before running a command). */
enum colour { COLOUR_AUTO, COLOUR_ALWAYS, COLOUR_NEVER };
extern enum colour ezpz_colour;
/* Colour on fd: always/never as asked; auto: fd is a terminal, NO_COLOR is
 * unset or empty and TERM is not "dumb" (envp: the environment). */
int colour_on(int fd, char *const *envp);

#endif
