# Copyright ezpz contributors.  SPDX-License-Identifier: MIT
#
# contrib/spack/package.py: a Spack recipe for ezpz (the C launcher; not the
# Python package saforem2/ezpz), built from the release tarball that
# 'make dist' writes (ezpz-VERSION.tar.gz, the tracked files only).
#
# A site publishes that tarball and sets, below:
#   url      where it lies, e.g. https://software.example.org/ezpz/ezpz-0.1.0.tar.gz
#   version  one line per release with its sha256 ('sha256sum ezpz-0.1.0.tar.gz',
#            or 'spack checksum ezpz' once url is set)
# then:
#   spack repo create myrepo && mkdir -p myrepo/packages/ezpz
#   cp contrib/spack/package.py myrepo/packages/ezpz/ && spack repo add myrepo
#   spack install ezpz ^cray-mpich        # or ^openmpi, ^mpich, ...
#   spack install ezpz ~mpi                # no test worker: no MPI needed
#
# Only 'ezpz test's worker (libexec/ezpz/ezpz-test-worker) is an MPI
# program; ezpz itself launches the site's mpiexec/srun and needs no MPI
# library, so MPI is the 'mpi' variant (on by default).

from spack.package import *


class Ezpz(MakefilePackage):
    """Launch and set up distributed jobs the same way on a laptop, in a PBS
    job and in a Slurm job: one C binary that detects the scheduler, hosts,
    GPUs and launcher (PALS, Hydra, Open MPI, srun), binds ranks, and sets
    up modules and the Python environment."""

    # Set by the site: where its 'make dist' tarballs are published.
    url = "https://software.example.org/ezpz/ezpz-0.1.0.tar.gz"

    license("MIT")

    # The checksum of the site's ezpz-0.1.0.tar.gz ('sha256sum' it).
    version("0.1.0", sha256="0000000000000000000000000000000000000000000000000000000000000000")

    variant("mpi", default=True, description="build the MPI test worker behind 'ezpz test'")

    depends_on("c", type="build")
    depends_on("gmake", type="build")
    depends_on("pkgconfig", type="build")
    depends_on("hwloc")
    depends_on("pmix")
    depends_on("libyaml")
    depends_on("cjson")
    depends_on("mpi", when="+mpi")

    def _make_args(self):
        spec = self.spec
        args = [
            # config.mk sets CC = cc, which would hide Spack's compiler wrapper.
            "CC={0}".format(spack_cc),
            "PREFIX={0}".format(self.prefix),
        ]
        if spec.satisfies("+mpi"):
            mpi = spec["mpi"]
            # The test worker is an MPI program: the site's MPI, not pkg-config's.
            args += [
                "MPI_CFLAGS={0}".format(mpi.headers.include_flags),
                "MPI_LIBS={0}".format(mpi.libs.ld_flags),
            ]
        else:
            args.append("NO_WORKER=1")
        return args

    def build(self, spec, prefix):
        make(*self._make_args())

    def install(self, spec, prefix):
        make("install", *self._make_args())
