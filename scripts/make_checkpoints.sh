#!/usr/bin/env bash
# Reproduce every shipped checkpoint in checkpoints/ with the project's own CLI, on the CPU.
# Each file's JSON sidecar records the exact command, seed, steps, device, time taken and metrics.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
OUT=checkpoints
# classifiers first: the GAN evaluations of digits / mnist5k use them
$PY -m gan_core train-classifier --dataset digits --seed 0 --out $OUT
$PY -m gan_core train-classifier --dataset mnist5k --seed 0 --out $OUT
# ring8 from seed 3: the healthy example the diagnostics tab opens on (8/8 modes, 0.90 high quality with the
# 2 x 32 class preset). Every seed is listed in docs/PRESETS.md.
$PY -m gan_core train --preset ring8 --seed 3 --device cpu --out $OUT
$PY -m gan_core train --preset ring8-collapse --seed 0 --device cpu --out $OUT
$PY -m gan_core train --preset grid25 --seed 0 --device cpu --out $OUT
$PY -m gan_core train --preset digits --seed 0 --device cpu --out $OUT
# the memorisation lesson's diagnostics step (docs/PHENOMENA.md): the digits DCGAN on 8 images, copying them
$PY -m gan_core train --preset memorise --seed 0 --device cpu --out $OUT
$PY -m gan_core train --preset mnist5k --seed 0 --device cpu --out $OUT
$PY -m gan_core train --preset mnist5k-cgan --seed 0 --device cpu --out $OUT
