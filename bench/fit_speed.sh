#!/usr/bin/env bash
# Whole-program fit time and peak memory of `sbtg fit --method sbtg` at the published reference's
# settings (100 epochs, batch 128, hidden 64×2, one model trained in-sample, no early stopping), on a
# simulated tanh network with T = 5000 frames. Prints a Markdown table (see bench/README.md).
# Usage: bash bench/fit_speed.sh [build-dir]   (default build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
sbtg="$build/tools/sbtg/sbtg"
[ -x "$sbtg" ] || { echo "build $sbtg first (cmake --build --preset release)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| n | model | objective | scoring | wall s | user s | peak RSS MB |"
echo "|---|---|---|---|---|---|---|"
for n in 51 300; do
  "$sbtg" simulate --family tanh --n "$n" --frames 5000 --seed 1 --out "$work/sim$n" >/dev/null
  for model in linear feature_bilinear; do
    for objective in dsm exact; do
      # Exact score matching is an option beyond the reference; time it at n = 51 only.
      if [ "$objective" = exact ] && [ "$n" -gt 51 ]; then continue; fi
      /usr/bin/time -f "%e %U %M" -o "$work/time" "$sbtg" fit --method sbtg --model "$model" \
        --objective "$objective" --scoring insample --epochs 100 --batch 128 --hidden 64 --patience 0 \
        --validation-fraction 0 --no-progress --no-volatility --out "$work/fit" "$work/sim$n/data.csv" >/dev/null
      read -r wall user rss < "$work/time"
      echo "| $n | $model | $objective | insample | $wall | $user | $((rss / 1024)) |"
    done
  done
done
