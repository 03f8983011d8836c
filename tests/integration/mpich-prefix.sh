#!/bin/bash
# mpich-prefix.sh: a real MPICH (Hydra) beside the system's MPI, without
# touching it: Debian's mpich, libmpich12 and libmpich-dev, plus those of
# their direct dependencies this machine lacks (libslurm38, ...), fetched
# with `apt-get download` and unpacked with `dpkg -x` into a private
# prefix.  No package is installed, no alternative (mpirun, mpiexec)
# changes.  Used by the MPICH tests and .ci/run.
#
#   mpich-prefix.sh            prints the prefix (made on first use)
#   mpich-prefix.sh env        prints MPICH_PREFIX=, MPICH_BIN=, MPICH_LIB=,
#                              MPICH_CFLAGS=, MPICH_LIBS= (for eval)
#
# The prefix is $EZPZ_MPICH_PREFIX, else /var/cache/ezpz-test/mpich as root
# (shared by every checkout), else ~/.cache/ezpz-test/mpich; made once under
# a lock, complete or not at all.  Exit 77 when apt cannot fetch (no
# registry): the tests skip, or fail under EZPZ_TEST_NO_SKIP=1.
set -euo pipefail
PKGS="mpich libmpich12 libmpich-dev"
if [ -n "${EZPZ_MPICH_PREFIX:-}" ]; then dest=$EZPZ_MPICH_PREFIX
elif [ "$(id -u)" = 0 ]; then dest=/var/cache/ezpz-test/mpich
else dest=${XDG_CACHE_HOME:-$HOME/.cache}/ezpz-test/mpich
fi
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)

report() {
	local lib=$dest/usr/lib/$triplet
	if [ "${1:-}" = env ]; then
		printf "MPICH_PREFIX='%s'\nMPICH_BIN='%s'\nMPICH_LIB='%s'\n" "$dest" "$dest/usr/bin" "$lib"
		printf "MPICH_CFLAGS='-I%s'\n" "$dest/usr/include/$triplet/mpich"
		printf "MPICH_LIBS='-L%s -lmpich -Wl,-rpath,%s'\n" "$lib" "$lib"
	else
		echo "$dest"
	fi
}

[ -f "$dest/.complete" ] && { report "$@"; exit 0; }
command -v apt-get >/dev/null && command -v dpkg >/dev/null ||
	{ echo "mpich-prefix: needs apt-get and dpkg (Debian)" >&2; exit 77; }
mkdir -p "$(dirname "$dest")"
exec 9>"$dest.lock"
flock 9
[ -f "$dest/.complete" ] && { report "$@"; exit 0; }

work=$(mktemp -d "$dest.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/debs" "$work/root"
# The direct dependencies this machine lacks (alternatives: the first).
missing=()
for d in $(apt-cache depends --no-recommends --no-suggests --no-breaks --no-replaces \
	--no-conflicts --no-enhances mpich libmpich12 2>/dev/null |
	awk '/^ *Depends:/ && $2 !~ /^</ { print $2 }' | sort -u); do
	case " $PKGS " in *" $d "*) continue ;; esac
	dpkg-query -W -f='${Status}\n' "$d" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$d")
done
# _apt cannot write into a root-owned mktemp directory: fetch as we are.
if ! (cd "$work/debs" && apt-get download -o APT::Sandbox::User=root $PKGS "${missing[@]}" \
	>"$work/apt.log" 2>&1); then
	echo "mpich-prefix: apt-get download $PKGS ${missing[*]} failed:" >&2
	sed 's/^/  /' "$work/apt.log" >&2
	exit 77
fi
for f in "$work"/debs/*.deb; do dpkg -x "$f" "$work/root"; done
# Everything Hydra and libmpich need must resolve now.
lib=$work/root/usr/lib/$triplet
if LD_LIBRARY_PATH=$lib ldd "$work/root/usr/bin/mpiexec.hydra" "$lib/libmpich.so.12" |
	grep 'not found' >&2; then
	echo "mpich-prefix: libraries above are missing (a dependency of a dependency?)" >&2
	exit 1
fi
"$work/root/usr/bin/mpiexec.hydra" --version >/dev/null 2>&1 ||
	LD_LIBRARY_PATH=$lib "$work/root/usr/bin/mpiexec.hydra" --version >/dev/null
ls "$work/debs" > "$work/root/.packages"
touch "$work/root/.complete"
rm -rf "$dest"
mv "$work/root" "$dest"
report "$@"
