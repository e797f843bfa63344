#!/usr/bin/env bash
# DBN pretraining against plain initializers, with the same fine-tuning budget.
#
# Usage: bench/dbn_compare.sh [DATA_DIR] [LAYERS] [SEEDS] [EPOCHS] [PRETRAIN_EPOCHS]
#   defaults: ../shared/datasets/mnist-20k  784,500,500,10  "1 2 3"  15  10
# Every run: sigmoid network, Adam lr 0.001, batch 100, EPOCHS epochs of fine-tuning;
# inits: dbn (CD-1, lr 0.1, PRETRAIN_EPOCHS epochs per layer, output layer xavier-uniform),
# xavier-uniform, and default (torch.nn.Linear's own). Prints each run's test accuracy and
# mean ± standard deviation per init.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${1:-$ROOT/../shared/datasets/mnist-20k}"
LAYERS="${2:-784,500,500,10}"
SEEDS="${3:-1 2 3}"
EPOCHS="${4:-15}"
PRE="${5:-10}"
INITLAB="$ROOT/src/InitLab.Cli/bin/Release/net10.0/initlab"
dotnet build "$ROOT/src/InitLab.Cli" -c Release -v q >/dev/null
echo "data $DATA, layers $LAYERS, sigmoid, Adam 0.001, batch 100, $EPOCHS epochs; seeds: $SEEDS"
TMP="$(mktemp)"
trap 'rm -f "$TMP"' EXIT
for init in "dbn:epochs=$PRE,lr=0.1,cd=1,top=xavier-uniform" xavier-uniform default; do
    for seed in $SEEDS; do
        start=$(date +%s.%N)
        acc=$("$INITLAB" train --data "$DATA" --layers "$LAYERS" --activation sigmoid --init "$init" \
            --optimizer adam --lr 0.001 --batch-size 100 --epochs "$EPOCHS" --seed "$seed" --quiet | sed -n 's/^Accuracy: //p')
        secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
        printf '%-40s seed %s  accuracy %s  (%.1f s)\n' "$init" "$seed" "$acc" "$secs"
        echo "${init%%:*} $acc" >> "$TMP"
    done
done
echo
awk '{ n[$1]++; s[$1]+=$2; q[$1]+=$2*$2 } END { for (k in n) { m=s[k]/n[k]; v=(n[k]>1)?(q[k]-n[k]*m*m)/(n[k]-1):0; if (v<0) v=0; printf "%-16s mean %.4f  sd %.4f  (n=%d)\n", k, m, sqrt(v), n[k] } }' "$TMP" | sort
