#!/usr/bin/env bash
# The second README command: install what is missing (build and test dependencies), build once,
# and run every test: unit tests, fuzz-corpus replays, end-to-end tests with real clients, and
# the benchmark's quick mode as a smoke run. ctest prints the closing summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" --test
"$root/scripts/build.sh" -DBERTH_TESTS=ON
cd "$root/build"
ctest --output-on-failure -j"$(nproc)" --timeout 900 "$@"
