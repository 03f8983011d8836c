/* SPDX-License-Identifier: MIT */
/*
 * fuzz_shell: the shell emitters (src/shell.c), in process.
 *
 * The first byte picks the shell, the rest is the value (cut at a NUL, as
 * in an environment).  Each quoted word is decoded here by a small model
 * of the forms shell.c documents (bare words, '...', \', $'...', fish's
 * escapes outside quotes) and must give the value back; bash, zsh and fish
 * output must be printable ASCII on one line; bare words must avoid what a
 * shell would expand (a leading or doubled '=', ':=', '~', '%').  The model is
 * only a fast first filter: tests/fuzz/shell-roundtrip.sh puts the same
 * kind of values through the real shells.
 */
#include "fuzz.h"
#include "shell.h"
#include "util.h"

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode one escape after a backslash ($'...' and bare fish); s is after it. */
static const char *
escape(const char *s, char *out, size_t *n)
{
	switch (*s) {
	case 'n': out[(*n)++] = '\n'; return s + 1;
	case 't': out[(*n)++] = '\t'; return s + 1;
	case 'r': out[(*n)++] = '\r'; return s + 1;
	case 'x':
		FUZZ_CHECK(hexval(s[1]) >= 0 && hexval(s[2]) >= 0, "bad \\x escape '%.4s'", s);
		out[(*n)++] = (char)(hexval(s[1]) * 16 + hexval(s[2]));
		return s + 3;
	default:
		FUZZ_CHECK(0, "unexpected escape '\\%c'", *s);
	}
	return s;
}

/* The value a quoted word stands for, per the rules in shell.c. */
static char *
decode(enum shell sh, const char *q)
{
	char *out = xmalloc(strlen(q) + 1);
	size_t n = 0;
	const char *s = q;

	while (*s) {
		if (*s == '\'' ) {
			for (s++; *s != '\''; s++) {
				FUZZ_CHECK(*s, "unterminated '...' in %.200s", q);
				if (sh == SHELL_FISH && *s == '\\' && (s[1] == '\\' || s[1] == '\''))
					s++;
				out[n++] = *s;
			}
			s++;
		} else if (*s == '$' && s[1] == '\'' && sh != SHELL_SH && sh != SHELL_FISH) {
			for (s += 2; *s != '\'';) {
				FUZZ_CHECK(*s, "unterminated $'...' in %.200s", q);
				if (*s == '\\' && (s[1] == '\\' || s[1] == '\'')) {
					out[n++] = s[1];
					s += 2;
				} else if (*s == '\\') {
					s = escape(s + 1, out, &n);
				} else {
					out[n++] = *s++;
				}
			}
			s++;
		} else if (*s == '\\') {
			if (sh == SHELL_FISH && s[1] != '\'' && s[1] != '\\')
				s = escape(s + 1, out, &n);
			else {
				FUZZ_CHECK(s[1] == '\'', "bare backslash before '%c' in %.200s", s[1], q);
				out[n++] = s[1];
				s += 2;
			}
		} else {
			/* zsh expands "=cmd" after a ':' in an assignment's value
			 * (export V=a:=ls gives a:/usr/bin/ls). */
			FUZZ_CHECK(!(*s == '=' && s > q && s[-1] == ':'), "bare ':=' in %.200s", q);
			FUZZ_CHECK(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_./:,+@-=", *s), "unquoted '%c' (0x%02x) in %.200s", *s,
			    (unsigned char)*s, q);
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
	return out;
}

static void
check_word(enum shell sh, const char *v, const char *q)
{
	char *back;

	FUZZ_CHECK(q != NULL, "shell_quote gave NULL");
	if (sh != SHELL_SH)
		for (const char *p = q; *p; p++)
			FUZZ_CHECK(*p >= 0x20 && *p <= 0x7e, "%s: byte 0x%02x in %.200s", shell_name(sh),
			    (unsigned char)*p, q);
	if (q[0] != '\'' && q[0] != '$' && q[0] != '\\') {
		/* A bare word (at least its start): no expansion may apply. */
		FUZZ_CHECK(q[0] != '=' && q[0] != '~' && q[0] != '%', "bare start in %.200s", q);
	}
	FUZZ_CHECK(strstr(q, "==") == NULL || strchr(q, '\'') != NULL, "bare '==' in %.200s", q);
	back = decode(sh, q);
	FUZZ_CHECK(strcmp(back, v) == 0, "%s: %.200s decodes to %.200s, not %.200s",
	    shell_name(sh), q, back, v);
	free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "V", "PATH", "A;rm", "", "_x9", "9x", "a-b" };
	enum shell sh;
	char *v, *q, *line, *want;
	const char *key;

	if (size == 0)
		return 0;
	sh = (enum shell)(data[0] % 4);
	key = keys[(data[0] >> 2) % NITEMS(keys)];
	v = fuzz_cstr(data + 1, size - 1);
	q = shell_quote(sh, v);
	check_word(sh, v, q);
	line = shell_export(sh, key, v);
	if (!shell_valid_name(key)) {
		FUZZ_CHECK(line == NULL, "exported invalid name '%s'", key);
	} else {
		want = xasprintf("%s%s%c%s;\n", sh == SHELL_FISH ? "set -gx " : "export ", key,
		    sh == SHELL_FISH ? ' ' : '=', q);
		FUZZ_CHECK(line && strcmp(line, want) == 0, "export line %.200s", line);
		free(want);
	}
	free(line);
	line = shell_unset(sh, key);
	FUZZ_CHECK((line != NULL) == shell_valid_name(key), "unset of '%s'", key);
	free(line);
	(void)shell_parse(v, &sh);
	free(q);
	free(v);
	return 0;
}
