#!/usr/bin/env bash
# The project's main job: installs dependencies, builds the `sbtg` program and runs its demo on the
# built-in simulator (no rig needed): the live engine learns a simulated network while it streams and
# prints the rolling AUROC against the truth. Extra arguments go to `sbtg stream --demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target sbtg >/dev/null
exec build/release/tools/sbtg/sbtg stream --demo "$@"
