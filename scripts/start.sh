#!/usr/bin/env bash
# The first README command: install what is missing, build, and run berth on its embedded
# default (SQLite + filesystem under ./berth-data) at http://127.0.0.1:5000.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" -DBERTH_TESTS=OFF
exec "$root/build/src/cli/berth" serve --listen "${BERTH_LISTEN:-127.0.0.1:5000}" \
  --data-dir "${BERTH_DATA_DIR:-$root/berth-data}" "$@"
