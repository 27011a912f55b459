#!/usr/bin/env bash
# Runs Rivet's whole test suite: installs what is missing, builds everything
# (host tools, unit tests, kernel, images) and runs CTest: host unit tests
# and the tests that boot the kernel in QEMU. Extra arguments go to ctest,
# e.g. `tools/test.sh -L unit` or `tools/test.sh -R boot.virt`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default
ctest --preset default "$@"
