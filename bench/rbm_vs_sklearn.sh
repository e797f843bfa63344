#!/usr/bin/env bash
# InitLab's RBM side by side with scikit-learn's BernoulliRBM (Debian's python3-sklearn).
#
# Usage: bench/rbm_vs_sklearn.sh [MNIST_DIR] [FASHION_DIR] [SEEDS]
#   defaults: ../shared/datasets/mnist-20k  /usr/share/datasets/fashion-mnist  "0 1 2"
# 1. Quality, at scikit-learn's own settings (PCD, 256 hidden, lr 0.06, batch 100, 10 epochs)
#    on MNIST: mean held-out pseudo-likelihood over the seeds. Both evaluate score_samples'
#    estimate with the same flipped pixels (random_state = seed). InitLab runs twice: with
#    scikit-learn's algorithm (no momentum, no decay, zero visible biases) and with its own
#    defaults (momentum 0.5 then 0.9, weight decay 0.0002, visible biases from the data).
# 2. Speed: one CD-1 epoch of a 784-500 RBM over Fashion-MNIST's 60,000 images; scikit-learn's
#    best of 1 and 2 BLAS threads (native OpenBLAS kernels) against InitLab's best epoch.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MNIST="${1:-$ROOT/../shared/datasets/mnist-20k}"
FASHION="${2:-/usr/share/datasets/fashion-mnist}"
SEEDS="${3:-0 1 2}"
PY="${PYTHON:-/usr/bin/python3}"
PEER="$ROOT/bench/peers/sklearn_rbm.py"
INITLAB="$ROOT/src/InitLab.Cli/bin/Release/net10.0/initlab"
dotnet build "$ROOT/src/InitLab.Cli" -c Release -v q >/dev/null
native() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@"; }
json() { "$PY" -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }

echo "== quality: PCD, 256 hidden, lr 0.06, batch 100, 10 epochs, $MNIST =="
sk_sum=0; il_sum=0; def_sum=0; n=0
for seed in $SEEDS; do
    sk=$(native OPENBLAS_NUM_THREADS=2 "$PY" "$PEER" --data "$MNIST" --hidden 256 --lr 0.06 --batch-size 100 --epochs 10 --seed "$seed" | json heldout_pseudo_likelihood)
    common=(rbm --data "$MNIST" --pcd --hidden 256 --lr 0.06 --batch-size 100 --epochs 10 --seed "$seed" --pl-seed "$seed")
    il=$("$INITLAB" "${common[@]}" --momentum 0 --weight-decay 0 --visible-bias zeros | sed -n 's/^Held-out pseudo-likelihood.*: //p')
    def=$("$INITLAB" "${common[@]}" | sed -n 's/^Held-out pseudo-likelihood.*: //p')
    printf 'seed %s: scikit-learn %.3f   InitLab (same algorithm) %.3f   InitLab (defaults) %.3f\n' "$seed" "$sk" "$il" "$def"
    sk_sum=$(awk -v a="$sk_sum" -v b="$sk" 'BEGIN { print a + b }'); il_sum=$(awk -v a="$il_sum" -v b="$il" 'BEGIN { print a + b }')
    def_sum=$(awk -v a="$def_sum" -v b="$def" 'BEGIN { print a + b }'); n=$((n + 1))
done
awk -v s="$sk_sum" -v i="$il_sum" -v d="$def_sum" -v n="$n" 'BEGIN { printf "mean held-out pseudo-likelihood (higher is better): scikit-learn %.3f, InitLab same algorithm %.3f, InitLab defaults %.3f\n", s / n, i / n, d / n }'

echo
echo "== speed: one CD-1 epoch, 784-500, batch 100, $FASHION =="
best_sk=999999
for t in 1 2; do
    s=$(native OPENBLAS_NUM_THREADS=$t "$PY" "$PEER" --data "$FASHION" --hidden 500 --lr 0.1 --batch-size 100 --epochs 1 | json epoch_seconds)
    printf 'scikit-learn, %s BLAS thread(s): %.3f s/epoch\n' "$t" "$s"
    best_sk=$(awk -v a="$best_sk" -v b="$s" 'BEGIN { print (b < a) ? b : a }')
done
TMP="$(mktemp)"; trap 'rm -f "$TMP"' EXIT
best_il=999999
for t in 1 2; do
    "$INITLAB" rbm --data "$FASHION" --hidden 500 --lr 0.1 --batch-size 100 --epochs 3 --threads "$t" --metrics "$TMP" >/dev/null
    s=$(awk -F, 'NR > 1 { if (m == "" || $2 < m) m = $2 } END { print m }' "$TMP")
    printf 'InitLab, %s thread(s): %.3f s/epoch (best of 3)\n' "$t" "$s"
    best_il=$(awk -v a="$best_il" -v b="$s" 'BEGIN { print (b < a) ? b : a }')
done
awk -v i="$best_il" -v s="$best_sk" 'BEGIN { printf "ratio InitLab/scikit-learn = %.2f (target <= 0.50)\n", i / s }'
