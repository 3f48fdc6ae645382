#!/usr/bin/env bash
# The GPU path of training/README.md ("Model v2"): for a machine with one large GPU for a few minutes.
# UNTESTED ON A GPU: no GPU was lent to the session that wrote it; the same commands run on CPU.
#
#   bash training/gpu.sh pack  [PACK]          # here, beside ../shared: images + labels -> one <60 MiB .npz
#   bash training/gpu.sh train PACK OUT [SIZE] # there: 5-fold CV + final model, bf16 autocast, into OUT
#   bash training/gpu.sh package OUT PKG      # here again: OUT (copied back) -> model package PKG
#
# `train` fine-tunes more of the network than the CPU run (SPLIT_AT, default 14: features[14:] trainable,
# the STACK-NOTES design) at 448 px by default, the resolution the 512 px images support for thin
# pneumothorax lines. It writes per-epoch checkpoints, OOF logits (oof.npz) and cv.json into OUT, and
# resumes from them when rerun. Budget on one H200: the 448 px stem pass over 2 x 1,034 images and
# 36 short trunk runs are seconds each; the 8-minute limit is enforced with `timeout`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
cmd=${1:?usage: gpu.sh pack|train|package ...}
case "$cmd" in
  pack)
    "$PY" -m training.gpu_pack --out "${2:-.cache/gpu/pack.npz}"
    ;;
  train)
    pack=${2:?pack file}; out=${3:?output folder}; size=${4:-448}
    mkdir -p "$out"
    "$PY" -c 'import torch; assert torch.cuda.is_available(), "no CUDA device"; print(torch.cuda.get_device_name(0))'
    timeout "${GPU_TIMEOUT_S:-480}" "$PY" -m training.crossval --pack "$pack" --out "$out" --size "$size" \
      --split-at "${SPLIT_AT:-14}" --epochs "${EPOCHS:-8}" --device cuda --amp 2>&1 | tee -a "$out/train.log"
    ;;
  package)
    out=${2:?CV output folder}; pkg=${3:?package folder}
    "$PY" -m training.run --stages package --cv "$out" --out "$pkg"
    ;;
  *)
    echo "unknown command $cmd" >&2; exit 2 ;;
esac
