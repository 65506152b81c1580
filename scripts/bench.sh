#!/usr/bin/env bash
# Regenerates BENCHMARKS.md (and BENCHMARKS.json, the raw figures) on this machine: the catalog models 8M and 35M at
# batch 8 x 128 tokens and 150M at 2 x 128 (kept small so that the whole run stays well under 30 minutes on
# 2 cores), every method, the matrix-product peak, 1,000-peptide prediction with 8M, a 2,000-step BiDoRA memory run
# on the tiny model, and each speed change switched off and on. Extra arguments go to `bidora bench`
# (e.g. --steps 5, --threads 1, --models esm2_t6_8M_UR50D); see `bidora bench --help`.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build BiDoRA.Workbench -c Release -v quiet -nologo >/dev/null
./BiDoRA.Workbench/bin/Release/net10.0/bidora bench \
  --models esm2_t6_8M_UR50D,esm2_t12_35M_UR50D,esm2_t30_150M_UR50D@2x128 \
  --batch-size 8 --seq-len 128 --steps 3 --warmup 1 \
  --predict-model esm2_t6_8M_UR50D --predict-count 1000 \
  --memory-steps 2000 --memory-model tiny@8x64 \
  --ablations \
  --markdown BENCHMARKS.md --markdown-appendix scripts/bench-notes.md \
  "$@" > BENCHMARKS.json
echo "Wrote BENCHMARKS.md and BENCHMARKS.json" >&2
