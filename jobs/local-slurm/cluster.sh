#!/usr/bin/env bash
# A three-node SLURM on this one machine, for the multi-node tests (tests/jobs/multinode_test.sh)
# and for trying jobs/sweep-multinode.sbatch: slurmctld on this host and three slurmd, node1 to
# node3, each in a network namespace of its own (its own address on a bridge, reached by a veth
# pair) and a UTS namespace of its own (its own host name, which hypersweep records in the
# results' host column). So MPI between the nodes goes over TCP as between real machines, while
# the file system is shared, as on a cluster. Needs root, iproute2, util-linux (nsenter,
# unshare) and the Debian packages slurm-wlm and munge (scripts/install-deps.sh installs them).
#
#   eval "$(jobs/local-slurm/cluster.sh start DIR)"   # prints export SLURM_CONF=DIR/slurm.conf
#   sbatch -N 3 --ntasks-per-node=1 --cpus-per-task=1 jobs/sweep-multinode.sbatch sweep.toml
#   jobs/local-slurm/cluster.sh fail DIR node3     # the node dies: link down, every process killed
#   jobs/local-slurm/cluster.sh revive DIR node3   # it reboots: link up, slurmd again
#   jobs/local-slurm/cluster.sh stop DIR           # jobs, daemons, namespaces, bridge: all gone
#
# Everything it makes is its own, so a SLURM or munged already on this machine (such as
# jobs/local-slurm/start.sh's) is left alone and may run beside it: a munged with its own key and
# socket in DIR (slurm.conf's AuthInfo points SLURM at it), ports 16827/16828, the bridge hsmn0
# with 10.213.13.1/24, the namespaces hsmn-node1 to hsmn-node3 (10.213.13.11 to .13). Only one
# such cluster at a time on a machine (the names and addresses are fixed): start first stops
# any that an interrupted run left behind. All state, spool, logs and pid files are in DIR.
# Each node has a /tmp of its own (DIR/tmp/NODE). Folders the nodes share that lie under the
# host's /tmp (DIR, the repository $HYPERSWEEP_HOME, the binary $HYPERSWEEP_BIN, the folder this
# runs in, and any in $CLUSTER_SHARED) are bound into each node's /tmp at the same paths, so the
# file system stays shared wherever the repository was cloned.
set -euo pipefail

die() { echo "cluster: $*" >&2; exit 1; }
usage="usage: cluster.sh start|stop DIR, or cluster.sh fail|revive DIR NODE"
action="${1:?$usage}"
dir="${2:?$usage}"
bridge=hsmn0 net=10.213.13 nodes=(node1 node2 node3)
ns() { echo "hsmn-$1"; }          # node -> its network namespace
veth() { echo "hsmn-v${1#node}"; }  # node -> the host end of its veth pair
addr() { echo "$net.1${1#node}"; }  # node -> its address

# Every process in node $1's network namespace gets SIGKILL (the node's slurmd, slurmstepd and
# job ranks alike): what a power cut does to them. Waits until none is left.
kill_node() {
  local n; n="$(ns "$1")"
  ip netns list | grep -qw "$n" || return 0
  for _ in $(seq 100); do
    local pids; pids="$(ip netns pids "$n" 2>/dev/null || true)"
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    kill -9 $pids 2>/dev/null || true
    sleep 0.1
  done
  echo "cluster: processes left in $n: $(ip netns pids "$n" | tr '\n' ' ')" >&2
}

# "$@" with no file descriptor but stdin, stdout and stderr: a daemon must not keep one it was
# handed, such as the lock of `flock LOCK cluster.sh start` (it would hold it while it lives).
detached() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd="${fd##*/}"
      [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    exec "$@"
  )
}

