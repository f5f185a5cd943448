#!/usr/bin/env bash
# The project's test command: installs dependencies (Debian packages), builds, and runs every test
# twice — optimised (release) and under the address + undefined-behaviour sanitizers (asan).
# Pass preset names to run only those, e.g. `bash tools/test.sh release`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(release asan)
for preset in "${presets[@]}"; do
  echo "== ${preset}: configure and build"
  cmake --preset "${preset}" >/dev/null
  cmake --build --preset "${preset}"
  echo "== ${preset}: tests"
  ctest --preset "${preset}"
done
