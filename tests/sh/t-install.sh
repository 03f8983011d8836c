#!/bin/bash
# make install / make uninstall into a temporary DESTDIR with an unusual
# PREFIX: exactly the expected files land where config.mk says (binary,
# test worker, profiles, share/ezpz, man pages, completions), the installed
# binary finds its profiles and worker relative to itself (not the source
# tree), also after the tree is moved, the installed pages render, and
# uninstall removes exactly what install added.
. "$EZPZ_TOP/tests/lib.sh"
need_cmd make

D=$T_TMP/dest
PREFIX=/opt/ezpz-t
MANPREFIX=$PREFIX/share/man
BASHCOMPDIR=$PREFIX/share/bash-completion/completions
ZSHCOMPDIR=$PREFIX/share/zsh/site-functions
FISHCOMPDIR=$PREFIX/share/fish/vendor_completions.d
# The build tree tests/run built, named as the Makefile knows it.
O=${EZPZ_BUILD#"$EZPZ_TOP"/}

# make in the source tree, not under 'make check's jobserver.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$EZPZ_TOP" O="$O" \
		SANITIZE="${SANITIZE:-}" "$@"
}
files() { (cd "$1" 2>/dev/null && find . ! -type d | sort); }

# Files of others in the shared directories, which uninstall must keep.
mkdir -p "$D$PREFIX/bin" "$D$MANPREFIX/man1"
: > "$D$PREFIX/bin/other-tool"
: > "$D$MANPREFIX/man1/other.1"
before=$(files "$D")

t_run mk DESTDIR="$D" PREFIX="$PREFIX" install
t_eq "make install: exit 0" 0 "$RC"
[ "$RC" = 0 ] || { printf '%s\n' "$ERR"; t_bail "make install failed"; }

