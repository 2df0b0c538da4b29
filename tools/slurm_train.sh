#!/usr/bin/env bash
# Training on a slurm cluster (tools/train.py reads the SLURM_* variables):
#   GPUS=16 tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py args]
# On CPU-only partitions set GPUS_PER_NODE=0 and TASKS_PER_NODE: gloo is used.
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
shift 3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
TASKS_PER_NODE=${TASKS_PER_NODE:-${GPUS_PER_NODE}}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-}
GRES=""
if [ "$GPUS_PER_NODE" -gt 0 ]; then GRES="--gres=gpu:$GPUS_PER_NODE"; fi
cd "$(dirname "$0")/.."
srun -p "$PARTITION" --job-name="$JOB_NAME" $GRES \
    --ntasks="$GPUS" --ntasks-per-node="$TASKS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" --kill-on-bad-exit=1 $SRUN_ARGS \
    "${PYTHON:-python}" -u tools/train.py "$CONFIG" --launcher slurm "$@"
