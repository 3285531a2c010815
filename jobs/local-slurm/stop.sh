#!/usr/bin/env bash
# Stops the SLURM that jobs/local-slurm/start.sh started in DIR: its jobs are cancelled, then its
# daemons stopped by their pid files, and munged too if start.sh started it (one that was already
# running stays). Usage: jobs/local-slurm/stop.sh DIR
set -uo pipefail
dir="${1:?usage: stop.sh DIR}"
export SLURM_CONF="$dir/slurm.conf"
if [ -f "$SLURM_CONF" ]; then
  squeue -h -o %A 2>/dev/null | xargs -r scancel --quiet 2>/dev/null
fi
for d in slurmd slurmctld; do
  pidfile="$dir/$d.pid"
  [ -f "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  kill "$pid" 2>/dev/null || continue
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
done
if [ -f "$dir/munged.started" ] && [ -f /run/munge/munged.pid ]; then
  kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
  rm -f "$dir/munged.started"
fi
exit 0
