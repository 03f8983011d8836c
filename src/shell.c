/* SPDX-License-Identifier: MIT */
/*
 * shell.c: the code ezpz prints for a shell to eval, and how each value is
 * quoted in it.  Every byte string a Unix environment can hold must reach the
 * variable, and the environment of the shell's children, unchanged.
 *
 * One rule per shell (tests/unit/test_shell.c pins the exact text and
 * tests/sh/t-shell-roundtrip.sh proves it in the real shells):
 *
 *  all     A non-empty value made only of [A-Za-z0-9_./:,+@-] is left bare
 *          (job ids, paths, host lists stay readable), and '=' too except
 *          first, doubled or after ':' (zsh's =cmd expansion, which also
 *          runs after '=' under MAGIC_EQUAL_SUBST and after each ':' of an
 *          assignment's value), so --np=24 stays readable.  Never '%' (fish
 *          3.6 still expands %self) or '~'.
 *  sh      POSIX single quotes, bytes raw: runs of bytes other than ' go in
 *          '...', each ' becomes \'.  'a'\''b' never has '' inside a quoted
 *          run, so zsh's RC_QUOTES cannot change its meaning.  dash has no
 *          $'...', so control and non-UTF-8 bytes are written as themselves.
 *  bash,   Printable ASCII: as sh.  Anything else: $'...' with \\ \' \t \n
 *  zsh     \r and \xHH for every other byte, so the output is one line of
 *          printable ASCII (direnv's form), whatever the locale's encoding.
 *  fish    Printable ASCII in '...' (fish knows only \\ and \' there);
 *          every other byte is \n, \t, \r or \xHH outside the quotes.  fish
 *          3.6 turns a run of \xHH that is valid UTF-8 back into characters
 *          and keeps the other bytes as bytes, so both round-trip.  No raw
 *          newline either: 'eval (ezpz ...)' splits its input at newlines.
 *
 * History expansion: '...' and $'...' both stop '!' in interactive bash and
 * zsh, even if the output is pasted at a prompt; eval never expands it.
 * fish splits variables whose name ends in PATH at ':' and joins them with
 * ':' on export, so 'set -gx PATH /a:/b' reaches a child as /a:/b.  Only
 * PATH and CDPATH lose bytes there: fish rewrites their empty elements as
 * '.', which means the same directory to a path search.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "shell.h"
#include "util.h"

static const struct {
	const char *name;
	enum shell sh;
} shells[] = {
	{ "sh", SHELL_SH }, { "dash", SHELL_SH }, { "bash", SHELL_BASH },
	{ "zsh", SHELL_ZSH }, { "fish", SHELL_FISH },
};

static const char *const names[] = {
	[SHELL_SH] = "sh", [SHELL_BASH] = "bash", [SHELL_ZSH] = "zsh",
	[SHELL_FISH] = "fish",
};

int
shell_parse(const char *s, enum shell *out)
{
	const char *base;

	if (s == NULL)
		return -1;
	base = strrchr(s, '/');
	base = base ? base + 1 : s;
	for (size_t i = 0; i < NITEMS(shells); i++) {
		if (streq(base, shells[i].name)) {
			if (out)
				*out = shells[i].sh;
			return 0;
		}
	}
	return -1;
}

const char *
shell_name(enum shell sh)
{
	if ((unsigned)sh >= NITEMS(names))
		return NULL;
	return names[sh];
}

static int
is_name_start(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

int
shell_valid_name(const char *key)
{
	if (key == NULL || !is_name_start((unsigned char)*key))
		return 0;
	for (const char *p = key + 1; *p; p++)
		if (!is_name_start((unsigned char)*p) && !is_digit((unsigned char)*p))
			return 0;
	return 1;
}

/* \n \t \r, or \xHH: the escapes bash's $'...' and bare fish share. */
static void
buf_escape(struct buf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

	switch (c) {
	case '\n': buf_adds(b, "\\n"); return;
	case '\t': buf_adds(b, "\\t"); return;
	case '\r': buf_adds(b, "\\r"); return;
	}
	buf_add(b, e, sizeof e);
}

