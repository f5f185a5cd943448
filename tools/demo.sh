#!/usr/bin/env bash
# The project's main job: installs dependencies, builds the `sbtg` program and runs its demo on the
# built-in simulator (no rig needed). Extra arguments go to `sbtg demo` (see `--help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target sbtg >/dev/null
exec build/release/tools/sbtg/sbtg demo "$@"
