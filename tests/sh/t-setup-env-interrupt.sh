#!/bin/bash
# t-setup-env-interrupt: a setup-env stopped while it makes a venv leaves
# nothing behind, and never breaks a later run.  A real python3 -m venv
# (with pip, so it runs for seconds) is signalled once its pyvenv.cfg
# exists: SIGINT, SIGTERM and SIGHUP to ezpz must leave neither the venv nor
# its marker.  A SIGKILL to ezpz and its bash cannot be cleaned up at once;
# the marker it leaves makes the next run remove the half-made venv and
# make it again.  A marker whose owner still runs (here, or less than an
# hour ago on another host) is left alone.
. "$EZPZ_TOP/tests/lib.sh"

python3 -c 'import venv, ensurepip' 2>/dev/null || t_skip "python3 has no venv or ensurepip"
W=$T_TMP/w NOGPU=$FIX/topo/synthetic-nogpu.xml
mkdir -p "$W"

# start_setup_env DIR [ARGS...]: setup-env making the venv DIR, in the
# background with the signals a terminal's job gets (a script's background
# jobs ignore SIGINT); PID is ezpz's.
start_setup_env() {
	local v=$1
	shift
	env --default-signal=INT,TERM,HUP -i PATH=/usr/bin:/bin HOME="$T_TMP" LC_ALL=C.UTF-8 \
		EZPZ_HOSTNAME=testhost EZPZ_TOPOLOGY="$NOGPU" "$EZPZ" setup-env --shell bash --no-modules --venv "$v" "$@" \
		>"$T_TMP/se.out" 2>"$T_TMP/se.err" &
	PID=$!
}

