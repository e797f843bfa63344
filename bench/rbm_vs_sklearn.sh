#!/usr/bin/env bash
# InitLab's RBM side by side with scikit-learn's BernoulliRBM (Debian's python3-sklearn).
#
# Usage: bench/rbm_vs_sklearn.sh [MNIST_DIR] [FASHION_DIR] [SEEDS]
#   defaults: ../shared/datasets/mnist-20k  /usr/share/datasets/fashion-mnist  "0 1 2 3 4 5 6 7 8 9"
# 1. Quality, at scikit-learn's own settings (PCD, 256 hidden, lr 0.06, batch 100, 10 epochs)
#    on MNIST: mean held-out pseudo-likelihood over the seeds (default 0-9). Both evaluate
#    score_samples' estimate with the same flipped pixels (random_state = seed), so each seed's
#    difference is paired. InitLab runs scikit-learn's algorithm (no momentum, no decay, zero
#    visible biases) twice: as is, and with Polyak averaging over the last epoch (--average 1:
#    the model is the mean of the last epoch's 100 iterates; the updates are unchanged).
# 2. Speed: one CD-1 epoch of a 784-500 RBM over Fashion-MNIST's 60,000 images; scikit-learn's
#    best of 1 and 2 BLAS threads with float32 data (native OpenBLAS kernels; float64 shown
#    beside it) against InitLab's best epoch, taking turns ROUNDS times (environment, default 2).
#    Then the floors: InitLab's GEMMs of an epoch alone (bench/InitLab.Bench epoch-gemms) and
#    scikit-learn's five products of a step alone (bench/peers/sklearn_rbm_gemms.py), and the
#    ratio an epoch of nothing but InitLab's GEMMs would reach. The ratio is printed last.
#    Set SEEDS="" (third argument "") to skip part 1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MNIST="${1:-$ROOT/../shared/datasets/mnist-20k}"
FASHION="${2:-/usr/share/datasets/fashion-mnist}"
SEEDS="${3-0 1 2 3 4 5 6 7 8 9}"
PY="${PYTHON:-/usr/bin/python3}"
PEER="$ROOT/bench/peers/sklearn_rbm.py"
INITLAB="$ROOT/src/InitLab.Cli/bin/Release/net10.0/initlab"
dotnet build "$ROOT/src/InitLab.Cli" -c Release -v q >/dev/null
native() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@"; }
json() { "$PY" -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }

RES=""
if [[ -n "$SEEDS" ]]; then
echo "== quality: PCD, 256 hidden, lr 0.06, batch 100, 10 epochs, $MNIST =="
RES="$(mktemp)"; trap 'rm -f "$RES"' EXIT
for seed in $SEEDS; do
    sk=$(native OPENBLAS_NUM_THREADS=2 "$PY" "$PEER" --data "$MNIST" --hidden 256 --lr 0.06 --batch-size 100 --epochs 10 --seed "$seed" | json heldout_pseudo_likelihood)
    same=(rbm --data "$MNIST" --pcd --hidden 256 --lr 0.06 --batch-size 100 --epochs 10 --seed "$seed" --pl-seed "$seed" --momentum 0 --weight-decay 0 --visible-bias zeros)
    il=$("$INITLAB" "${same[@]}" | sed -n 's/^Held-out PL: \([-0-9.]*\).*/\1/p')
    avg=$("$INITLAB" "${same[@]}" --average 1 | sed -n 's/^Held-out PL: \([-0-9.]*\).*/\1/p')
    printf 'seed %s: scikit-learn %.3f   InitLab (same algorithm) %.3f   InitLab (same algorithm, --average 1) %.3f\n' "$seed" "$sk" "$il" "$avg"
    echo "$sk $il $avg" >> "$RES"
done
awk '{ s += $1; i += $2; a += $3; d = $3 - $1; sd += d; sdd += d * d; n++ }
     END { m = sd / n; se = (n > 1) ? sqrt((sdd / n - m * m) / (n - 1)) : 0
           printf "mean held-out pseudo-likelihood over %d seeds (higher is better): scikit-learn %.3f, InitLab same algorithm %.3f, InitLab --average 1 %.3f\n", n, s / n, i / n, a / n
           printf "InitLab --average 1 minus scikit-learn, paired by seed: %+.3f +- %.3f (standard error)\n", m, se }' "$RES"
rm -f "$RES"

