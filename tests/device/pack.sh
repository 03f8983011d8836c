#!/bin/sh
# tests/device/pack.sh: bundle what issue 13's GPU check (tests/device/
# gpu-check.sh) needs on a lent GPU machine, which has no Debian packages
# and no network: ezpz as built here, its profiles, the distribution's
# libraries it links (hwloc with its PCI plugin, udev, libyaml, cJSON), and
# Debian's MPICH (mpiexec.hydra, from tests/integration/mpich-prefix.sh) as
# the launcher.  Nothing here is rebuilt: the check is of the same binary
# and the same hwloc a Debian user has.
#
#   tests/device/pack.sh [BUILD]     BUILD defaults to build; writes BUILD/device
#
# Then, with the device tool: carry ["build/device"] and run
#   sh tests/device/gpu-check.sh build/device
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
out=$build/device
[ -x "$build/bin/ezpz" ] || { echo "pack: $build/bin/ezpz: not built (run make)" >&2; exit 1; }
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
mpich=$("$top/tests/integration/mpich-prefix.sh")
mlib=$mpich/usr/lib/$triplet

rm -rf "$out.tmp"
mkdir -p "$out.tmp/bin" "$out.tmp/lib/hwloc" "$out.tmp/share"
cp "$build/bin/ezpz" "$out.tmp/bin/"
cp -R "$build/share/ezpz" "$out.tmp/share/"
# Hydra starts hydra_pmi_proxy from its own directory.
cp "$mpich/usr/bin/mpiexec.hydra" "$mpich/usr/bin/hydra_pmi_proxy" "$out.tmp/bin/"
cp /usr/lib/"$triplet"/hwloc/hwloc_pci.so "$out.tmp/lib/hwloc/"

# Every library these need but glibc's own: the device machine has a newer
# glibc (ezpz needs GLIBC_2.34 at most) and none of the rest.
libs() {
	LD_LIBRARY_PATH=$mlib ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' |
		grep -Ev '/(libc|libm|libresolv|libpthread|libdl|librt|ld-linux[^/]*)\.so' | sort -u
}
for f in $(libs "$out.tmp/bin/ezpz" "$out.tmp/bin/mpiexec.hydra" "$out.tmp/bin/hydra_pmi_proxy" "$out.tmp/lib/hwloc/hwloc_pci.so"); do
	cp -L "$f" "$out.tmp/lib/"
done
cp "$top/tests/device/gpu-check.sh" "$out.tmp/"
# What went in, for the closing note.
{
	echo "ezpz $("$build/bin/ezpz" --version 2>&1)"
	dpkg-query -W -f='${Package} ${Version}\n' libhwloc15 libhwloc-plugins libudev1 \
		libyaml-0-2 libcjson1 libpciaccess0 2>/dev/null || true
	cat "$mpich/.packages"
	(cd "$out.tmp" && ls -l lib lib/hwloc)
} >"$out.tmp/MANIFEST"
rm -rf "$out"
mv "$out.tmp" "$out"
du -sh "$out"
