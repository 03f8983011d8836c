#!/bin/sh
# tests/device/gpu-check.sh: issue 13 item 7, on a lent GPU machine, with
# the bundle tests/device/pack.sh made (ezpz, Debian's hwloc, Debian's
# MPICH): does the distribution's hwloc count this machine's GPUs, and does
# a launched rank see the GPU it is bound to?
#
#   sh tests/device/gpu-check.sh [BUNDLE]     BUNDLE defaults to build/device
#
# Prints every figure and check; writes the same to $OUT/gpu-check.log when
# OUT is set.  Exit 0: all checks passed; 1: one failed; 77: no NVIDIA GPU.
set -u
b=${1:-build/device}
b=$(cd "$b" && pwd) || exit 1
log=${OUT:-/tmp}/gpu-check.log
: >"$log"
say() { printf '%s\n' "$*" | tee -a "$log"; }
fails=0
check() {   # check WHAT CONDITION-STATUS
	if [ "$2" = 0 ]; then say "ok    $1"; else say "FAIL  $1"; fails=$((fails + 1)); fi
}
run() {     # run CMD...: its output to the log, its status back
	say "\$ $*"
	"$@" >"$work/out" 2>&1
	st=$?
	sed 's/^/  | /' "$work/out" | tee -a "$log"
	say "  (exit $st)"
	return $st
}

command -v nvidia-smi >/dev/null || { say "no nvidia-smi here: not a GPU machine"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PATH="$b/bin:$PATH" LD_LIBRARY_PATH="$b/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export HWLOC_PLUGINS_PATH="$b/lib/hwloc" XDG_CACHE_HOME="$work/cache"
unset EZPZ_LAUNCHER NGPU_PER_HOST EZPZ_TOPOLOGY CUDA_VISIBLE_DEVICES 2>/dev/null
export HYDRA_LAUNCHER=fork OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

say "== the machine"
run uname -a
run nvidia-smi -L
n=$(grep -c '^GPU [0-9]' "$work/out")
run sh -c 'ls /sys/bus/pci/devices | wc -l; for d in /sys/bus/pci/devices/*; do
	printf "%s %s %s\n" "${d##*/}" "$(cat $d/vendor)" "$(cat $d/class)"; done | grep " 0x10de " || true'
run cat "$b/MANIFEST"

say "== ezpz info, the distribution's hwloc, no cache"
t0=$(date +%s%N); run ezpz info; t1=$(date +%s%N)
say "ezpz info (cold, hwloc load): $(( (t1 - t0) / 1000000 )) ms"
t0=$(date +%s%N); run ezpz info --json; t1=$(date +%s%N)
say "ezpz info --json (warm cache): $(( (t1 - t0) / 1000000 )) ms"
cp "$work/out" "$work/info.json"
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); h=d["this_host"]
print(d["ngpu_per_host"], d["gpu_vendor"], h["gpu_backend"], len(h["gpus"]))' "$work/info.json")
say "ngpu_per_host vendor backend gpus: $got (nvidia-smi: $n)"
# shellcheck disable=SC2086 # four words, split on purpose
set -- $got
[ "$1" = "$n" ]; check "ezpz counts $1 GPUs per host, nvidia-smi $n" $?
[ "$2" = nvidia ]; check "vendor nvidia (got $2)" $?
[ "$4" = "$n" ]; check "this host's GPU list has $4 entries" $?
run ezpz doctor; check "ezpz doctor" $?

say "== launched ranks"
run ezpz launch --launcher "$b/bin/mpiexec.hydra" --dry-run -- nvidia-smi -L
run ezpz launch --launcher "$b/bin/mpiexec.hydra" -n 1 -- nvidia-smi -L; st=$?
[ $st = 0 ] && grep -q '^GPU 0' "$work/out"; check "ezpz launch -n 1 -- nvidia-smi -L sees a GPU" $?
# shellcheck disable=SC2016 # the rank's shell expands them
run ezpz launch --launcher "$b/bin/mpiexec.hydra" --gpu-bind per-rank -- sh -c 'echo "rank $RANK/$WORLD_SIZE local $LOCAL_RANK CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES"; nvidia-smi -L'
st=$?
[ $st = 0 ] && [ "$(grep -c '^GPU 0' "$work/out")" = "$n" ] &&
	[ "$(grep -c 'CUDA_VISIBLE_DEVICES=[0-9]' "$work/out")" = "$n" ]
check "one rank per GPU, each bound to one (per-rank)" $?
run ezpz launch --launcher "$b/bin/mpiexec.hydra" -- python3 -c 'import os, torch
print("rank", os.environ["RANK"], "of", os.environ["WORLD_SIZE"], "sees", torch.cuda.device_count(),
      "GPU(s):", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none")'
st=$?
[ $st = 0 ] && grep -q 'sees [1-9]' "$work/out"; check "torch in a launched rank sees the GPU" $?
say "== $fails failed"
[ $fails = 0 ]