want=$( {
	printf '%s\n' "$before" | sed 's|^\./||'
	echo "${PREFIX#/}/bin/ezpz"
	echo "${PREFIX#/}/libexec/ezpz/ezpz-test-worker"
	echo "${PREFIX#/}/libexec/ezpz/ezpz-yeet-worker"
	for f in "$EZPZ_TOP"/src/machines/*.yaml; do echo "${PREFIX#/}/share/ezpz/machines/${f##*/}"; done
	for f in "$EZPZ_TOP"/src/share/*; do echo "${PREFIX#/}/share/ezpz/${f##*/}"; done
	for f in "$EZPZ_TOP"/man/*.1; do echo "${MANPREFIX#/}/man1/${f##*/}"; done
	for f in "$EZPZ_TOP"/man/*.5; do echo "${MANPREFIX#/}/man5/${f##*/}"; done
	echo "${BASHCOMPDIR#/}/ezpz"
	echo "${ZSHCOMPDIR#/}/_ezpz"
	echo "${FISHCOMPDIR#/}/ezpz.fish"
} | sed 's|^|./|' | sort)
t_diff "install: exactly the expected files" <(printf '%s\n' "$want") "$(files "$D")"
for f in completions/bash/ezpz:"$BASHCOMPDIR"/ezpz completions/zsh/_ezpz:"$ZSHCOMPDIR"/_ezpz \
    completions/fish/ezpz.fish:"$FISHCOMPDIR"/ezpz.fish man/ezpz.1:"$MANPREFIX"/man1/ezpz.1; do
	t_eq "install: ${f%%:*} copied as is" same \
		"$(cmp -s "$EZPZ_TOP/${f%%:*}" "$D${f#*:}" && echo same)"
done
t_eq "install: man pages are readable by all" "-rw-r--r--" \
	"$(stat -c %A "$D$MANPREFIX/man1/ezpz.1")"
t_eq "install: the binary is executable" yes "$([ -x "$D$PREFIX/bin/ezpz" ] && echo yes)"

# ---- the installed binary uses the installed tree ------------------------------
I=$D$PREFIX
run_installed() {   # run_installed BINDIR ARGS...
	local bin=$1
	shift
	t_run ezpz_clean env PATH="$FIX/bin:/usr/bin:/bin" EZPZ_TOPOLOGY="$FIX/topo/synthetic-nogpu.xml" \
		"$bin/ezpz" "$@"
}
run_installed "$I/bin" info --json
t_eq "installed info --json: exit 0" 0 "$RC"
t_match "installed: the profile comes from the install" \
	"\"profile\":[[:space:]]*\"$I/share/ezpz/machines/generic.yaml\"" "$OUT"
run_installed "$I/bin" test --dry-run
t_eq "installed test --dry-run: exit 0" 0 "$RC"
t_match "installed: test runs the installed worker" "$I/libexec/ezpz/ezpz-test-worker" "$OUT"
t_match "installed: ranks run the installed ezpz rankenv" "$I/bin/ezpz rankenv" "$OUT"
run_installed "$I/bin" yeet --dry-run "$D"
t_match "installed: yeet runs the installed worker" "$I/libexec/ezpz/ezpz-yeet-worker --src" "$OUT"
run_installed "$I/bin" __complete line launch --machine ''
t_match "installed: completion offers the installed profiles" $'\naurora\t' "$OUT"

# A moved tree still finds its files: nothing is compiled in.
mv "$I" "$T_TMP/moved"
run_installed "$T_TMP/moved/bin" info --json
t_match "moved: the profile comes from the moved tree" \
	"\"profile\":[[:space:]]*\"$T_TMP/moved/share/ezpz/machines/generic.yaml\"" "$OUT"
run_installed "$T_TMP/moved/bin" test --dry-run
t_match "moved: test runs the moved worker" "$T_TMP/moved/libexec/ezpz/ezpz-test-worker" "$OUT"
mv "$T_TMP/moved" "$I"

# ---- the installed pages and completions --------------------------------------
for p in "$D$MANPREFIX"/man1/ezpz*.1 "$D$MANPREFIX"/man5/ezpz*.5; do
	name=$(basename "$p")
	if command -v man >/dev/null 2>&1; then
		t_run env MANPAGER=cat MANWIDTH=80 man -l "$p"
	else
		echo "# man is not installed: rendering with groff"
		t_run groff -mdoc -Tutf8 "$p"
	fi
	t_eq "installed $name renders: exit 0" 0 "$RC"
	t_eq "installed $name renders without a warning" "" "$ERR"
	t_match "installed $name renders its title" "^${name%.*}" "$(tr '[:upper:]' '[:lower:]' <<< "$OUT")"
done
t_run bash -n "$D$BASHCOMPDIR/ezpz"
t_eq "installed bash completion parses" 0 "$RC"

# ---- uninstall -------------------------------------------------------------------
t_run mk DESTDIR="$D" PREFIX="$PREFIX" uninstall
t_eq "make uninstall: exit 0" 0 "$RC"
t_diff "uninstall: every file install added is gone, the others' stay" \
	<(printf '%s\n' "$before") "$(files "$D")"
for d in "$PREFIX/share/ezpz" "$PREFIX/libexec/ezpz"; do
	t_eq "uninstall: $d is gone" gone "$([ -e "$D$d" ] || echo gone)"
done
t_run mk DESTDIR="$D" PREFIX="$PREFIX" uninstall
t_eq "make uninstall again: exit 0 (nothing to do)" 0 "$RC"

# ---- MANPREFIX and the completion directories are honoured --------------------
D2=$T_TMP/dest2
t_run mk DESTDIR="$D2" PREFIX=/usr MANPREFIX=/usr/share/man \
	BASHCOMPDIR=/etc/bash_completion.d ZSHCOMPDIR=/usr/share/zsh/vendor-completions \
	FISHCOMPDIR=/usr/share/fish/completions install
t_eq "make install with MANPREFIX and *COMPDIR: exit 0" 0 "$RC"
for f in /usr/share/man/man1/ezpz.1 /usr/share/man/man5/ezpz-machines.5 /etc/bash_completion.d/ezpz \
    /usr/share/zsh/vendor-completions/_ezpz /usr/share/fish/completions/ezpz.fish; do
	t_eq "installed $f" yes "$([ -f "$D2$f" ] && echo yes)"
done
t_run mk DESTDIR="$D2" PREFIX=/usr MANPREFIX=/usr/share/man \
	BASHCOMPDIR=/etc/bash_completion.d ZSHCOMPDIR=/usr/share/zsh/vendor-completions \
	FISHCOMPDIR=/usr/share/fish/completions uninstall
t_eq "uninstall with the same variables leaves no file" "" "$(files "$D2")"
t_done
