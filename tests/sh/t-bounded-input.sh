#!/bin/bash
# t-bounded-input: every file ezpz reads is a regular file within a named
# size limit (ezpz(1) FILES).  /dev/zero or /dev/urandom as a hostfile,
# PBS_NODEFILE, profile or template once grew ezpz by gigabytes, and a FIFO
# (also as --topology)
# with no writer blocked it forever; now each is one error naming the file
# and the reason.  Standard input of 'hostlist expand' may be a pipe, so it
# is bounded by size instead.  Each command runs under t_timeout, so a
# regression fails here rather than hanging the suite.
. "$EZPZ_TOP/tests/lib.sh"

NOGPU=$FIX/topo/synthetic-nogpu.xml
# ezpz_clean's environment, as a command t_timeout can run
CLEAN=(env -i PATH=/usr/bin:/bin HOME="$T_TMP" LC_ALL=C.UTF-8 EZPZ_HOSTNAME=testhost)
mkfifo "$T_TMP/fifo" || t_bail "mkfifo"
# Sparse: larger than the limit, nothing written.
truncate -s $((64 * 1024 * 1024 + 1)) "$T_TMP/huge" || t_bail "truncate"

# bounded WHAT CMD...: CMD must finish (no hang), exit 1, and say one line.
bounded() {
	local what=$1
	shift
	t_run t_timeout 10 "$@"
	t_eq "$what: exit 1 (not a hang, not a crash)" 1 "$RC"
}

for f in /dev/zero /dev/urandom "$T_TMP/fifo"; do
	bounded "--hostfile $f" "${CLEAN[@]}" EZPZ_TOPOLOGY="$NOGPU" "$EZPZ" info --hostfile "$f"
	t_eq "--hostfile $f: names the file" "ezpz: hostfile '$f' (from --hostfile): not a regular file" "$ERR"
	bounded "HOSTFILE=$f" "${CLEAN[@]}" EZPZ_TOPOLOGY="$NOGPU" HOSTFILE="$f" "$EZPZ" info
	t_eq "HOSTFILE=$f: names the file" "ezpz: hostfile '$f' (from HOSTFILE): not a regular file" "$ERR"
	bounded "PBS_NODEFILE=$f" "${CLEAN[@]}" EZPZ_TOPOLOGY="$NOGPU" PBS_JOBID=1 PBS_NODEFILE="$f" "$EZPZ" info
	t_match "PBS_NODEFILE=$f: names the file" "env:PBS_NODEFILE '$f': not a regular file" "$ERR"
done
bounded "--hostfile over the limit" "${CLEAN[@]}" EZPZ_TOPOLOGY="$NOGPU" "$EZPZ" info --hostfile "$T_TMP/huge"
t_eq "--hostfile over the limit: names the limit" \
	"ezpz: hostfile '$T_TMP/huge' (from --hostfile): larger than 64 MiB" "$ERR"
bounded "doctor --hostfile /dev/zero" "${CLEAN[@]}" EZPZ_TOPOLOGY="$NOGPU" "$EZPZ" doctor --hostfile /dev/zero
t_match "doctor --hostfile /dev/zero: names the file" "hostfile '/dev/zero' \(from --hostfile\): not a regular file" "$OUT$ERR"

# A topology (hwloc XML) is read by ezpz, not by hwloc, so a FIFO cannot block it.
for f in /dev/zero "$T_TMP/fifo"; do
	bounded "--topology $f" "${CLEAN[@]}" "$EZPZ" info --topology "$f"
	t_eq "--topology $f: names the file" \
		"ezpz: topology '$f': not a regular file (from --topology; give an hwloc XML file, as 'lstopo FILE.xml' writes, or leave it out to read this host)" "$ERR"
	bounded "rankenv --cpu-bind auto --topology $f" "${CLEAN[@]}" PMI_RANK=0 PMI_SIZE=1 \
		"$EZPZ" rankenv --cpu-bind auto --topology "$f" -- true
	t_match "rankenv --topology $f: names the file" "topology '$f': not a regular file" "$ERR"
done

# A profile in EZPZ_CONFIG_DIR: every profile is read before failing.
mkdir -p "$T_TMP/conf"
ln -s /dev/zero "$T_TMP/conf/zero.yaml"
mkfifo "$T_TMP/conf/fifo.yaml"
truncate -s $((16 * 1024 * 1024 + 1)) "$T_TMP/conf/huge.yaml"
bounded "profiles" "${CLEAN[@]}" EZPZ_TOPOLOGY="$NOGPU" EZPZ_CONFIG_DIR="$T_TMP/conf" "$EZPZ" info
t_match "profile FIFO: named" "^ezpz: $T_TMP/conf/fifo.yaml: cannot read: not a regular file$" "$ERR"
t_match "profile /dev/zero: named" "^ezpz: $T_TMP/conf/zero.yaml: cannot read: not a regular file$" "$ERR"
t_match "profile over the limit: named" "^ezpz: $T_TMP/conf/huge.yaml: cannot read: larger than 16 MiB$" "$ERR"

# submit --template
for f in /dev/zero "$T_TMP/fifo"; do
	bounded "submit --template $f" "${CLEAN[@]}" "$EZPZ" submit --dry-run --scheduler slurm --template "$f" -- hostname
	t_eq "submit --template $f: names the file" "ezpz: submit: template '$f': not a regular file" "$ERR"
done
truncate -s $((1024 * 1024 + 1)) "$T_TMP/huge.tmpl"
bounded "submit --template over the limit" "${CLEAN[@]}" "$EZPZ" submit --dry-run --scheduler slurm \
	--template "$T_TMP/huge.tmpl" -- hostname
t_eq "submit --template over the limit: names the limit" \
	"ezpz: submit: template '$T_TMP/huge.tmpl': larger than 1 MiB" "$ERR"

# rankenv runs in every rank: a bad PBS_NODEFILE is one error, not a hang.
for f in /dev/zero "$T_TMP/fifo"; do
	bounded "rankenv PBS_NODEFILE=$f" "${CLEAN[@]}" PMI_RANK=1 PMI_SIZE=2 MPI_LOCALRANKID=0 MPI_LOCALNRANKS=1 PBS_NODEFILE="$f" "$EZPZ" rankenv -- true
	t_eq "rankenv PBS_NODEFILE=$f: names the file" "ezpz: rankenv: PBS_NODEFILE '$f': not a regular file" "$ERR"
done

# hostlist expand/compress read standard input: a pipe is fine, bounded by size.
bounded "hostlist expand < /dev/zero" "${CLEAN[@]}" "$EZPZ" hostlist expand </dev/zero
t_eq "hostlist expand < /dev/zero: names the limit" "ezpz: hostlist: standard input: larger than 64 MiB" "$ERR"
bounded "hostlist compress < /dev/urandom" "${CLEAN[@]}" "$EZPZ" hostlist compress </dev/urandom
t_eq "hostlist compress < /dev/urandom: names the limit" "ezpz: hostlist: standard input: larger than 64 MiB" "$ERR"
t_run t_timeout 10 "${CLEAN[@]}" "$EZPZ" hostlist expand < <(printf 'n[1-2]\r\nm\n\nk')
t_eq "hostlist expand from a pipe: lines, CRLF, no final newline" "0:n1
n2
m
k" "$RC:$OUT"
t_run t_timeout 10 "${CLEAN[@]}" "$EZPZ" hostlist compress < <(printf 'n1\nn2\r\n  \nn3')
t_eq "hostlist compress from a pipe: blank lines skipped" "0:n[1-3]" "$RC:$OUT"
t_done
