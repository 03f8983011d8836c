# Copyright ezpz contributors.  SPDX-License-Identifier: MIT
#
# contrib/spack/package.py: a Spack recipe for ezpz, built against the
# site's MPI (for the test worker), hwloc, PMIx, libyaml and cJSON.
#
#   spack repo create myrepo && mkdir -p myrepo/packages/ezpz
#   cp contrib/spack/package.py myrepo/packages/ezpz/ && spack repo add myrepo
#   spack install ezpz ^cray-mpich        # or ^openmpi, ^mpich, ...

from spack.package import *


class Ezpz(MakefilePackage):
    """Launch and set up distributed jobs the same way on a laptop, in a PBS
    job and in a Slurm job: one C binary that detects the scheduler, hosts,
    GPUs and launcher (PALS, Hydra, Open MPI, srun), binds ranks, and sets
    up modules and the Python environment."""

    homepage = "https://github.com/saforem2/ezpz"
    git = "https://github.com/saforem2/ezpz.git"

    maintainers("saforem2")
    license("MIT")

    version("main", branch="main")

    depends_on("c", type="build")
    depends_on("gmake", type="build")
    depends_on("pkgconfig", type="build")
    depends_on("hwloc")
    depends_on("pmix")
    depends_on("libyaml")
    depends_on("cjson")
    depends_on("mpi")

    def _make_args(self):
        spec = self.spec
        mpi = spec["mpi"]
        return [
            # config.mk sets CC = cc, which would hide Spack's compiler wrapper.
            "CC={0}".format(spack_cc),
            "PREFIX={0}".format(self.prefix),
            # The test worker is an MPI program: the site's MPI, not pkg-config's.
            "MPI_CFLAGS={0}".format(mpi.headers.include_flags),
            "MPI_LIBS={0}".format(mpi.libs.ld_flags),
        ]

    def build(self, spec, prefix):
        make(*self._make_args())

    def install(self, spec, prefix):
        make("install", *self._make_args())
