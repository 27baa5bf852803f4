#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the integration test of `gradflow submit slurm`
# and for trying the generated scripts by hand. Runs as root; Debian packages slurm-wlm and munge.
#
#   scripts/slurm-local.sh start    start munged, slurmctld and slurmd; print the SLURM_CONF path
#   scripts/slurm-local.sh stop     cancel its jobs, then stop the three daemons by their pids
#   scripts/slurm-local.sh status   say whether it runs, and print SLURM_CONF
#
# Everything lives under $GRADFLOW_SLURM_DIR (default /tmp/gradflow-slurm): the munge key and
# socket, slurm.conf, the controller's state, slurmd's spool, logs and the pid of each daemon.
# Nothing under /etc is read or changed: clients find the cluster through SLURM_CONF, e.g.
#
#   export SLURM_CONF="$(scripts/slurm-local.sh start)"
#   sinfo; gradflow submit slurm experiments/configs/deep-sigmoid.json --shards 2
#
# The node is this machine with its real CPU count and memory (`slurmd -C`). Process tracking is
# proctrack/linuxproc and task/none (no cgroups needed, so it runs in a container); accounting
# is off, so `sacct` has nothing to show here and `scontrol show job` tells the final state of a
# job for MinJobAge seconds after it ends. Ports: $GRADFLOW_SLURM_PORT (slurmctld, default 6817)
# and the next one (slurmd).
set -euo pipefail

DIR="${GRADFLOW_SLURM_DIR:-/tmp/gradflow-slurm}"
PORT="${GRADFLOW_SLURM_PORT:-6817}"
CONF="$DIR/slurm.conf"
# Seconds to wait for the node to come up, and for jobs and daemons to go away.
WAIT_S=30

say() { echo "slurm-local: $*" >&2; }

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

pid_of() { [ -f "$DIR/run/$1.pid" ] && cat "$DIR/run/$1.pid" || true; }

running() {
  local d
  for d in munged slurmctld slurmd; do alive "$(pid_of "$d")" || return 1; done
}

# Starts "$@" in the background with its output in log/<name>.out and records its pid.
spawn() {
  local name="$1"
  shift
  nohup "$@" >"$DIR/log/$name.out" 2>&1 </dev/null &
  echo $! >"$DIR/run/$name.pid"
}

start() {
  if running; then
    say "already running (munged $(pid_of munged), slurmctld $(pid_of slurmctld), slurmd $(pid_of slurmd))"
    echo "$CONF"
    return 0
  fi
  for bin in munged mungekey slurmctld slurmd scontrol sinfo; do
    command -v "$bin" >/dev/null || { say "$bin not found: apt-get install -y slurm-wlm munge"; exit 1; }
  done
  # Leftovers of a cluster that half started or was killed: stop what still runs, start clean.
  stop_daemons quiet
  rm -rf "$DIR"
  mkdir -p "$DIR"/{munge,state,spool,log,run}
  chmod 700 "$DIR/munge"

  mungekey --create --keyfile="$DIR/munge/munge.key"
  chmod 600 "$DIR/munge/munge.key"
  # --force: the folder sits under /tmp, whose sticky, world-writable parent munged would refuse.
  spawn munged munged --foreground --force \
    --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.socket" \
    --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munged.seed"

  local node hw
  node="$(hostname -s)"
  # "NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105"
  hw="$(slurmd -C | head -1 | sed 's/^NodeName=[^ ]* //')"
  cat >"$CONF" <<EOF
# Written by scripts/slurm-local.sh: a single-node cluster for tests.
ClusterName=gradflow
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.daemon.pid
SlurmdPidFile=$DIR/run/slurmd.daemon.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$CONF"
  # -D: in the foreground, so the recorded pid is the daemon's; -i: ignore any saved state.
  spawn slurmctld slurmctld -D -i -f "$CONF"
  spawn slurmd slurmd -D -N "$node" -f "$CONF"

  local t=0
  until sinfo -h -n "$node" -o '%T' 2>/dev/null | grep -qx 'idle'; do
    for d in munged slurmctld slurmd; do
      alive "$(pid_of "$d")" || { say "$d exited; its output:"; tail -n 20 "$DIR/log/$d.out" >&2 || true; stop_daemons quiet; exit 1; }
    done
    t=$((t + 1))
    if [ "$t" -gt $((WAIT_S * 4)) ]; then
      say "node $node not idle after ${WAIT_S}s: $(sinfo -h -o '%T' 2>&1 || true)"
      stop_daemons quiet
      exit 1
    fi
    sleep 0.25
  done
  say "up: node $node ($hw), munged $(pid_of munged), slurmctld $(pid_of slurmctld), slurmd $(pid_of slurmd)"
  echo "$CONF"
}

# Sends TERM to each recorded daemon, waits for it, KILLs what is left; forgets the pids.
stop_daemons() {
  local d pid t
  for d in slurmd slurmctld munged; do
    pid="$(pid_of "$d")"
    if alive "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      t=0
      while alive "$pid" && [ "$t" -lt $((WAIT_S * 4)) ]; do sleep 0.25; t=$((t + 1)); done
      if alive "$pid"; then
        kill -KILL "$pid" 2>/dev/null || true
      fi
      [ "${1:-}" = quiet ] || say "stopped $d ($pid)"
    fi
    rm -f "$DIR/run/$d.pid"
  done
}

stop() {
  if [ -f "$CONF" ] && alive "$(pid_of slurmctld)"; then
    export SLURM_CONF="$CONF"
    # Jobs first, through Slurm itself, so that no task outlives the cluster.
    scancel --full --quiet --user=root 2>/dev/null || true
    local t=0
    while [ -n "$(squeue -h -o '%i' 2>/dev/null)" ] && [ "$t" -lt $((WAIT_S * 4)) ]; do sleep 0.25; t=$((t + 1)); done
  fi
  stop_daemons
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status)
    if running; then say "running"; echo "$CONF"; else say "not running"; exit 1; fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
