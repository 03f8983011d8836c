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
TEST_PKGS = criterion
# The test worker is built against this MPI.  To use a site's MPI, set
# MPI_PKG to its pkg-config name, or set MPI_CFLAGS/MPI_LIBS directly
# (e.g. MPI_CFLAGS="$(mpicc --showme:compile)").
MPI_PKG = ompi-c

# compiler
CC = cc
CFLAGS = -O2 -g
LDFLAGS =
