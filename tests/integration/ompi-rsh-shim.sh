#!/bin/bash
# tests/integration/ompi-rsh-shim.sh: an ssh stand-in for Open MPI's rsh
# launcher (mpirun --mca plm_rsh_agent THIS), so that a hostfile naming
# node1, node2, ... gives a real multi-node launch on this one machine.
#
# Called as ssh would be:  shim [ssh options] [user@]host command words...
# It drops the options, and runs the command (the orted line, which ssh
# would hand to the remote shell as one string) here, inside a new UTS
# namespace whose host name is HOST.  The orted then reports itself as HOST,
# its ranks see HOST in hostname, PMIX_HOSTNAME and MPI_Get_processor_name,
# and Open MPI's shared-memory segment names (which contain the host name)
# do not collide between the fake nodes.  Needs root (unshare --uts).
#
# The host names must not resolve to this machine's addresses: Open MPI
# would fold them into the local node and never call the agent.
set -eu

# The ssh options that take an argument are those of OpenSSH 9.
while [ $# -gt 0 ]; do
	case $1 in
	--) shift; break ;;
	# -p 22, -o Opt=val: a lone letter that takes an argument.
	-[bcDEeFIiJLlmOopQRSWw]) [ $# -ge 2 ] || break; shift 2 ;;
	# -x, -oOpt=val, -p22, -xT: one word.
	-?*) shift ;;
	*) break ;;
	esac
done

[ $# -ge 2 ] || { echo "usage: ${0##*/} [ssh options] host command..." >&2; exit 255; }
host=${1#*@}
shift
case $host in '' | *[!A-Za-z0-9.-]*)
	echo "ompi-rsh-shim: '$host': not a host name" >&2; exit 255 ;;
esac

# Like ssh: the words are joined with spaces and run by a shell.
# shellcheck disable=SC2016 # $0 and $1 belong to the inner shell
exec unshare --uts /bin/sh -c 'hostname "$0" && exec /bin/sh -c "$1"' "$host" "$*"
