#!/usr/bin/env bash
# A real scheduler, tested: starts munge and a one-node Slurm (slurmctld + slurmd on localhost,
# configuration in a temporary folder), submits phase-array.sbatch as a job array, waits, merges
# the shards with `initlab report`, runs the same grid unsharded (the same file, task 0 of 1),
# and checks that both give the same results (accuracy tables and per-epoch metrics; timings and
# thread counts differ by design). Needs root and Debian's slurm-wlm and munge
# (apt-get install slurm-wlm munge). Usage: bench/slurm/run.sh [MNIST-FOLDER]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
data=$(cd "${1:-$repo/../shared/datasets/mnist-20k}" && pwd)
work=$(mktemp -d /tmp/initlab-slurm.XXXXXX)
port=${SLURM_TEST_PORT:-6917}
echo "work folder: $work"

# The initlab tool, as the job sees it on PATH.
dll=${INITLAB_DLL:-$repo/src/InitLab.Cli/bin/Release/net10.0/initlab.dll}
[ -f "$dll" ] || (cd "$repo" && dotnet build src/InitLab.Cli -c Release -v q -nologo)
mkdir -p "$work/bin"
printf '#!/bin/sh\nexec dotnet "%s" "$@"\n' "$dll" > "$work/bin/initlab"
chmod +x "$work/bin/initlab"
export PATH="$work/bin:$PATH"

started_munge=0
cleanup() {
  set +e
  [ -n "${SLURM_CONF:-}" ] && scancel --quiet --name=initlab-phase 2>/dev/null
  for d in slurmd slurmctld; do
    [ -f "$work/$d.pid" ] && kill "$(cat "$work/$d.pid")" 2>/dev/null
  done
  if [ "$started_munge" = 1 ] && [ -f /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)"; fi
}
trap cleanup EXIT

# munge: reuse a running one, else start it as the munge user.
if ! munge -n </dev/null >/dev/null 2>&1; then
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged
  started_munge=1
  for _ in $(seq 50); do munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.2; done
fi
munge -n </dev/null | unmunge >/dev/null

# One node, one partition; no cgroups (proctrack/linuxproc, task/none), no accounting.
cpus=$(nproc)
mkdir -p "$work/state" "$work/spool"
cat > "$work/slurm.conf" <<CONF
ClusterName=initlab
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
/usr/sbin/slurmctld -f "$SLURM_CONF"
/usr/sbin/slurmd -f "$SLURM_CONF" -N localhost
for _ in $(seq 60); do
  state=$(sinfo -h -n localhost -o %t 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 1
done
[ "$state" = idle ] || { echo "node not idle (state '$state'); see $work/*.log" >&2; exit 1; }
sinfo

# The job array, as a user would submit it; --wait returns when every task has ended.
cd "$work"
DATA="$data" OUT="$work/sharded" sbatch --wait "$here/phase-array.sbatch"
cat "$work"/phase-*.log
initlab report "$work/sharded" --out "$work/sharded-report"

# The same file, unsharded: task 0 of 1, all cores.
DATA="$data" OUT="$work/unsharded" SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_COUNT=1 SLURM_CPUS_PER_TASK=$cpus \
  bash "$here/phase-array.sbatch"
initlab report "$work/unsharded" --out "$work/unsharded-report"

# Equal up to timings: the report without its time and machine sections, and every run's
# per-epoch cost and accuracy.
strip() { sed -e '/^## Time per run/,$d' "$1"; }
diff <(strip "$work/sharded-report/report.md") <(strip "$work/unsharded-report/report.md")
runs_s=$(cd "$work/sharded" && ls -d */ | sort); runs_u=$(cd "$work/unsharded" && ls -d */ | sort)
[ "$runs_s" = "$runs_u" ] || { echo "different run folders" >&2; exit 1; }
for r in $runs_s; do
  diff <(cut -d, -f1-3 "$work/sharded/$r/metrics.csv") <(cut -d, -f1-3 "$work/unsharded/$r/metrics.csv")
done
echo "$(echo "$runs_s" | wc -l) runs; the sharded Slurm array's report equals the unsharded one (ran $(date -u +%Y-%m-%d))"
sed -n '/^## Final test accuracy/,/^## [^F]/p' "$work/sharded-report/report.md" | sed '$d'