static int
is_print(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e;
}

static int
is_safe(unsigned char c)
{
	return is_name_start(c) || is_digit(c) || (c && strchr("./:,+@-", c));
}

/* Safe unquoted in every shell: see the rule for "all" above. */
static int
is_bare_word(const char *v)
{
	if (v[0] == '=' || strstr(v, "==") || strstr(v, ":="))
		return 0;
	for (; *v; v++)
		if (!is_safe((unsigned char)*v) && *v != '=')
			return 0;
	return 1;
}

static int
all_of(const char *s, int (*pred)(unsigned char))
{
	for (; *s; s++)
		if (!pred((unsigned char)*s))
			return 0;
	return 1;
}

static void
quote_sh(struct buf *b, const char *v)
{
	while (*v) {
		size_t run = strcspn(v, "'");
		if (run) {
			buf_addc(b, '\'');
			buf_add(b, v, run);
			buf_addc(b, '\'');
			v += run;
		}
		for (; *v == '\''; v++)
			buf_adds(b, "\\'");
	}
}

static void
quote_dollar(struct buf *b, const char *v)
{
	buf_adds(b, "$'");
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		if (c == '\\' || c == '\'') {
			buf_addc(b, '\\');
			buf_addc(b, (char)c);
		} else if (is_print(c)) {
			buf_addc(b, (char)c);
		} else {
			buf_escape(b, c);
		}
	}
	buf_addc(b, '\'');
}

static void
quote_fish(struct buf *b, const char *v)
{
	int inq = 0;

	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		if (is_print(c) != inq) {
			buf_addc(b, '\'');
			inq = !inq;
		}
		if (!inq)
			buf_escape(b, c);
		else if (c == '\\' || c == '\'') {
			buf_addc(b, '\\');
			buf_addc(b, (char)c);
		} else {
			buf_addc(b, (char)c);
		}
	}
	if (inq)
		buf_addc(b, '\'');
}

static void
put_quoted(struct buf *b, enum shell sh, const char *v)
{
	if (v == NULL || *v == '\0') {
		buf_adds(b, "''");
		return;
	}
	if (is_bare_word(v)) {
		buf_adds(b, v);
		return;
	}
	switch (sh) {
	case SHELL_SH:
		quote_sh(b, v);
		break;
	case SHELL_BASH:
	case SHELL_ZSH:
		if (all_of(v, is_print))
			quote_sh(b, v);
		else
			quote_dollar(b, v);
		break;
	case SHELL_FISH:
		quote_fish(b, v);
		break;
	}
}

char *
shell_quote(enum shell sh, const char *value)
{
	struct buf b = BUF_INIT;

	if (shell_name(sh) == NULL) {
		errno = EINVAL;
		return NULL;
	}
	put_quoted(&b, sh, value);
	return b.s;
}

/*
 * A name shell_valid_name refuses gives NULL, not a line: quoting cannot
 * make "A;rm -rf ~" a variable name, and a caller that forgot to check
 * must fail, not emit code.
 */
char *
shell_export(enum shell sh, const char *key, const char *value)
{
	struct buf b = BUF_INIT;

	if (shell_name(sh) == NULL || !shell_valid_name(key)) {
		errno = EINVAL;
		return NULL;
	}
	buf_adds(&b, sh == SHELL_FISH ? "set -gx " : "export ");
	buf_adds(&b, key);
	buf_addc(&b, sh == SHELL_FISH ? ' ' : '=');
	put_quoted(&b, sh, value);
	buf_adds(&b, ";\n");
	return b.s;
}

char *
shell_unset(enum shell sh, const char *key)
{
	if (shell_name(sh) == NULL || !shell_valid_name(key)) {
		errno = EINVAL;
		return NULL;
	}
	return xasprintf("%s%s;\n", sh == SHELL_FISH ? "set -e " : "unset -v ", key);
}