# slurmd for node $1 inside its namespaces; it daemonizes. The UTS namespace gives it (and every
# job process it starts) the node's host name, by which slurmd also finds its NodeName; a mount
# namespace gives the node a /tmp of its own (DIR/tmp/NODE), as real nodes have: SLURM's PMIx
# plugin makes /tmp/spmix_appdir_UID_JOB.STEP on each node of a step, which one shared /tmp
# refuses to the second node ("File exists"). nsenter, not `ip netns exec`: that one remounts
# /sys, without the cgroup mounts slurmd looks for.
# The host's /tmp stays in view at $host_tmp inside the node, whose own /tmp then gets each
# shared folder of $shared_tops bound back at its place (the mounts stay in the node's mount
# namespace: unshare makes them private).
host_tmp=/run/hsmn-host-tmp
start_slurmd() {
  mkdir -p "$dir/spool/$1" "$dir/tmp/$1"
  chmod 1777 "$dir/tmp/$1"
  detached nsenter --net="/run/netns/$(ns "$1")" unshare --uts --mount sh -c \
    'hostname "$1" && mkdir -p "$4" && mount --bind /tmp "$4" && mount --bind "$2" /tmp &&
     for top in $5; do mkdir -p "/tmp/$top" && mount --bind "$4/$top" "/tmp/$top" || exit 1; done &&
     exec slurmd -f "$3"' sh "$1" "$dir/tmp/$1" "$dir/slurm.conf" "$host_tmp" "$shared_tops" ||
    die "slurmd on $1 did not start: $(tail -5 "$dir/slurmd-$1.log" 2>/dev/null)"
}

# Waits until sinfo reports each of "$@" idle (60 s hang guard: only a daemon that will not
# come up reaches it).
wait_idle() {
  local state=""
  for _ in $(seq 600); do
    state="$(sinfo -h -N -n "$(IFS=,; echo "$*")" -o '%N %t' 2>/dev/null | sort -u || true)"
    [ "$(grep -c ' idle$' <<<"$state")" -eq "$#" ] && return 0
    sleep 0.1
  done
  echo "cluster: nodes not idle in 60 s: ${state:-no answer}" >&2
  tail -5 "$dir/slurmctld.log" "$dir"/slurmd-*.log >&2 || true
  exit 1
}

stop() {
  export SLURM_CONF="$dir/slurm.conf"
  if [ -f "$SLURM_CONF" ] && [ -f "$dir/slurmctld.pid" ]; then
    timeout 10 squeue -h -o %A 2>/dev/null | xargs -r timeout 10 scancel --quiet 2>/dev/null || true
  fi
  for node in "${nodes[@]}"; do kill_node "$node"; done
  if [ -f "$dir/slurmctld.pid" ]; then
    local pid; pid="$(cat "$dir/slurmctld.pid")"
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/slurmctld.pid"
  fi
  [ -S "$dir/munge/munge.socket" ] && { munged --stop --socket="$dir/munge/munge.socket" >/dev/null 2>&1 || true; }
  for node in "${nodes[@]}"; do
    ip netns del "$(ns "$node")" 2>/dev/null || true
    ip link del "$(veth "$node")" 2>/dev/null || true
  done
  ip link del "$bridge" 2>/dev/null || true
  return 0
}

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces; slurmd runs jobs as their users)"
for b in ip nsenter unshare munged mungekey slurmctld slurmd sinfo; do
  command -v "$b" >/dev/null || die "$b not found: install iproute2, util-linux, slurm-wlm and munge (scripts/install-deps.sh)"
done
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
# The first folder under /tmp of each shared path that lies there (see the top).
shared_tops=""
for p in "$dir" "${HYPERSWEEP_HOME:-}" "${HYPERSWEEP_BIN:-}" "$PWD" ${CLUSTER_SHARED:-}; do
  case "$p" in
    /tmp/?*) top="${p#/tmp/}"; top="${top%%/*}"
             case " $shared_tops " in *" $top "*) ;; *) shared_tops="$shared_tops $top" ;; esac ;;
  esac
done
export SLURM_CONF="$dir/slurm.conf"

