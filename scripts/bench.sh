#!/usr/bin/env bash
# Regenerates BENCHMARKS.md (and BENCHMARKS.json, the raw figures) on this machine. By default: the catalog models
# 8M and 35M at batch 8 x 128 tokens and 150M at 2 x 128 (kept small so that the run stays well under 30 minutes on
# 2 idle cores), every method, the matrix-product peak, 1,000-peptide prediction with 8M, a 2,000-step BiDoRA memory
# run on the tiny model, and each speed change switched off and on.
# Override with environment variables: BENCH_MODELS (comma-separated, name or name@BxT), BENCH_METHODS, BENCH_STEPS,
# BENCH_WARMUP, BENCH_MEMORY_STEPS (0 skips), BENCH_THREADS; extra arguments go to `bidora bench` as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
models=${BENCH_MODELS:-esm2_t6_8M_UR50D,esm2_t12_35M_UR50D,esm2_t30_150M_UR50D@2x128}
methods=${BENCH_METHODS:-full,lora,dora,bidora-first-order,bidora-finite-difference,bidora-unrolled}
threads=()
if [[ -n "${BENCH_THREADS:-}" ]]; then threads=(--threads "$BENCH_THREADS"); fi
dotnet build BiDoRA.Workbench -c Release -v quiet -nologo >/dev/null
./BiDoRA.Workbench/bin/Release/net10.0/bidora bench \
  --models "$models" --methods "$methods" \
  --batch-size 8 --seq-len 128 --steps "${BENCH_STEPS:-5}" --warmup "${BENCH_WARMUP:-2}" \
  --predict-model esm2_t6_8M_UR50D --predict-count 1000 \
  --memory-steps "${BENCH_MEMORY_STEPS:-2000}" --memory-model tiny@8x64 \
  --ablations "${threads[@]}" \
  --markdown BENCHMARKS.md --markdown-appendix scripts/bench-notes.md \
  "$@" > BENCHMARKS.json.partial
mv BENCHMARKS.json.partial BENCHMARKS.json
echo "Wrote BENCHMARKS.md and BENCHMARKS.json" >&2
