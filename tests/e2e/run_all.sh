#!/usr/bin/env bash
# Runs the end-to-end tests, at most -j N at a time (default 2), and prints a final line
# "N passed, N failed". Exit status is non-zero if any test failed.
#
#   tests/e2e/run_all.sh                      # every tests/e2e/test_*.sh against berth
#   E2E_TARGET=reference tests/e2e/run_all.sh # against the Go reference registry
#   tests/e2e/run_all.sh -j 1 test_api_conformance test_crash_recovery.sh
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
JOBS=2

usage() { echo "usage: $0 [-j N] [test_name|path ...]" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    -j) [[ $# -ge 2 ]] || usage; JOBS="$2"; shift 2 ;;
    -j*) JOBS="${1#-j}"; shift ;;
    -h|--help) usage ;;
    --) shift; break ;;
    -*) usage ;;
    *) break ;;
  esac
done
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || usage

TESTS=()
if [[ $# -gt 0 ]]; then
  for t in "$@"; do
    if [[ -f "$t" ]]; then TESTS+=("$(cd "$(dirname "$t")" && pwd)/$(basename "$t")")
    elif [[ -f "$HERE/$t" ]]; then TESTS+=("$HERE/$t")
    elif [[ -f "$HERE/$t.sh" ]]; then TESTS+=("$HERE/$t.sh")
    else echo "no such test: $t" >&2; exit 2
    fi
  done
else
  for t in "$HERE"/test_*.sh; do [[ -f "$t" ]] && TESTS+=("$t"); done
fi
if [[ ${#TESTS[@]} -eq 0 ]]; then
  echo "no tests found"
  echo "0 passed, 0 failed"
  exit 1
fi

export E2E_TARGET="${E2E_TARGET:-berth}"
echo "running ${#TESTS[@]} e2e tests against $E2E_TARGET, $JOBS at a time"

# Install every package the tests ask for once, up front (serially), so parallel tests
# don't all queue on the dpkg lock inside their time limits.
PKGS=()
for t in "${TESTS[@]}"; do
  while read -r _ rest; do
    for p in $rest; do PKGS+=("$p"); done
  done < <(grep -E '^need_pkgs ' "$t" || true)
done
[[ "$E2E_TARGET" == reference ]] && PKGS+=(docker-registry)
if [[ ${#PKGS[@]} -gt 0 ]]; then
  mapfile -t PKGS < <(printf '%s\n' "${PKGS[@]}" | sort -u)
  (
    E2E_NAME=run_all
    # shellcheck source=lib.sh
    source "$HERE/lib.sh"
    need_pkgs "${PKGS[@]}"
  )
fi

LOGDIR="$(mktemp -d /tmp/berth-e2e-run.XXXX)"
declare -A NAME_OF=()
declare -a PASSED=() FAILED=()
running=0
# every test limits itself (E2E_TIMEOUT, default 170 s); this outer limit is a backstop
OUTER_TIMEOUT=$(( ${E2E_TIMEOUT:-170} + 60 ))

finish_one() {
  local pid rc=0 name
  wait -n -p pid || rc=$?
  name="${NAME_OF[$pid]}"
  unset "NAME_OF[$pid]"
  running=$((running - 1))
  cat "$LOGDIR/$name.log"
  if [[ $rc -eq 0 ]]; then PASSED+=("$name"); else FAILED+=("$name"); echo "(exit status $rc)"; fi
  echo
}

on_interrupt() {
  local p
  for p in "${!NAME_OF[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait || true
  rm -rf "$LOGDIR"
  echo "interrupted"
  echo "${#PASSED[@]} passed, $(( ${#FAILED[@]} + ${#NAME_OF[@]} )) failed"
  exit 130
}
trap on_interrupt INT TERM

for t in "${TESTS[@]}"; do
  while [[ $running -ge $JOBS ]]; do finish_one; done
  name="$(basename "$t" .sh)"
  timeout --kill-after=30 "$OUTER_TIMEOUT" bash "$t" >"$LOGDIR/$name.log" 2>&1 </dev/null &
  NAME_OF[$!]="$name"
  running=$((running + 1))
done
while [[ $running -gt 0 ]]; do finish_one; done

rm -rf "$LOGDIR"
echo "== e2e against $E2E_TARGET"
for n in "${PASSED[@]+"${PASSED[@]}"}"; do echo "PASS $n"; done
for n in "${FAILED[@]+"${FAILED[@]}"}"; do echo "FAIL $n"; done
echo "${#PASSED[@]} passed, ${#FAILED[@]} failed"
[[ ${#FAILED[@]} -eq 0 ]]
