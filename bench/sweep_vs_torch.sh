#!/usr/bin/env bash
# Sweeps of small networks: runs per minute of `initlab compare` (--parallel 1 and 2) against
# the same grid trained by a PyTorch loop in one process (bench/peers/torch_sweep.py, best of
# 1 and 2 threads, native OpenBLAS kernels).
#
# Usage: bench/sweep_vs_torch.sh [DATA_DIR] [EPOCHS] [SEEDS]
#   defaults: ../shared/datasets/mnist-20k, 2 epochs, 3 seeds; 784-128-10 ReLU, Adam 0.001,
#   batch 100, 8 initializers x SEEDS seeds (24 runs by default).
# Whole wall time of each, data loading included (each side loads the data once per sweep).
# The last line is  ratio initlab/torch (time per run) = X.XX.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${1:-$ROOT/../shared/datasets/mnist-20k}"
EPOCHS="${2:-2}"
SEEDS="${3:-3}"
PY="${PYTHON:-/usr/bin/python3}"
INITS="zeros,normal:std=1,xavier-uniform,xavier-normal,he-uniform,he-normal,orthogonal,default"
INITLAB="$ROOT/src/InitLab.Cli/bin/Release/net10.0/initlab"
dotnet build "$ROOT/src/InitLab.Cli" -c Release -v q >/dev/null
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
runs=$(( 8 * SEEDS ))
echo "grid: 784-128-10 ReLU, Adam 0.001, batch 100, $EPOCHS epochs, 8 inits x $SEEDS seeds = $runs runs, $DATA"

best_torch=999999
for t in 1 2; do
    s=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t \
        "$PY" "$ROOT/bench/peers/torch_sweep.py" --data "$DATA" --threads "$t" --epochs "$EPOCHS" --seeds "$SEEDS" --inits "$INITS" \
        | "$PY" -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])["seconds"])')
    printf 'torch loop, %s thread(s): %.1f s, %.1f runs/min\n' "$t" "$s" "$(awk -v r=$runs -v s=$s 'BEGIN { print r * 60 / s }')"
    best_torch=$(awk -v a="$best_torch" -v b="$s" 'BEGIN { print (b < a) ? b : a }')
done

best_il=999999
for par in 1 2; do
    start=$(date +%s.%N)
    "$INITLAB" compare --data "$DATA" --layers 784,128,10 --epochs "$EPOCHS" --inits "$INITS" --seeds "$SEEDS" \
        --parallel "$par" --out "$TMP/sweep-$par" >/dev/null
    s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    printf 'initlab compare --parallel %s: %.1f s, %.1f runs/min\n' "$par" "$s" "$(awk -v r=$runs -v s=$s 'BEGIN { print r * 60 / s }')"
    best_il=$(awk -v a="$best_il" -v b="$s" 'BEGIN { print (b < a) ? b : a }')
done
awk -v i="$best_il" -v t="$best_torch" 'BEGIN { printf "ratio initlab/torch (time per run) = %.2f\n", i / t }'
