#!/usr/bin/env bash
# The paper profile as a Slurm job array: N slices of about equal cost (`--shard I/N` slices by the
# measured costs in validations/costs.json), then one merge job that runs after every slice succeeded
# or failed (a failing check exits 1 but still writes its slice).
#
#   sbatch --array=1-8 docs/example/slurm-validate.sh            # the slices
#   sbatch --dependency=afterany:JOBID docs/example/slurm-validate.sh merge
#
# Set STEEPEST to the binary (build once on the login node: cargo build --release), OUT to a shared
# directory, and keep SEED, PROFILE and N equal in every job of the array (N = the array size).
#SBATCH --job-name=steepest-validate
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=01:00:00
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail
STEEPEST=${STEEPEST:-target/release/steepest}
OUT=${OUT:-steepest-paper}
PROFILE=${PROFILE:-paper}
SEED=${SEED:-0}
N=${N:-${SLURM_ARRAY_TASK_COUNT:-8}}
mkdir -p "$OUT"
if [ "${1:-}" = merge ]; then
  "$STEEPEST" report merge "$OUT"/slice-*.json --out "$OUT/report.json"
  exit 0
fi
I=${SLURM_ARRAY_TASK_ID:?run with sbatch --array=1-N}
# Exit 1 means "a check failed" (the slice is written); anything else is an error of the job.
"$STEEPEST" validate --profile "$PROFILE" --seed "$SEED" --shard "$I/$N" \
  --threads "${SLURM_CPUS_PER_TASK:-2}" --quiet --report "$OUT/slice-$I.json" || [ $? -eq 1 ]