# wait_for FILE: until FILE exists (at most 60 s)
wait_for() {
	local i
	for ((i = 0; i < 1200; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

setup_env() {   # DIR [ARGS...]: a whole run, quick (no pip)
	local v=$1
	shift
	t_run t_timeout 120 env -i PATH=/usr/bin:/bin HOME="$T_TMP" LC_ALL=C.UTF-8 EZPZ_HOSTNAME=testhost \
		EZPZ_TOPOLOGY="$NOGPU" "$EZPZ" setup-env --shell bash --no-modules --without-pip --venv "$v" "$@"
}

for sig in INT TERM HUP; do
	v=$W/v-$sig
	start_setup_env "$v"
	wait_for "$v/pyvenv.cfg" || t_bail "no $v/pyvenv.cfg: $(cat "$T_TMP/se.err")"
	t_eq "SIG$sig: the venv is being made" "no activate yet" \
		"$([ -e "$v/bin/activate" ] && echo done || echo "no activate yet")"
	kill -s "$sig" "$PID"
	wait "$PID"
	rc=$?
	t_eq "SIG$sig mid-creation: exit 128+$sig" "$((128 + $(kill -l "$sig")))" "$rc"
	t_eq "SIG$sig mid-creation: no venv, no marker left" "" "$(ls -A "$W")"
	t_nomatch "SIG$sig mid-creation: nothing still running" "ezpz-setup-env|-m venv|ensurepip" \
		"$(ps -eo args | grep -F -- "$v" | grep -v grep)"
done
setup_env "$W/v-INT"
t_eq "after SIGINT: the next run makes the venv" "0" "$RC"
t_eq "... with bin/activate, no marker" "activate " \
	"$(ls "$W/v-INT/bin" | grep -x activate) $(ls -A "$W" | grep ezpz-creating)"
rm -rf "$W/v-INT"

# SIGKILL to ezpz and its bash: no clean-up can run; the next run does it.
v=$W/v-KILL
start_setup_env "$v"
wait_for "$v/pyvenv.cfg" || t_bail "no $v/pyvenv.cfg: $(cat "$T_TMP/se.err")"
bash_pid=$(pgrep -P "$PID")
kill -KILL "$PID"
[ -n "$bash_pid" ] && kill -KILL -- "-$bash_pid"
wait "$PID"
for ((i = 0; i < 100; i++)); do [ -d "/proc/$bash_pid" ] || break; sleep 0.05; done
t_eq "SIGKILL: the half-made venv and its marker stay" "v-KILL .v-KILL.ezpz-creating" \
	"$(ls -A "$W" | sort -r | tr '\n' ' ' | sed 's/ $//')"
setup_env "$v"
t_eq "after SIGKILL: the next run succeeds" 0 "$RC"
t_match "... and says it removed the half-made venv" \
	"venv $v: ok \(removed the half-made venv an interrupted run left; created with" "$ERR"
t_eq "... a whole venv, no marker" "activate|" \
	"$(ls "$v/bin" | grep -x activate)|$(ls -A "$W" | grep ezpz-creating)"
t_run "$v/bin/python3" -c 'import sys; print(sys.prefix)'
t_eq "... whose python3 runs" "$v" "$OUT"
rm -rf "$v"

# A marker whose owner runs is not a leftover: the run fails, touching nothing.
host=$(cat /proc/sys/kernel/hostname)
start=$(read -r s </proc/$$/stat; s=${s##*) }; set -- $s; echo "${20}")
v=$W/v-live
mkdir -p "$v/bin"
printf 'ezpz-setup-env %s %s %s 0\n' "$host" "$$" "$start" >"$W/.v-live.ezpz-creating"
setup_env "$v"
t_eq "a live owner on this host: exit 1" 1 "$RC"
t_match "... says who is making it" "another ezpz setup-env \(pid $$\) is making this venv now" "$ERR"
t_match "... the step's status says busy (75), the fix says wait" \
	"failed \(exit 75\): .*fix: wait until the other setup-env has made the venv" "$(tr '\n' ' ' <<<"$ERR")"

t_eq "... its venv and marker untouched" "bin|.v-live.ezpz-creating" \
	"$(ls -A "$v")|$(ls -A "$W" | grep ezpz-creating)"
printf 'ezpz-setup-env other-host 1 1 0\n' >"$W/.v-live.ezpz-creating"
setup_env "$v"
t_eq "another host, marker under an hour old: exit 1" 1 "$RC"
t_match "... says to wait" "on other-host \(pid 1\) began making this venv less than an hour ago" "$ERR"
touch -d '2 hours ago' "$W/.v-live.ezpz-creating"
setup_env "$v"
t_eq "another host, marker over an hour old: a leftover, removed and made again" \
	"0 activate" "$RC $(ls "$v/bin" | grep -x activate)"
# A tool's own status 75 (uv here) is not another setup-env at work: the
# step fails with 1 and the fix for a venv, not "wait".
mkdir -p "$T_TMP/uvbin"
printf '#!/bin/sh\necho "uv: made up failure" >&2\nexit 75\n' >"$T_TMP/uvbin/uv"
chmod +x "$T_TMP/uvbin/uv"
t_run t_timeout 120 env -i PATH="$T_TMP/uvbin:/usr/bin:/bin" HOME="$T_TMP" LC_ALL=C.UTF-8 \
	EZPZ_HOSTNAME=testhost EZPZ_TOPOLOGY="$NOGPU" "$EZPZ" setup-env --shell bash --no-modules \
	--venv "$W/v-uv75"
t_match "uv exits 75: the step failed with 1, not 75" "failed \(exit 1\): uv venv failed" "$ERR"
t_nomatch "... and the fix is not to wait" "wait until the other setup-env" "$ERR"

# Runs that start at once (a job array) in a fresh directory: one makes the
# venv; each other says another setup-env is making it, whether it found
# the marker or lost the race to create it.
v=$W/v-race
for i in 1 2 3 4; do
	env -i PATH=/usr/bin:/bin HOME="$T_TMP" LC_ALL=C.UTF-8 EZPZ_HOSTNAME=testhost \
		EZPZ_TOPOLOGY="$NOGPU" "$EZPZ" setup-env -q --shell bash --no-modules --without-pip \
		--venv "$v" >"$T_TMP/race.$i.out" 2>"$T_TMP/race.$i.err" &
done
wait
ok=0 busy=0
for i in 1 2 3 4; do
	if grep -q 'VIRTUAL_ENV' "$T_TMP/race.$i.out"; then ok=$((ok + 1))
	elif grep -q 'failed (exit 75): another ezpz setup-env (pid [0-9]*.*) .*making this venv' \
		"$T_TMP/race.$i.err"; then busy=$((busy + 1))
	else t_fail "race: run $i neither made the venv nor said it is busy: $(cat "$T_TMP/race.$i.err")"
	fi
done
t_eq "4 runs at once: one makes the venv, 3 say another is making it" "1 3" "$ok $busy"
t_eq "... the venv works, no marker left" "ok|" \
	"$("$v/bin/python3" -c 'print("ok")')|$(ls -A "$W" | grep v-race.ezpz-creating)"
t_done