fi
echo
echo "== speed: one CD-1 epoch, 784-500, batch 100, $FASHION =="
echo "machine: nproc=$(nproc) cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^[[:space:]]*//' || true), family $(grep -m1 '^cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ' || true) model $(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | cut -d: -f2 | tr -d ' ' || true)"
# scikit-learn at its best: float32 data (it then computes in float32) and OpenBLAS's native
# kernels, best of 1 and 2 BLAS threads; float64 (its default) is shown beside it, labelled.
# The machine's speed drifts by 20-40% over minutes (a shared host), so the two take turns
# ROUNDS times (default 2) and each one's best epoch is its best over all rounds.
ROUNDS="${ROUNDS:-2}"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "error: ROUNDS must be a positive integer, got '$ROUNDS'" >&2; exit 2; }
sk() { native OPENBLAS_NUM_THREADS=$2 "$PY" "$PEER" --data "$FASHION" --hidden 500 --lr 0.1 --batch-size 100 --epochs 1 $1 | json epoch_seconds; }
TMP="$(mktemp)"; trap 'rm -f "$TMP" "$RES"' EXIT
best_sk=999999; best_il=999999; best_t=2
for r in $(seq "$ROUNDS"); do
    for t in 1 2; do
        s=$(sk --float32 "$t")
        printf 'round %s: scikit-learn float32, %s BLAS thread(s): %.3f s/epoch\n' "$r" "$t" "$s"
        best_sk=$(awk -v a="$best_sk" -v b="$s" 'BEGIN { print (b < a) ? b : a }')
    done
    for t in 1 2; do
        "$INITLAB" rbm --data "$FASHION" --hidden 500 --lr 0.1 --batch-size 100 --epochs 3 --threads "$t" --metrics "$TMP" >/dev/null
        s=$(awk -F, 'NR > 1 { if (m == "" || $2 < m) m = $2 } END { print m }' "$TMP")
        printf 'round %s: InitLab, %s thread(s): %.3f s/epoch (best of 3; monitoring after each epoch not counted)\n' "$r" "$t" "$s"
        if awk -v a="$best_il" -v b="$s" 'BEGIN { exit !(b < a) }'; then best_il=$s; best_t=$t; fi
    done
done
for t in 1 2; do
    printf 'for comparison, scikit-learn float64 (its default), %s BLAS thread(s): %.3f s/epoch\n' "$t" "$(sk "" "$t")"
done
dotnet build "$ROOT/bench/InitLab.Bench" -c Release -v q >/dev/null
dotnet "$ROOT/bench/InitLab.Bench/bin/Release/net10.0/InitLab.Bench.dll" fma-peak
gemms=$(dotnet "$ROOT/bench/InitLab.Bench/bin/Release/net10.0/InitLab.Bench.dll" epoch-gemms --rbm 500 --visible 784 --batch 100 --samples 60000 --threads "$best_t")
floor=$(sed -n 's/^epoch GEMMs alone: \([0-9.]*\) s$/\1/p' <<<"$gemms")
seq=$(sed -n 's/^the step.s GEMMs one after another: .*epoch: \([0-9.]*\) s$/\1/p' <<<"$gemms")
printf "the epoch's GEMMs alone, %s thread(s), each timed by itself: %.3f s; InitLab's best epoch / GEMMs alone = %.2f\n" "$best_t" "$floor" "$(awk -v i="$best_il" -v f="$floor" 'BEGIN { print i / f }')"
printf "the same GEMMs one after another, as a step runs them: %.3f s\n" "$seq"
# scikit-learn's side of the same question: its step's five matrix products alone (OpenBLAS,
# float32, best of 1 and 2 threads). Its best epoch minus them is its elementwise work; InitLab's
# GEMMs alone over scikit-learn's best epoch is the best ratio reachable at this run's GEMM speed.
skg=999999
for t in 1 2; do
    g=$(native OPENBLAS_NUM_THREADS=$t "$PY" "$ROOT/bench/peers/sklearn_rbm_gemms.py" --visible 784 --hidden 500 --batch-size 100 --samples 60000 | json epoch_seconds)
    skg=$(awk -v a="$skg" -v b="$g" 'BEGIN { print (b < a) ? b : a }')
done
awk -v g="$skg" -v s="$best_sk" -v f="$floor" 'BEGIN {
    printf "scikit-learn'"'"'s five products alone (OpenBLAS float32, best of 1 and 2 threads): %.3f s per epoch, %.0f%% of its best epoch (%.3f s); InitLab'"'"'s take %.3f s\n", g, 100 * g / s, s, f
    printf "InitLab'"'"'s GEMMs alone / scikit-learn'"'"'s best epoch = %.2f (the best ratio reachable at this run'"'"'s GEMM speed)\n", f / s }'
awk -v i="$best_il" -v s="$best_sk" 'BEGIN { printf "ratio InitLab/scikit-learn float32 = %.2f (target <= 0.33)\n", i / s }'
