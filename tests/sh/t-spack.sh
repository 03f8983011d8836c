#!/bin/bash
# contrib/spack/package.py: it compiles (python3 -m py_compile), and run
# against a stand-in for Spack's package API (Spack itself is neither in
# Debian 12 nor installable from PyPI here) it declares what it must: the
# 'make dist' tarball as url, MPI only behind the 'mpi' variant, and the
# make arguments for each (the site's MPI flags with +mpi, NO_WORKER=1
# without).  The make side: NO_WORKER=1 installs no worker.
. "$EZPZ_TOP/tests/lib.sh"
need_cmd python3
R=$EZPZ_TOP/contrib/spack/package.py
VERSION=$(sed -n 's/^VERSION = //p' "$EZPZ_TOP/config.mk")

t_run python3 -c 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)' \
	"$R" "$T_TMP/package.pyc"
t_eq "py_compile: the recipe compiles" "0:" "$RC:$ERR"

mkdir -p "$T_TMP/stub/spack"
: > "$T_TMP/stub/spack/__init__.py"
cat > "$T_TMP/stub/spack/package.py" <<'PY'
# A stand-in for spack.package: records the directives a recipe makes.
DIRECTIVES = []
def _directive(name):
    def f(*args, **kw):
        DIRECTIVES.append((name, args, kw))
    return f
for _n in ("version", "variant", "depends_on", "license", "maintainers", "conflicts"):
    globals()[_n] = _directive(_n)
MAKE_CALLS = []
def make(*args, **kw):
    MAKE_CALLS.append(args)
spack_cc = "/spack/cc"
class MakefilePackage:
    pass
__all__ = ["DIRECTIVES", "MAKE_CALLS", "make", "spack_cc", "MakefilePackage", "version",
           "variant", "depends_on", "license", "maintainers", "conflicts"]
PY
t_run env PYTHONPATH="$T_TMP/stub" python3 - "$R" <<'PY'
import importlib.util, sys
import spack.package as sp
spec_ = importlib.util.spec_from_file_location("recipe", sys.argv[1])
m = importlib.util.module_from_spec(spec_)
spec_.loader.exec_module(m)
E = m.Ezpz
print("url", E.url)
for name, args, kw in sp.DIRECTIVES:
    if name == "depends_on":
        print("depends_on", args[0], kw.get("when", "-"))
    elif name == "variant":
        print("variant", args[0], kw.get("default"))
    elif name == "version":
        print("version", args[0], "sha256" in kw)

class Libs:
    ld_flags = "-L/mpi/lib -lmpi"
class Headers:
    include_flags = "-I/mpi/include"
class MPI:
    libs, headers = Libs(), Headers()
class Spec:
    def __init__(self, mpi): self.mpi = mpi
    def satisfies(self, what): return (what == "+mpi") == self.mpi
    def __getitem__(self, k): assert k == "mpi" and self.mpi; return MPI()
for mpi in (True, False):
    p = E()
    p.spec, p.prefix = Spec(mpi), "/opt/ezpz"
    p.install(p.spec, p.prefix)
    print("make", "+mpi" if mpi else "~mpi", " ".join(sp.MAKE_CALLS[-1]))
PY
t_eq "the recipe loads against the stand-in" "0:" "$RC:$ERR"
t_match "url: a 'make dist' tarball" "^url https?://[^ ]+/ezpz-$VERSION\\.tar\\.gz$" "$OUT"
t_nomatch "url: not the Python project" "saforem2" "$OUT"
t_match "version $VERSION with a sha256" "^version $VERSION True$" "$OUT"
t_match "variant mpi, on by default" "^variant mpi True$" "$OUT"
t_match "MPI only with +mpi" "^depends_on mpi \\+mpi$" "$OUT"
t_match "+mpi: the site's MPI flags" \
	"^make \\+mpi install CC=/spack/cc PREFIX=/opt/ezpz MPI_CFLAGS=-I/mpi/include MPI_LIBS=-L/mpi/lib -lmpi$" "$OUT"
t_match "~mpi: no worker" "^make ~mpi install CC=/spack/cc PREFIX=/opt/ezpz NO_WORKER=1$" "$OUT"

t_run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$EZPZ_TOP" O="${EZPZ_BUILD#"$EZPZ_TOP"/}" \
	SANITIZE="${SANITIZE:-}" NO_WORKER=1 DESTDIR="$T_TMP/d" PREFIX=/p install
t_eq "make NO_WORKER=1 install: exit 0" 0 "$RC"
t_eq "... installs ezpz" yes "$([ -x "$T_TMP/d/p/bin/ezpz" ] && echo yes)"
t_eq "... and no worker" no "$([ -e "$T_TMP/d/p/libexec/ezpz/ezpz-test-worker" ] && echo yes || echo no)"
t_done