case "$action" in fail|revive)
  case "${3:-}" in node1|node2|node3) ;; *) die "$usage (NODE: node1, node2 or node3)" ;; esac
esac
case "$action" in
  stop) stop; exit 0 ;;
  fail)
    node="${3:?$usage}"
    ip link set "$(veth "$node")" down   # first, so that no peer hears of the deaths below
    kill_node "$node"
    exit 0 ;;
  revive)
    # A reboot from a clean image: the node's /tmp and slurmd spool start empty. What the killed
    # steps left there would otherwise stop the requeued job's steps from starting on it: with
    # the same job and step ids, SLURM 22.05's PMIx plugin finds its old socket in the spool
    # ("Cannot bind() UNIX socket .../stepd.slurm.pmix.JOB.STEP: Address already in use") and
    # its old /tmp/spmix_appdir_UID_JOB.STEP ("File exists"), and the step fails.
    node="${3:?$usage}"
    rm -rf "${dir:?}/tmp/$node" "${dir:?}/spool/$node"
    ip link set "$(veth "$node")" up
    start_slurmd "$node"
    wait_idle "$node"
    exit 0 ;;
  start) ;;
  *) die "$usage" ;;
esac

# start: a cluster left by an interrupted run goes first (this one's names are fixed).
stop
ip link show "$bridge" >/dev/null 2>&1 && die "a link named $bridge exists and is not this cluster's"
mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chmod 755 "$dir/munge"   # munged wants its socket's folder searchable by all, not writable

# munge: a daemon of its own, with a key of its own.
[ -f "$dir/munge/munge.key" ] || mungekey -c -k "$dir/munge/munge.key"
detached munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --log-file="$dir/munge/munged.log" --pid-file="$dir/munge/munged.pid" \
  --seed-file="$dir/munge/munged.seed" || die "munged did not start: $(tail -3 "$dir/munge/munged.log")"

# The network: a bridge with this host's address, each node's namespace on it by a veth pair.
ip link add "$bridge" type bridge
ip addr add "$net.1/24" dev "$bridge"
ip link set "$bridge" up
for node in "${nodes[@]}"; do
  ip netns add "$(ns "$node")"
  ip link add "$(veth "$node")" type veth peer name eth0 netns "$(ns "$node")"
  ip link set "$(veth "$node")" master "$bridge"
  ip link set "$(veth "$node")" up
  ip -n "$(ns "$node")" addr add "$(addr "$node")/24" dev eth0
  ip -n "$(ns "$node")" link set eth0 up
  ip -n "$(ns "$node")" link set lo up
done

host="$(hostname -s)"
cpus="$(nproc)"
{
  echo "# A three-node SLURM written by jobs/local-slurm/cluster.sh (hypersweep's multi-node tests)."
  echo "ClusterName=hsmulti"
  echo "SlurmctldHost=$host($net.1)"
  cat <<CONF
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
# A node that comes back (cluster.sh revive) is used again without scontrol.
ReturnToService=2
# A node silent for 15 s is DOWN, and its jobs fail or requeue: quick enough for a test, long
# enough that a loaded machine's slow answer is not taken for a dead node.
SlurmdTimeout=15
KillWait=5
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd-%n.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd-%n.log
SlurmctldPort=16827
SlurmdPort=16828
MinJobAge=300
CONF
  for node in "${nodes[@]}"; do
    echo "NodeName=$node NodeAddr=$(addr "$node") CPUs=$cpus RealMemory=1000 State=UNKNOWN"
  done
  echo "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES"
} > "$SLURM_CONF"

detached slurmctld -f "$SLURM_CONF" || die "slurmctld did not start: $(tail -5 "$dir/slurmctld.log" 2>/dev/null)"
for node in "${nodes[@]}"; do start_slurmd "$node"; done
wait_idle "${nodes[@]}"
echo "export SLURM_CONF=$SLURM_CONF"
