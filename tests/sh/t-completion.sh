#!/bin/bash
# Shell completion (completions/), driven in the real shells:
#   bash  bash-completion loaded, COMP_WORDS/COMP_CWORD split as readline
#         splits them (at blanks, '=' and ':'), then _ezpz, then COMPREPLY
#   zsh   an interactive zsh -f on a pseudo-terminal (zsh/zpty) with
#         compinit; Tab is a widget that runs complete-word, and a compadd
#         wrapper records every match the completion system adds
#   fish  complete -C 'LINE', with completions/fish on fish_complete_path
# The same command lines go to all three, and the candidates must come from
# the binary's tables (ezpz __complete): option values, the machine names of
# the loaded profiles (one made here, so nothing hard-coded can pass), files,
# directories, and the user's command after 'ezpz launch' completed as a
# command, then with its own completion.  Plus shellcheck on the bash file.
. "$EZPZ_TOP/tests/lib.sh"
COMP=$EZPZ_TOP/completions

# A shell that is missing fails under EZPZ_TEST_NO_SKIP=1; else its part is
# skipped (the others still run).
have_shell() {   # have_shell NAME CMD...
	local name=$1 c
	shift
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			if [ "${EZPZ_TEST_NO_SKIP:-}" = 1 ]; then
				t_fail "$name: '$c' is not installed (EZPZ_TEST_NO_SKIP=1)"
			else
				echo "# skipping $name: '$c' is not installed"
			fi
			return 1
		fi
	done
}

# ---- the data source: ezpz __complete ----------------------------------------
t_run "$EZPZ" __complete commands
t_eq "__complete commands: exit 0" 0 "$RC"
t_match "__complete commands: name<TAB>summary" $'^launch\trun a command' "$OUT"
t_nomatch "__complete commands: hidden commands are not offered" '^__complete' "$OUT"
t_run "$EZPZ" help
t_nomatch "help does not list __complete" '__complete' "$OUT"
for c in $("$EZPZ" __complete commands | cut -f1); do
	t_run "$EZPZ" __complete operands "$c"
	t_eq "__complete operands $c: cmd_complete.c knows its operands" "0:" "$RC:$ERR"
done
t_run "$EZPZ" __complete options launch
t_match "__complete options: NAMES<TAB>ARG<TAB>VALUES<TAB>HELP" \
	$'^--gpu-bind\tMODE\tnone\\|per-rank\tper-rank' "$OUT"
t_run "$EZPZ" __complete values kill --signal
t_eq "__complete values: the table's literal values" "TERM KILL INT HUP QUIT USR1 USR2" "$(echo $OUT)"
t_run "$EZPZ" __complete values launch --bogus
t_eq "__complete values of an unknown option: exit 2" 2 "$RC"
t_run "$EZPZ" __complete line launch -n 4 python3 tr
t_eq "__complete line: the user's command starts at word 3" $'command\t3' "$OUT"
t_run "$EZPZ" __complete line launch --mca btl tcp -- python3 tr
t_eq "__complete line: a launcher flag's value before '--' is not the command" $'command\t5' "$OUT"
t_run "$EZPZ" __complete line launch -m json.tool ''
t_eq "__complete line: after -m MODULE come the module's arguments" $'file\t' "$OUT"
t_run "$EZPZ" __complete line launch --log=x
t_eq "__complete line: --log=: files, after the prefix" $'file\t--log=' "$OUT"
t_run "$EZPZ" __complete line launch -n ''
t_match "__complete line: a value with no candidates says what it is" $'^none\tN: total number of ranks' "$OUT"
t_run "$EZPZ" __complete line info --shell ''
t_match "__complete line: an optional value is completed" $'^words\t\tvalue\nbash' "$OUT"

# ---- a place to complete in ---------------------------------------------------
mkdir -p "$T_TMP/bin" "$T_TMP/home" "$T_TMP/profiles" "$T_TMP/work/dir1"
ln -s "$EZPZ" "$T_TMP/bin/ezpz"
printf '#!/bin/sh\n' > "$T_TMP/bin/ezpz-tc-prog"
chmod +x "$T_TMP/bin/ezpz-tc-prog"
: > "$T_TMP/work/file1"
: > "$T_TMP/home/homefile1"
printf 'name: testbox\ndescription: made by t-completion.sh\n' > "$T_TMP/profiles/testbox.yaml"
export PATH="$T_TMP/bin:/usr/bin:/bin" HOME="$T_TMP/home" EZPZ_CONFIG_DIR="$T_TMP/profiles"
export XDG_CONFIG_HOME="$T_TMP/home/.config" XDG_DATA_HOME="$T_TMP/home/.local/share"
export XDG_CACHE_HOME="$T_TMP/home/.cache" LC_ALL=C.UTF-8
unset BASH_ENV ENV ZDOTDIR
cd "$T_TMP/work" || t_bail "cannot cd to $T_TMP/work"

