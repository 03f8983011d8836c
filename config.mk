# ezpz version
VERSION = 0.1.0

# paths
PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
LIBEXECDIR = $(PREFIX)/libexec
DATADIR = $(PREFIX)/share
MANPREFIX = $(PREFIX)/share/man
BASHCOMPDIR = $(DATADIR)/bash-completion/completions
ZSHCOMPDIR = $(DATADIR)/zsh/site-functions
FISHCOMPDIR = $(DATADIR)/fish/vendor_completions.d

# libraries
PKG_CONFIG = pkg-config
PKGS = hwloc pmix yaml-0.1 libcjson
# Opened with dlopen when first needed, not linked: libpmix (and libevent,
# munge, udev behind it) would add ~0.4 ms and 0.7 MiB to every command,
# and only rankenv --pmix and doctor in a launch use it.
DLOPEN_PKGS = pmix
TEST_PKGS = criterion
# The test worker is built against this MPI.  To use a site's MPI, set
# MPI_PKG to its pkg-config name, or set MPI_CFLAGS/MPI_LIBS directly
# (e.g. MPI_CFLAGS="$(mpicc --showme:compile)").
MPI_PKG = ompi-c

# compiler
CC = cc
CFLAGS = -O2 -g
LDFLAGS =
