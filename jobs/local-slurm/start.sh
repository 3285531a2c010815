#!/usr/bin/env bash
# Starts a single-node SLURM on this machine, for tests and demos: munged, slurmctld and slurmd,
# all state, spool, logs and pid files in DIR (default: a new folder under /tmp). Needs root and
# the Debian packages slurm-wlm and munge (scripts/install-deps.sh installs them).
#
#   eval "$(jobs/local-slurm/start.sh [DIR])"    # sets SLURM_CONF for sbatch/squeue/sinfo
#   sbatch jobs/sweep.sbatch configs/sweep_grid.toml
#   jobs/local-slurm/stop.sh "$(dirname "$SLURM_CONF")"
# HS_SLURMCTLD_PORT and HS_SLURMD_PORT pick other ports than 6817/6818 (the tests use their own).
#
# Prints `export SLURM_CONF=DIR/slurm.conf` on stdout once the node is idle (within about 3 s on
# an idle machine; it waits up to 60 s, which only a daemon that will not come up reaches),
# or exits 1 with the controller's and node daemon's log tails on stderr. The node gets every
# core and most of the memory of this machine; the one partition, "debug", is the default and
# lets jobs share cores (OverSubscribe=YES), as a workstation would.
set -euo pipefail

die() { echo "local-slurm: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (slurmd runs jobs as their users)"
for b in munged slurmctld slurmd sinfo; do
  command -v "$b" >/dev/null || die "$b not found: install slurm-wlm and munge (scripts/install-deps.sh)"
done

dir="${1:-$(mktemp -d /tmp/hs-slurm.XXXXXX)}"
mkdir -p "$dir/state" "$dir/spool"
dir="$(cd "$dir" && pwd)"
host="$(hostname -s)"
cpus="$(nproc)"
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))

# munge: one daemon per machine; start it unless one answers already.
if ! munge -n </dev/null >/dev/null 2>&1; then
  mkdir -p /run/munge && chown munge:munge /run/munge
  runuser -u munge -- /usr/sbin/munged || die "munged did not start"
  for _ in $(seq 600); do munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n </dev/null >/dev/null 2>&1 || die "munged does not answer"
  touch "$dir/munged.started"  # stop.sh stops it again
fi

cat > "$dir/slurm.conf" <<CONF
# A one-node SLURM written by jobs/local-slurm/start.sh (hypersweep's tests and demos).
ClusterName=hslocal
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=${HS_SLURMCTLD_PORT:-6817}
SlurmdPort=${HS_SLURMD_PORT:-6818}
# Quick turnarounds for tests: a finished job's record stays 5 minutes for sacct-less checks.
MinJobAge=300
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF

export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF" || die "slurmctld did not start: $(tail -5 "$dir/slurmctld.log" 2>/dev/null)"
slurmd -f "$SLURM_CONF" || die "slurmd did not start: $(tail -5 "$dir/slurmd.log" 2>/dev/null)"
for _ in $(seq 600); do
  state="$(sinfo -h -n "$host" -o %t 2>/dev/null || true)"
  case "$state" in idle|mix|alloc) echo "export SLURM_CONF=$SLURM_CONF"; exit 0 ;; esac
  sleep 0.1
done
echo "local-slurm: the node did not become idle in 60 s (state: ${state:-none})" >&2
tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
exit 1
