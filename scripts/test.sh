#!/usr/bin/env bash
# Builds everything once (scripts/build.sh) and runs the whole test suite in parallel.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
build_dir=${BUILD_DIR:-build}
ctest --test-dir "$build_dir" -j "$(nproc)" --output-on-failure --timeout 1200
