/* SPDX-License-Identifier: MIT */
/*
 * shell.h: code for a user's shell to eval.  Values are quoted so any byte
 * string (quotes, $, backticks, backslashes, newlines, UTF-8) reaches the
 * variable unchanged in sh (dash), bash, zsh and fish.
 */
#ifndef EZPZ_SHELL_H
#define EZPZ_SHELL_H

enum shell { SHELL_SH, SHELL_BASH, SHELL_ZSH, SHELL_FISH };

/* "bash", "zsh", "sh", "dash" (as sh), "fish", or a path to one ("/bin/zsh"). */
int shell_parse(const char *s, enum shell *out);
const char *shell_name(enum shell sh);
/* A valid variable name: [A-Za-z_][A-Za-z0-9_]*. */
int shell_valid_name(const char *key);
/* value as one quoted word; malloc'd. */
char *shell_quote(enum shell sh, const char *value);
/* "export KEY=value;\n" (fish: "set -gx KEY value;\n"); malloc'd. */
char *shell_export(enum shell sh, const char *key, const char *value);
/* "unset KEY;\n" (fish: "set -e KEY;\n"); malloc'd. */
char *shell_unset(enum shell sh, const char *key);

#endif