# The command lines, each completed at its end, and what must (+) or must
# not (-) be among the candidates.  A candidate X also counts as PREFIX=X
# (fish gives "--cpu-bind=none" where bash gives "none"), a directory
# X also as X/, and a file in the home directory X also as ~/X or $HOME/X
# (zsh records the name, fish the word, bash the expanded path).
cat > "$T_TMP/cases" <<'EOF'
ezpz |+launch +test +info +setup-env +rankenv +hostlist +submit +doctor +kill +help -__complete
ezpz la|+launch -test
ezpz --v|+--version
ezpz --c|+--color
ezpz --color=|+auto +always +never
ezpz --color=never la|+launch -test
ezpz --color launch --no|+--no-rankenv
ezpz launch --|+--dry-run ---node-rank ---master-addr ---standalone ---print-source ---max-restarts
ezpz launch --cpu-b|+--cpu-bind ---gpu-bind
ezpz launch --no|+--no-rankenv
ezpz launch --cpu-bind |+auto +none +depth +core +socket +numa -launch
ezpz launch --cpu-bind=n|+none +numa -auto
ezpz launch --gpu-bind |+none +per-rank
ezpz launch --launcher |+pals +mpich +openmpi +srun
ezpz launch --machine |+aurora +polaris +perlmutter +generic +testbox
ezpz launch --machine=te|+testbox -aurora
ezpz info --shell |+bash +zsh +sh +fish
ezpz setup-env --shell |+bash +fish
ezpz setup-env --venv |+dir1 -file1
ezpz launch --log |+file1 +dir1
ezpz launch --log=fi|+file1
ezpz kill --signal |+TERM +KILL +USR1
ezpz kill -s U|+USR1 +USR2 -TERM
ezpz submit --scheduler |+pbs +slurm
ezpz rankenv --cpu-bind |+none +auto
ezpz hostlist |+expand +compress
ezpz help |+launch +setup-env
ezpz test --to|+--torch +--topology
ezpz test -- --che|+--checkpoint-dir
ezpz test -- --checkpoint-dir |+dir1 -file1
ezpz launch ezpz-tc-|+ezpz-tc-prog
ezpz launch -n 2 ezpz-tc-|+ezpz-tc-prog
ezpz launch -n 2 ls --al|+--all
ezpz launch --mca btl tcp -- ls --al|+--all
ezpz launch -ppn 2 cat fi|+file1
ezpz launch -m json.tool fi|+file1
ezpz submit -- ls --al|+--all
ezpz rankenv -- ezpz-tc-|+ezpz-tc-prog
ezpz yeet |+dir1 +file1 -@dir -@file
ezpz launch --npro|---nproc ---nprocs
ezpz test -- --charts |+unicode +ascii +none
ezpz test --torch -- --i|---iters
ezpz launch --w|---world_size
ezpz submit --sched-args --exclusive -- --dr|+--dry-run
ezpz submit --sched-args --exclusive --mem=0 -- -- cat fi|+file1
ezpz launch -- --fo|
ezpz launch --log ~/ho|+homefile1
ezpz launch --machine 'te|+testbox
ezpz launch --log 'fi|+file1
EOF
cut -d'|' -f1 "$T_TMP/cases" > "$T_TMP/lines"

# check SHELL RESULTS: each case against the shell's "== LINE" blocks
check() {
	local sh=$1 res=$2 line want w got c ok
	while IFS='|' read -r line want; do
		got=$(awk -v l="== $line" '$0 == l { f = 1; next } /^== / { f = 0 } f' "$res" | cut -f1)
		for w in $want; do
			ok=0
			while IFS= read -r c; do
				case $c in "${w:1}" | "${w:1}/" | *"=${w:1}" | "~/${w:1}" | "$HOME/${w:1}") ok=1; break ;; esac
			done <<< "$got"
			if [ "${w:0:1}" = + ]; then
				t_eq "$sh: '$line' offers ${w:1}" 1 "$ok"
			else
				t_eq "$sh: '$line' does not offer ${w:1}" 0 "$ok"
			fi
		done
		if [ "$(grep -c . <<< "$got")" = 0 ]; then
			echo "  ($sh gave nothing for '$line')"
		fi
	done < "$T_TMP/cases"
}

# ---- bash ---------------------------------------------------------------------
BC=/usr/share/bash-completion/bash_completion
if [ ! -r "$BC" ]; then
	if [ "${EZPZ_TEST_NO_SKIP:-}" = 1 ]; then
		t_fail "bash: $BC is missing (install bash-completion; EZPZ_TEST_NO_SKIP=1)"
	else
		echo "# skipping bash: $BC is missing (install bash-completion)"
	fi
