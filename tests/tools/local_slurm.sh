#!/usr/bin/env bash
# A private one-node Slurm cluster on this machine, for the tests of `xp sweep --slurm`: munged on
# a socket of its own, slurmctld and slurmd configured by DIR/slurm.conf (state, spool, logs in DIR),
# on the ports given; the machine's own Slurm and munge, if any, are not touched. Needs root and
# Debian's slurm-wlm and munge (scripts/install-deps.sh installs them as test tools).
#
#   local_slurm.sh start DIR CONTROLLER_PORT NODE_PORT   # prints DIR/slurm.conf once the node is idle
#   local_slurm.sh stop DIR                              # cancels its jobs, stops the daemons
#
# Clients find the cluster through SLURM_CONF=DIR/slurm.conf.
set -euo pipefail

command=${1:?usage: local_slurm.sh start DIR CONTROLLER_PORT NODE_PORT | stop DIR}
dir=$(realpath -m "${2:?the cluster folder}")

stop_daemon() {  # pid file
  [ -f "$1" ] || return 0
  local pid
  pid=$(cat "$1")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

if [ "$command" = stop ]; then
  export SLURM_CONF=$dir/slurm.conf
  if [ -f "$dir/slurmctld.pid" ]; then
    scancel --full --quiet --user="$(id -un)" 2>/dev/null || true
    for _ in $(seq 100); do
      [ -z "$(squeue --noheader 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  stop_daemon "$dir/slurmd.pid"
  stop_daemon "$dir/slurmctld.pid"
  stop_daemon "$dir/munged.pid"
  exit 0
fi

[ "$command" = start ] || { echo "local_slurm.sh: unknown command '$command'" >&2; exit 2; }
controller_port=${3:?the controller port}
node_port=${4:?the node port}
mkdir -p "$dir/state" "$dir/spool"
host=$(hostname -s)

mungekey --create --keyfile="$dir/munge.key" --force
chmod 600 "$dir/munge.key"
munged --key-file="$dir/munge.key" --socket="$dir/munge.socket" --pid-file="$dir/munged.pid" \
  --log-file="$dir/munged.log" --seed-file="$dir/munge.seed" --force

cat >"$dir/slurm.conf" <<EOF
ClusterName=xptest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=$(id -un)
SlurmctldPort=$controller_port
SlurmdPort=$node_port
AuthType=auth/munge
AuthInfo=socket=$dir/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
KillWait=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$dir/slurm.conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do
  if [ "$(sinfo --noheader --format=%T 2>/dev/null)" = idle ]; then
    echo "$SLURM_CONF"
    exit 0
  fi
  sleep 0.2
done
echo "local_slurm.sh: the node did not come up within 20 s; see $dir/slurmctld.log and $dir/slurmd.log" >&2
tail -n 5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
exit 1
