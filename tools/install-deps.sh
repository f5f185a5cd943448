#!/usr/bin/env bash
# Installs every Debian package the project needs to build, test, benchmark and run its examples.
# Idempotent and quiet: when everything is present it prints nothing and touches nothing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git time
  libeigen3-dev                 # linear algebra (DESIGN §1)
  libzmq3-dev cppzmq-dev        # ZeroMQ transport
  libconcurrentqueue-dev        # moodycamel lock-free queues
  libbenchmark-dev              # Google Benchmark
  doctest-dev                   # unit tests
  libcli11-dev                  # command-line parsing
  nlohmann-json3-dev            # JSON headers, summaries, wire headers
  libspdlog-dev libfmt-dev      # logging and formatting
  libboost-dev                  # Boost.Math: t, F, normal distributions (header-only)
  libhdf5-dev                   # NWB (HDF5) replay
  python3 python3-numpy python3-zmq python3-matplotlib python3-scipy  # examples, cross-checks, figures
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
