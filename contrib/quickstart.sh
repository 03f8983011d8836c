#!/bin/sh
# contrib/quickstart.sh: on Debian 12 (or Ubuntu), install what ezpz needs,
# build it, and run its distributed smoke test (`ezpz test`, which launches
# the test worker with `ezpz launch`) on this machine.
#
#   sh contrib/quickstart.sh             install, build, run the smoke test
#   sh contrib/quickstart.sh --deps-only install only (used by .ci/run)
#
# Packages come from Debian's apt; root installs directly, others via sudo.
# The list covers building and `make check` (Slurm, Lmod, the shells the
# tests drive, clang for the fuzzers).
set -eu
cd "$(dirname "$0")/.."

PACKAGES="gcc make pkg-config libc6-dev
libhwloc-dev hwloc libpmix-dev libyaml-dev libcjson-dev
openmpi-bin libopenmpi-dev libcriterion-dev
slurmctld slurmd slurm-client munge
lmod zsh fish dash bash-completion shellcheck
python3 python3-venv groff-base mandoc man-db procps util-linux iproute2 bc
libxml2-utils chromium
clang libclang-rt-14-dev valgrind"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "quickstart: installing:$missing"
	if [ "$(id -u)" = 0 ]; then
		sudo=""
	elif command -v sudo >/dev/null 2>&1; then
		sudo="sudo"
	else
		echo "quickstart: need root or sudo to install:$missing" >&2
		exit 1
	fi
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
[ "${1-}" = --deps-only ] && exit 0

make -j"$(nproc)"
if [ "$(id -u)" = 0 ]; then
	# Open MPI refuses to run as root unless told twice; this machine is
	# yours to try ezpz on.  (A normal user needs neither.)
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
echo "quickstart: built build/bin/ezpz; running the smoke test: build/bin/ezpz test"
exec build/bin/ezpz test