elif have_shell bash bash; then
	if have_shell shellcheck shellcheck; then
		t_run shellcheck -s bash "$COMP/bash/ezpz"
		t_eq "shellcheck completions/bash/ezpz" "0:" "$RC:$OUT"
	fi
	cat > "$T_TMP/bash-harness" <<-'EOF'
		# bash bash-harness BASH_COMPLETION COMPLETION < lines
		source "$1"
		# Outside a real completion compopt fails; what it sets is display only.
		compopt() { :; }
		source "$2"
		while IFS= read -r line; do
			# Split as readline does: blanks end words; each run of '=' or ':'
			# (COMP_WORDBREAKS) is a word of its own.
			COMP_WORDS=()
			w=
			for ((i = 0; i < ${#line}; i++)); do
				c=${line:i:1}
				case $c in
				' ') [[ -n $w ]] && COMP_WORDS+=("$w"); w= ;;
				[=:]) [[ -n $w && $w != [=:]* ]] && { COMP_WORDS+=("$w"); w=; }; w+=$c ;;
				*) [[ $w == [=:]* ]] && { COMP_WORDS+=("$w"); w=; }; w+=$c ;;
				esac
			done
			COMP_WORDS+=("$w")
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			COMP_LINE=$line
			COMP_POINT=${#line}
			COMPREPLY=()
			_ezpz ezpz "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
			printf '== %s\n' "$line"
			((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}"
		done
	EOF
	t_timeout 120 bash --norc --noprofile "$T_TMP/bash-harness" "$BC" "$COMP/bash/ezpz" \
		< "$T_TMP/lines" > "$T_TMP/bash.out" 2> "$T_TMP/bash.err"
	t_eq "bash: the harness ran" 0 "$?"
	t_eq "bash: nothing on stderr" "" "$(cat "$T_TMP/bash.err")"
	check bash "$T_TMP/bash.out"
fi

# ---- zsh ----------------------------------------------------------------------
if have_shell zsh zsh; then
	cat > "$T_TMP/zsh-harness" <<-'EOF'
		# zsh -f zsh-harness FPATH_DIR OUT < lines
		zmodload zsh/zpty || exit 3
		dir=$1 out=$2
		zpty -b z "env TERM=vt100 OUT=$out COMPDIR=$dir zsh -f -i"
		zpty -w z 'PS1="> "; unsetopt beep auto_list list_beep auto_menu; fpath=($COMPDIR $fpath)'
		zpty -w z 'autoload -Uz compinit && compinit -u -D'
		# Record every match added (not -O/-A/-D calls, which only compute).
		zpty -w z 'compadd() { if (( ${@[(I)-[OAD]*]} )); then builtin compadd "$@"; return; fi; local -a m; builtin compadd -O m "$@"; (( $#m )) && print -rl -- $m >> $OUT; builtin compadd "$@"; }'
		zpty -w z 't-complete() { : >| $OUT; zle complete-word; mv $OUT $OUT.done; BUFFER=; }; zle -N t-complete; bindkey "^T" t-complete'
		zpty -w z 'print ready >| $OUT.ready'
		for i in {1..200}; do [[ -f $out.ready ]] && break; sleep 0.05; done
		[[ -f $out.ready ]] || { print "zsh did not start"; exit 4; }
		while IFS= read -r line; do
			rm -f $out.done
			zpty -w -n z "$line"$'\x14'
			for i in {1..400}; do [[ -f $out.done ]] && break; sleep 0.025; done
			print -r -- "== $line"
			if [[ -f $out.done ]]; then cat $out.done; else print -r -- "(timed out)"; fi
		done
		zpty -d z
	EOF
	t_timeout 300 zsh -f "$T_TMP/zsh-harness" "$COMP/zsh" "$T_TMP/zsh.rec" \
		< "$T_TMP/lines" > "$T_TMP/zsh.out" 2> "$T_TMP/zsh.err"
	t_eq "zsh: the harness ran" 0 "$?"
	t_eq "zsh: no completion timed out" 0 "$(grep -c '(timed out)' "$T_TMP/zsh.out")"
	check zsh "$T_TMP/zsh.out"
fi

# ---- fish ---------------------------------------------------------------------
if have_shell fish fish; then
	t_timeout 120 fish --no-config -c '
		set -g fish_complete_path $argv[1] /usr/share/fish/vendor_completions.d \
			/usr/share/fish/completions
		while read -l line
			echo "== $line"
			complete -C "$line"
		end' "$COMP/fish" < "$T_TMP/lines" > "$T_TMP/fish.out" 2> "$T_TMP/fish.err"
	t_eq "fish: the harness ran" 0 "$?"
	t_eq "fish: nothing on stderr" "" "$(cat "$T_TMP/fish.err")"
	check fish "$T_TMP/fish.out"
fi
t_done
