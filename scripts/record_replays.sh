#!/usr/bin/env bash
# Record the shipped replays (checkpoints/*.replay.npz + .replay.json) with the project's own CLI, on the CPU.
# Each run trains its preset again with `--record` (same seeds as scripts/make_checkpoints.sh, so a replay shows
# how its shipped checkpoint was trained) in a scratch folder; only the replay files are copied into checkpoints/,
# the shipped checkpoints are left as they are. Rerun it after a preset changes. Deterministic for a seed on a CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
OUT=checkpoints
SCRATCH=$(mktemp -d -t replaysXXXXXX)  # (no dot in the name: --out takes a dotted name for a file)
trap 'rm -rf "$SCRATCH"' EXIT
record() {  # preset seed
  $PY -m gan_core train --preset "$1" --seed "$2" --device cpu --out "$SCRATCH" --record --quiet
  cp "$SCRATCH/$1.replay.npz" "$SCRATCH/$1.replay.json" "$OUT/"
}
record ring8 3
record ring8-collapse 0
record digits 0
record mnist5k 0
du -ch $OUT/*.replay.npz | tail -1
