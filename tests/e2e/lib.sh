# shellcheck shell=bash
# Shared helpers for berth's end-to-end tests. Source it from a test script:
#
#   source "$(dirname "$0")/lib.sh"
#   need_pkgs skopeo umoci jq curl
#   e2e_setup "$@"
#   start_registry
#   ...
#   e2e_done
#
# Environment:
#   E2E_TARGET    berth (default) | reference  -- which registry the test drives
#   BERTH_BIN     berth binary (default: <repo>/build/src/cli/berth)
#   BERTH_ARGS    extra arguments appended to `berth serve ...` (default: none)
#   E2E_AUTH      disabled (default): berth serves its configured registries without
#                 authentication (`--authentication disabled`); required: berth's own default
#   E2E_TIMEOUT   seconds a whole test may run before it is killed (default 170)
#   E2E_KEEP=1    keep the temp dir (logs, layouts) after the test, for debugging
#   E2E_VERBOSE=1 echo every HTTP request made through `http`
#
# Traffic goes only to 127.0.0.1 (of the machine, or of a network namespace the test made with
# netns_create). Every process the test starts is recorded by PID and ended by PID in the EXIT
# trap; nothing is killed by name.

set -euo pipefail
set -E

E2E_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
E2E_REPO_ROOT="$(cd "$E2E_LIB_DIR/../.." && pwd)"
E2E_TARGET="${E2E_TARGET:-berth}"
BERTH_BIN="${BERTH_BIN:-$E2E_REPO_ROOT/build/src/cli/berth}"
E2E_NAME="$(basename "$0" .sh)"
export E2E_TARGET BERTH_BIN

case "$E2E_TARGET" in
  berth|reference) ;;
  *) echo "FAIL: $E2E_NAME: E2E_TARGET must be 'berth' or 'reference', not '$E2E_TARGET'" >&2; exit 2 ;;
esac

E2E_PIDS=()          # every background process this test started
E2E_NS=""            # the network namespace of netns_create, if any
E2E_NS_EXEC=()       # the command prefix that runs a program inside it (empty without one)
E2E_TMP=""
E2E_FAIL_REASON=""
E2E_DONE=0
REG_PID=""
REG_LOG=""
REG_STARTS=0

# ---------------------------------------------------------------------------------------
# Output and assertions

log()  { printf '  %s\n' "$*" >&2; }
ok()   { printf '  ok   - %s\n' "$*"; }
skip() { printf '  skip - %s\n' "$*"; }
note() { printf '  note - %s\n' "$*"; }

E2E_SOFT_FAILS=0
# fail MESSAGE: the test fails here. With E2E_KEEP_GOING=1 (a debugging aid) a failed
# check is printed and counted, the test goes on, and it fails at e2e_done.
fail() {
  if [[ "${E2E_KEEP_GOING:-0}" == 1 && $BASH_SUBSHELL -eq 0 && -n "$E2E_TMP" ]]; then
    printf '  FAIL - %s\n' "$*"
    E2E_SOFT_FAILS=$((E2E_SOFT_FAILS + 1))
    return 0
  fi
  E2E_FAIL_REASON="$*"
  # inside $(...) the reason would be lost with the subshell: show it now
  [[ $BASH_SUBSHELL -gt 0 ]] && printf '  error: %s\n' "$*" >&2
  exit 1
}

is_berth() { [[ "$E2E_TARGET" == berth ]]; }

# berth_only "what": returns 0 on berth, prints a skip line and returns 1 on reference.
berth_only() {
  if is_berth; then return 0; fi
  skip "$* (berth only: not supported by the reference registry 2.8)"
  return 1
}

assert_eq() {  # assert_eq EXPECTED ACTUAL MESSAGE
  local exp="$1" act="$2" msg="${3:-values differ}"
  if [[ "$exp" != "$act" ]]; then
    fail "$msg: expected '$exp', got '$act'"; return 0
  fi
  ok "$msg"
}

assert_ne() {  # assert_ne UNEXPECTED ACTUAL MESSAGE
  local unexp="$1" act="$2" msg="${3:-values equal}"
  [[ "$unexp" != "$act" ]] || { fail "$msg: did not expect '$act'"; return 0; }
  ok "$msg"
}

assert_match() {  # assert_match REGEX ACTUAL MESSAGE
  local re="$1" act="$2" msg="${3:-no match}"
  [[ "$act" =~ $re ]] || { fail "$msg: '$act' does not match /$re/"; return 0; }
  ok "$msg"
}

assert_status() {  # assert_status EXPECTED_CODE MESSAGE  (checks $HTTP_STATUS from `http`)
  local exp="$1" msg="${2:-HTTP status}"
  if [[ "$HTTP_STATUS" != "$exp" ]]; then
    fail "$msg: expected HTTP $exp, got $HTTP_STATUS ($HTTP_METHOD $HTTP_URL) body: $(head -c 400 "$HTTP_BODY" 2>/dev/null | tr -d '\r')"
    return 0
  fi
  ok "$msg (HTTP $exp)"
}

assert_header() {  # assert_header NAME EXPECTED MESSAGE  (header of the last `http` response)
  local v; v="$(hdr "$1")"
  assert_eq "$2" "$v" "${3:-header $1}"
}

# assert_error_code CODE MESSAGE: the last response body is {"errors":[{"code":CODE,...}]}
assert_error_code() {
  local code="$1" msg="${2:-error code}" got
  got="$(jq -r '.errors | if type=="array" then (map(.code) | join(",")) else "not-an-array" end' "$HTTP_BODY" 2>/dev/null || echo "not-json")"
  if [[ ",$got," != *",$code,"* ]]; then
    fail "$msg: expected error code $code in {\"errors\":[...]}, got '$got' body: $(head -c 400 "$HTTP_BODY" | tr -d '\r')"
    return 0
  fi
  ok "$msg ($code)"
}

e2e_done() {
  E2E_DONE=1
  if [[ $E2E_SOFT_FAILS -gt 0 ]]; then
    E2E_FAIL_REASON="$E2E_SOFT_FAILS checks failed (E2E_KEEP_GOING=1)"
    exit 1
  fi
  exit 0
}

_e2e_on_err() {
  local rc=$1 line=$2 cmd=$3
  if [[ -z "$E2E_FAIL_REASON" ]]; then
    E2E_FAIL_REASON="command failed with status $rc at ${BASH_SOURCE[1]##*/}:$line: $cmd"
  fi
}

_e2e_on_exit() {
  local rc=$?
  trap - ERR
  set +e
  if [[ $rc -eq 0 && $E2E_DONE -ne 1 ]]; then
    rc=1; E2E_FAIL_REASON="${E2E_FAIL_REASON:-test exited before e2e_done}"
  fi
  if [[ $rc -ne 0 && -n "$REG_LOG" && -f "$REG_LOG" ]]; then
    echo "  --- last lines of the registry log ($REG_LOG) ---" >&2
    tail -n 12 "$REG_LOG" | cut -c1-400 | sed 's/^/  | /' >&2
  fi
  e2e_cleanup
  if [[ $rc -eq 0 ]]; then
    echo "PASS: $E2E_NAME [$E2E_TARGET] (${SECONDS}s)"
  else
    echo "FAIL: $E2E_NAME [$E2E_TARGET]: ${E2E_FAIL_REASON:-exit status $rc} (${SECONDS}s)"
  fi
  exit "$rc"
}

_e2e_on_signal() {
  E2E_FAIL_REASON="${E2E_FAIL_REASON:-interrupted by SIG$1 (time limit ${E2E_TIMEOUT:-170}s?)}"
  exit 124
}

# ---------------------------------------------------------------------------------------
# Setup and cleanup

# e2e_setup "$@": re-executes the test under `timeout`, then makes the temp dir and traps.
e2e_setup() {
  if [[ -z "${E2E_UNDER_TIMEOUT:-}" ]]; then
    export E2E_UNDER_TIMEOUT=1
    # timeout puts the test in its own process group and signals the whole group when the
    # limit is reached, so stray children die too; the EXIT trap then cleans up.
    exec timeout --kill-after=20 "${E2E_TIMEOUT:-170}" bash "$0" "$@"
  fi
  unset E2E_UNDER_TIMEOUT
  command -v python3 >/dev/null || need_pkgs python3
  E2E_TMP="$(mktemp -d /tmp/berth-e2e.XXXX)"
  export E2E_TMP
  trap '_e2e_on_err $? $LINENO "$BASH_COMMAND"' ERR
  trap _e2e_on_exit EXIT
  trap '_e2e_on_signal TERM' TERM
  trap '_e2e_on_signal INT' INT
  trap '_e2e_on_signal HUP' HUP
  # Hermetic configuration for containers/image tools (skopeo): our own policy, no
  # registries.conf search list, no credentials from the host.
  cat >"$E2E_TMP/policy.json" <<'EOF'
{"default":[{"type":"insecureAcceptAnything"}]}
EOF
  : >"$E2E_TMP/registries.conf"
  echo '{}' >"$E2E_TMP/auth.json"
  export REGISTRY_AUTH_FILE="$E2E_TMP/auth.json"
  export CONTAINERS_REGISTRIES_CONF="$E2E_TMP/registries.conf"
  echo "== $E2E_NAME (target: $E2E_TARGET, tmp: $E2E_TMP)"
}

# track_pid PID: remember a background process so cleanup ends it.
track_pid() { E2E_PIDS+=("$1"); }

untrack_pid() {
  local p keep=()
  for p in "${E2E_PIDS[@]}"; do [[ "$p" == "$1" ]] || keep+=("$p"); done
  E2E_PIDS=("${keep[@]+"${keep[@]}"}")
}

# stop_pid PID [GRACE_SECONDS]: SIGTERM, wait, then SIGKILL. Only for PIDs we started.
stop_pid() {
  local pid="$1" grace="${2:-10}" i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

e2e_cleanup() {
  local pid m
  for pid in "${E2E_PIDS[@]+"${E2E_PIDS[@]}"}"; do stop_pid "$pid" 5; done
  E2E_PIDS=()
  if [[ -n "$E2E_TMP" && -d "$E2E_TMP" ]]; then
    # containerd may leave mounts under its root: unmount them (deepest first) before rm.
    while read -r m; do
      umount -l "$m" 2>/dev/null || true
    done < <(awk -v p="$E2E_TMP/" 'index($2, p) == 1 {print $2}' /proc/self/mounts | sort -r)
    if [[ "${E2E_KEEP:-0}" == 1 ]]; then
      echo "  (E2E_KEEP=1: kept $E2E_TMP)" >&2
    else
      rm -rf "$E2E_TMP"
    fi
  fi
  _netns_cleanup
}

# ---------------------------------------------------------------------------------------
# Packages

# need_pkgs PKG...: install the Debian packages that are missing (dpkg -s), nothing else.
need_pkgs() {
  local p missing=()
  for p in "$@"; do
    [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" == "install ok installed" ]] || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $(id -u) -eq 0 ]] || { echo "FAIL: $E2E_NAME: missing packages ${missing[*]} and not root to install them" >&2; exit 1; }
  echo "  installing Debian packages: ${missing[*]}" >&2
  local aptlog rc=0
  aptlog="$(mktemp /tmp/berth-e2e-apt.XXXX)"
  (
    # serialize installs of tests running in parallel (lock on this file, read-only)
    flock -w 900 9 || exit 1
    export DEBIAN_FRONTEND=noninteractive
    apt=(apt-get -q -o DPkg::Lock::Timeout=600)
    if ! "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >"$aptlog" 2>&1; then
      # the package lists may be missing or stale: refresh them once and retry
      "${apt[@]}" update >>"$aptlog" 2>&1 || true
      "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >>"$aptlog" 2>&1
    fi
  ) 9<"$E2E_LIB_DIR/lib.sh" || rc=$?
  if [[ $rc -ne 0 ]]; then
    tail -n 20 "$aptlog" >&2
    rm -f "$aptlog"
    echo "FAIL: $E2E_NAME: could not install ${missing[*]}" >&2
    exit 1
  fi
  rm -f "$aptlog"
}

# ---------------------------------------------------------------------------------------
# Registry under test

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_registry: starts the registry selected by E2E_TARGET on $E2E_DATA (default
# $E2E_TMP/data) and exports REG=127.0.0.1:PORT once it answers GET /v2/.
start_registry() {
  E2E_DATA="${E2E_DATA:-$E2E_TMP/data}"
  mkdir -p "$E2E_DATA"
  export E2E_DATA
  REG_STARTS=$((REG_STARTS + 1))
  REG_LOG="$E2E_TMP/registry.$REG_STARTS.log"
  case "$E2E_TARGET" in
    reference) _start_reference ;;
    berth) _start_berth ;;
  esac
  export REG
  _wait_registry_ready
  log "registry ($E2E_TARGET) pid $REG_PID listening on $REG"
}

_start_reference() {
  need_pkgs docker-registry
  local port
  for _ in 1 2 3; do
    # Keep the port across restarts so URLs handed out before a restart stay valid.
    port="${E2E_REF_PORT:-$(free_port)}"
    cat >"$E2E_TMP/registry-config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $E2E_DATA
  delete:
    enabled: true
  redirect:
    disable: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
  # fixed secret: upload-session state tokens stay valid across restarts
  secret: berth-e2e-fixed-secret
EOF
    # docker-registry reads REGISTRY_* variables as config overrides (REGISTRY_AUTH_FILE,
    # meant for skopeo, would become auth.file): start it without any of them.
    local unset_args=() v
    for v in $(compgen -e | grep '^REGISTRY_' || true); do unset_args+=(-u "$v"); done
    env "${unset_args[@]}" docker-registry serve "$E2E_TMP/registry-config.yml" >>"$REG_LOG" 2>&1 &
    REG_PID=$!
    track_pid "$REG_PID"
    REG="127.0.0.1:$port"
    local i
    for ((i = 0; i < 100; i++)); do
      kill -0 "$REG_PID" 2>/dev/null || break
      curl -s -o /dev/null --max-time 2 "http://$REG/v2/" && { E2E_REF_PORT=$port; return 0; }
      sleep 0.1
    done
    wait "$REG_PID" 2>/dev/null || true
    untrack_pid "$REG_PID"
    if grep -q 'address already in use' "$REG_LOG" && [[ -z "${E2E_REF_PORT:-}" ]]; then
      continue   # lost a race for the free port: try another one
    fi
    fail "reference registry did not start (see $REG_LOG)"
  done
  fail "reference registry: no free port after 3 attempts"
}

_start_berth() {
  [[ -x "$BERTH_BIN" ]] || fail "berth binary not found at $BERTH_BIN (build it, set BERTH_BIN, or run with E2E_TARGET=reference)"
  # Port 0 for the management API too, so parallel tests never collide on its default port.
  # In a namespace of netns_create the loopback is the test's own: fixed, well-known ports, so
  # clients reach https://<login server>/ without a port.
  local listen=(--listen 127.0.0.1:0 --management-listen 127.0.0.1:0)
  [[ -n "$E2E_NS" ]] && listen=(--listen 127.0.0.1:80 --management-listen 127.0.0.1:5001 --tls-listen 127.0.0.1:443)
  # Existing tests drive the configured "default" registry without credentials.
  local auth=()
  case "${E2E_AUTH:-disabled}" in
    disabled) auth=(--authentication disabled) ;;
    required) ;;
    *) fail "E2E_AUTH must be 'disabled' or 'required', not '$E2E_AUTH'" ;;
  esac
  # shellcheck disable=SC2086
  # `ip netns exec` execs the program, so $! is berth's own PID.
  "${E2E_NS_EXEC[@]}" "$BERTH_BIN" serve "${listen[@]}" "${auth[@]}" --data-dir "$E2E_DATA" ${BERTH_ARGS:-} >>"$REG_LOG" 2>&1 &
  REG_PID=$!
  track_pid "$REG_PID"
  local i line
  for ((i = 0; i < 300; i++)); do
    line="$(grep -m1 -oE 'berth: listening on http://127\.0\.0\.1:[0-9]+' "$REG_LOG" || true)"
    if [[ -n "$line" ]]; then
      REG="127.0.0.1:${line##*:}"
      return 0
    fi
    kill -0 "$REG_PID" 2>/dev/null || fail "berth exited before printing 'berth: listening on http://127.0.0.1:PORT' (log: $REG_LOG)"
    sleep 0.1
  done
  fail "berth did not print 'berth: listening on http://127.0.0.1:PORT' within 30 s"
}

# berth_log_port WHAT: the port of berth's first "berth: WHAT://127.0.0.1:PORT" line in the
# current registry log, waiting up to 30 s for it. WHAT is e.g. "listening on https" (a
# --tls-listen / tls.listen listener) or "management API on https" (tls.management_listen).
berth_log_port() {
  local what="$1" i line
  for ((i = 0; i < 300; i++)); do
    line="$(grep -m1 -oE "berth: $what://127\.0\.0\.1:[0-9]+" "$REG_LOG" || true)"
    if [[ -n "$line" ]]; then
      printf '%s' "${line##*:}"
      return 0
    fi
    kill -0 "$REG_PID" 2>/dev/null || fail "berth exited before printing 'berth: $what://127.0.0.1:PORT' (log: $REG_LOG)"
    sleep 0.1
  done
  fail "berth did not print 'berth: $what://127.0.0.1:PORT' within 30 s"
}

_wait_registry_ready() {
  local i code
  for ((i = 0; i < 150; i++)); do
    code="$("${E2E_NS_EXEC[@]}" curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$REG/v2/" || true)"
    [[ "$code" == 200 || "$code" == 401 ]] && return 0
    kill -0 "$REG_PID" 2>/dev/null || fail "registry exited during startup (log: $REG_LOG)"
    sleep 0.1
  done
  fail "registry at $REG did not answer GET /v2/ within 15 s"
}

# stop_registry: SIGTERM and wait (berth must exit 0 within 15 s).
stop_registry() {
  [[ -n "$REG_PID" ]] || return 0
  local pid="$REG_PID" rc=0 i
  kill -TERM "$pid"
  for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    untrack_pid "$pid"; REG_PID=""
    fail "registry did not exit within 15 s of SIGTERM"
  fi
  wait "$pid" || rc=$?
  untrack_pid "$pid"; REG_PID=""
  if is_berth && [[ $rc -ne 0 ]]; then
    fail "berth exited with status $rc after SIGTERM (expected a clean exit 0)"
  fi
  log "registry stopped by SIGTERM (exit status $rc)"
}

# kill_registry: SIGKILL, no chance to clean up.
kill_registry() {
  [[ -n "$REG_PID" ]] || return 0
  kill -KILL "$REG_PID" 2>/dev/null || true
  wait "$REG_PID" 2>/dev/null || true
  untrack_pid "$REG_PID"
  log "registry pid $REG_PID killed with SIGKILL"
  REG_PID=""
}

# restart_registry: SIGTERM stop (unless already dead) and start again on the same data dir.
# REG may change (berth picks a new port).
restart_registry() {
  if [[ -n "$REG_PID" ]]; then stop_registry; fi
  start_registry
}

# ---------------------------------------------------------------------------------------
# HTTP helpers (curl)

HTTP_STATUS=""; HTTP_METHOD=""; HTTP_URL=""
HTTP_BODY=""; HTTP_HDRS=""

# http METHOD PATH_OR_URL [curl args...]: sets HTTP_STATUS; the body is in $HTTP_BODY and
# headers in $HTTP_HDRS. PATH may be "/v2/..." (prefixed with $HTTP_BASE, default http://$REG).
# curl runs inside the test's network namespace when there is one (netns_create).
http() {
  local m="$1" u="$2"; shift 2
  HTTP_METHOD="$m"; HTTP_URL="$(abs_url "$u")"
  HTTP_BODY="$E2E_TMP/http.body"; HTTP_HDRS="$E2E_TMP/http.hdrs"
  local args=(-sS --max-time "${HTTP_MAX_TIME:-60}" -D "$HTTP_HDRS" -w '%{http_code}')
  : >"$HTTP_BODY"
  # with --head curl writes the headers to -o: keep the body file empty for HEAD
  if [[ "$m" == HEAD ]]; then args+=(--head -o /dev/null); else args+=(-X "$m" -o "$HTTP_BODY"); fi
  [[ "${E2E_VERBOSE:-0}" == 1 ]] && log "> $m $HTTP_URL"
  HTTP_STATUS="$("${E2E_NS_EXEC[@]}" curl "${args[@]}" "$@" "$HTTP_URL" 2>"$E2E_TMP/http.err" || true)"
  [[ "${E2E_VERBOSE:-0}" == 1 && -s "$E2E_TMP/http.err" ]] && log "curl: $(cat "$E2E_TMP/http.err")"
  [[ -f "$HTTP_BODY" ]] || : >"$HTTP_BODY"
  [[ "${E2E_VERBOSE:-0}" == 1 ]] && log "< $HTTP_STATUS"
  return 0
}

# hdr NAME: value of response header NAME (case-insensitive, last occurrence, no CR).
hdr() {
  awk -v n="$(echo "$1" | tr '[:upper:]' '[:lower:]')" '
    { line=$0; sub(/\r$/, "", line); i=index(line, ":");
      if (i > 0 && tolower(substr(line, 1, i-1)) == n) { v=substr(line, i+1); sub(/^[ \t]+/, "", v); val=v } }
    END { print val }' "$HTTP_HDRS"
}

# abs_url LOCATION: absolute URL on $HTTP_BASE (default: the current http://$REG). Absolute
# URLs keep only path+query, so Locations handed out before a restart follow the registry to
# its new port.
abs_url() {
  local u="$1"
  if [[ "$u" =~ ^https?://[^/]+(/.*)?$ ]]; then u="${BASH_REMATCH[1]:-/}"; fi
  printf '%s%s' "${HTTP_BASE:-http://$REG}" "$u"
}

# add_query URL KEY=VALUE: append a query parameter.
add_query() {
  if [[ "$1" == *\?* ]]; then printf '%s&%s' "$1" "$2"; else printf '%s?%s' "$1" "$2"; fi
}

# ---------------------------------------------------------------------------------------
# Digests and content

sha256_file() { printf 'sha256:%s' "$(sha256sum "$1" | cut -d' ' -f1)"; }
sha256_str()  { printf '%s' "$1" | sha256sum | cut -d' ' -f1 | sed 's/^/sha256:/'; }

# file_slice FILE OFFSET [LENGTH]: bytes of FILE from OFFSET (to the end without LENGTH).
file_slice() {
  if [[ $# -ge 3 ]]; then
    dd if="$1" bs=1M iflag=skip_bytes,count_bytes skip="$2" count="$3" status=none
  else
    dd if="$1" bs=1M iflag=skip_bytes skip="$2" status=none
  fi
}

# random_file PATH BYTES
random_file() { head -c "$2" /dev/urandom >"$1"; }

# upload_blob REPO FILE: push a blob (POST session + PUT ?digest=) with curl; prints digest.
upload_blob() {
  local repo="$1" f="$2" d loc
  d="$(sha256_file "$f")"
  http POST "/v2/$repo/blobs/uploads/"
  [[ "$HTTP_STATUS" == 202 ]] || fail "upload_blob: POST session for $repo: HTTP $HTTP_STATUS"
  loc="$(hdr Location)"
  http PUT "$(add_query "$loc" "digest=$d")" -H 'Content-Type: application/octet-stream' --data-binary @"$f"
  [[ "$HTTP_STATUS" == 201 ]] || fail "upload_blob: PUT $d to $repo: HTTP $HTTP_STATUS $(head -c 300 "$HTTP_BODY")"
  printf '%s' "$d"
}

# send_partial METHOD URL TOTAL_LENGTH FILE [HEADER...]: raw HTTP/1.1 request that
# announces Content-Length TOTAL_LENGTH, sends FILE (shorter), then closes the connection.
send_partial() {
  python3 - "$@" <<'PY'
import socket, sys, time, urllib.parse
method, url, total, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
extra = sys.argv[5:]
u = urllib.parse.urlsplit(url)
target = u.path + ("?" + u.query if u.query else "")
s = socket.create_connection((u.hostname, u.port), timeout=10)
head = "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n" % (
    method, target, u.netloc, total)
for h in extra:
    head += h + "\r\n"
s.sendall((head + "\r\n").encode())
s.sendall(open(path, "rb").read())
time.sleep(0.3)
s.shutdown(socket.SHUT_RDWR)   # the client goes away mid-body
s.close()
PY
}

# finish_upload_from LOCATION FILE OFFSET WHAT: PATCHes FILE's bytes from OFFSET on to the upload
# session at LOCATION, then closes it with FILE's digest (expects 202, then 201).
finish_upload_from() {
  local loc="$1" file="$2" off="$3" what="$4" size
  size="$(stat -c %s "$file")"
  file_slice "$file" "$off" >"$E2E_TMP/rest.bin"
  http PATCH "$loc" -H 'Content-Type: application/octet-stream' \
    -H "Content-Range: $off-$((size - 1))" --data-binary @"$E2E_TMP/rest.bin"
  assert_status 202 "$what: PATCH the rest from offset $off"
  loc="$(hdr Location)"
  http PUT "$(add_query "$loc" "digest=$(sha256_file "$file")")" -H 'Content-Length: 0'
  assert_status 201 "$what: PUT ?digest= completes the resumed upload"
}

# put_manifest REPO REF FILE MEDIATYPE: sets HTTP_STATUS etc.
put_manifest() {
  http PUT "/v2/$1/manifests/$2" -H "Content-Type: $4" --data-binary @"$3"
}

# ---------------------------------------------------------------------------------------
# skopeo

# skopeo_ ARGS...: skopeo with the test's own policy and registries.conf, bounded in time.
skopeo_() {
  timeout "${SKOPEO_TIMEOUT:-90}" skopeo --policy "$E2E_TMP/policy.json" \
    --registries-conf "$E2E_TMP/registries.conf" "$@"
}

# push_layout LAYOUT TAG DEST_REF [extra skopeo copy args]: skopeo copy oci:LAYOUT:TAG docker://$REG/DEST_REF
push_layout() {
  local layout="$1" tag="$2" dest="$3"; shift 3
  skopeo_ copy -q --dest-tls-verify=false "$@" "oci:$layout:$tag" "docker://$REG/$dest"
}

# ---------------------------------------------------------------------------------------
# Test images, built locally without network (umoci)

# build_image LAYOUT TAG [NLAYERS=2] [KIB_PER_LAYER=2048] [ARCH=amd64]
# An OCI image whose layers hold random (incompressible) data; LAYOUT is created if needed.
build_image() {
  local layout="$1" tag="$2" n="${3:-2}" kib="${4:-2048}" arch="${5:-amd64}" i src
  [[ -f "$layout/oci-layout" ]] || umoci init --layout "$layout"
  umoci new --image "$layout:$tag"
  for ((i = 1; i <= n; i++)); do
    src="$(mktemp -d "$E2E_TMP/src.XXXX")"
    random_file "$src/random.bin" $((kib * 1024))
    printf 'layer %d of %s (%s) %s\n' "$i" "$tag" "$arch" "$RANDOM$RANDOM" >"$src/info.txt"
    umoci insert --image "$layout:$tag" "$src" "/layer$i" >/dev/null
    rm -rf "$src"
  done
  umoci config --image "$layout:$tag" --architecture "$arch" --os linux \
    --config.cmd /bin/true --config.label "e2e.tag=$tag" --author berth-e2e >/dev/null
  umoci gc --layout "$layout"
}

# layout_digest LAYOUT TAG: digest of the descriptor tagged TAG in LAYOUT/index.json.
layout_digest() {
  jq -r --arg t "$2" '[.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t)][0].digest' \
    "$1/index.json"
}

# layout_blob LAYOUT DIGEST: path of a blob in an OCI layout.
layout_blob() { printf '%s/blobs/%s/%s' "$1" "${2%%:*}" "${2#*:}"; }

# json_kind FILE: "index" / "manifest" (by structure: mediaType is optional in OCI) or "blob".
json_kind() {
  jq -r 'if type != "object" then "blob"
         elif (.manifests | type) == "array" then "index"
         elif (.layers | type) == "array" and (.config | type) == "object" then "manifest"
         else "blob" end' "$1" 2>/dev/null || echo blob
}

# manifest_media_type FILE: the mediaType of a manifest/index file (OCI default if absent).
manifest_media_type() {
  case "$(json_kind "$1")" in
    index) jq -r '.mediaType // "application/vnd.oci.image.index.v1+json"' "$1" ;;
    manifest) jq -r '.mediaType // "application/vnd.oci.image.manifest.v1+json"' "$1" ;;
    *) echo application/octet-stream ;;
  esac
}

# layout_closure LAYOUT DIGEST: the digest and every digest it references (index ->
# manifests -> config + layers), one per line, recursively.
layout_closure() {
  local layout="$1" d="$2" f c
  echo "$d"
  f="$(layout_blob "$layout" "$d")"
  case "$(json_kind "$f")" in
    index) for c in $(jq -r '.manifests[].digest' "$f"); do layout_closure "$layout" "$c"; done ;;
    manifest) jq -r '.config.digest, .layers[].digest' "$f" ;;
  esac
}

# build_index LAYOUT TAG TAG_A TAG_B ...: an OCI image index over already built images of
# LAYOUT (platform from each config), stored as a blob and tagged TAG in index.json.
build_index() {
  local layout="$1" tag="$2"; shift 2
  python3 - "$layout" "$tag" "$@" <<'PY'
import hashlib, json, os, sys
layout, tag, members = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(os.path.join(layout, "index.json")) as f:
    top = json.load(f)
def blob(d):
    alg, hx = d.split(":", 1)
    return os.path.join(layout, "blobs", alg, hx)
def by_tag(t):
    for m in top["manifests"]:
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == t:
            return m
    raise SystemExit("no tag %s in %s" % (t, layout))
entries = []
for t in members:
    desc = by_tag(t)
    man = json.load(open(blob(desc["digest"])))
    cfg = json.load(open(blob(man["config"]["digest"])))
    entries.append({"mediaType": desc["mediaType"], "digest": desc["digest"], "size": desc["size"],
                    "platform": {"architecture": cfg["architecture"], "os": cfg["os"]}})
index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}
raw = json.dumps(index, indent=2).encode()
hx = hashlib.sha256(raw).hexdigest()
with open(os.path.join(layout, "blobs", "sha256", hx), "wb") as f:
    f.write(raw)
top["manifests"] = [m for m in top["manifests"]
                    if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != tag]
top["manifests"].append({"mediaType": index["mediaType"], "digest": "sha256:" + hx, "size": len(raw),
                         "annotations": {"org.opencontainers.image.ref.name": tag}})
with open(os.path.join(layout, "index.json"), "w") as f:
    json.dump(top, f)
PY
}

# assert_layout_same SRC_LAYOUT DST_LAYOUT DIGEST: every blob in DIGEST's closure exists in
# DST_LAYOUT with the same sha256 as in SRC_LAYOUT (and as its name).
assert_layout_same() {
  local src="$1" dst="$2" root="$3" d n=0 a b
  for d in $(layout_closure "$src" "$root" | sort -u); do
    [[ -f "$(layout_blob "$dst" "$d")" ]] || fail "blob $d missing in $dst"
    a="$(sha256_file "$(layout_blob "$src" "$d")")"
    b="$(sha256_file "$(layout_blob "$dst" "$d")")"
    [[ "$a" == "$d" && "$b" == "$d" ]] || fail "blob $d differs: source $a, copy $b"
    n=$((n + 1))
  done
  ok "$n blobs of $root byte-identical in $(basename "$dst")"
}

# assert_registry_has REPO LAYOUT DIGEST: GET every blob/manifest of DIGEST's closure from
# $REG/REPO and compare sha256 with LAYOUT's file.
assert_registry_has() {
  local repo="$1" layout="$2" root="$3" d mt n=0 got
  for d in $(layout_closure "$layout" "$root" | sort -u); do
    mt="$(manifest_media_type "$(layout_blob "$layout" "$d")")"
    if [[ "$mt" == application/octet-stream ]]; then
      http GET "/v2/$repo/blobs/$d" -L
    else
      http GET "/v2/$repo/manifests/$d" -H "Accept: $mt"
    fi
    [[ "$HTTP_STATUS" == 200 ]] || fail "GET $d from $repo: HTTP $HTTP_STATUS"
    got="$(sha256_file "$HTTP_BODY")"
    [[ "$got" == "$d" ]] || fail "GET $d from $repo returned content with digest $got"
    n=$((n + 1))
  done
  ok "$n objects of $root in $repo intact (sha256 verified)"
}

# ---------------------------------------------------------------------------------------
# Management API and the berth CLI

# start_management: after start_registry (berth only), waits for the daemon's line
# "berth: management API on http://127.0.0.1:PORT" (port 0 is what _start_berth asks for)
# and exports MGMT_URL.
start_management() {
  is_berth || fail "start_management needs E2E_TARGET=berth"
  local i line
  for ((i = 0; i < 100; i++)); do
    line="$(grep -m1 -oE 'berth: management API on http://127\.0\.0\.1:[0-9]+' "$REG_LOG" || true)"
    if [[ -n "$line" ]]; then
      MGMT_URL="http://127.0.0.1:${line##*:}"
      export MGMT_URL
      log "management API on $MGMT_URL"
      return 0
    fi
    kill -0 "$REG_PID" 2>/dev/null || fail "berth exited before announcing its management API (log: $REG_LOG)"
    sleep 0.1
  done
  fail "berth did not print 'berth: management API on http://127.0.0.1:PORT' (log: $REG_LOG)"
}

# ---------------------------------------------------------------------------------------
# A network namespace per test: login servers by name, over TLS, without ports
#
#   netns_create myreg.cr.internal      # after e2e_setup; E2E_NS=berth-e2e-<pid>
#   start_registry                      # berth inside: http :80, https :443, management :5001
#   in_ns skopeo_ inspect --cert-dir "$CERTS" docker://myreg.cr.internal/app:v1
#
# All traffic stays on the namespace's own loopback; the machine's /etc/hosts is not touched.

# netns_create [NAME...]: makes the namespace berth-e2e-<pid> (exported as E2E_NS) with its
# loopback up, and /etc/netns/<ns>/hosts -- which `ip netns exec` bind-mounts over /etc/hosts --
# mapping localhost and each NAME to 127.0.0.1. From then on start_registry starts berth inside
# it on fixed ports and `http` runs curl inside it. The EXIT trap ends the test's processes by
# PID, then deletes the namespace and /etc/netns/<ns>.
netns_create() {
  [[ -n "$E2E_TMP" ]] || fail "netns_create: call e2e_setup first"
  [[ -z "$E2E_NS" ]] || fail "netns_create: this test already has the namespace $E2E_NS"
  [[ $(id -u) -eq 0 ]] || fail "netns_create: network namespaces need root"
  local ns="berth-e2e-$$"
  ip netns add "$ns" || fail "cannot create the network namespace $ns"
  E2E_NS="$ns"
  E2E_NS_EXEC=(ip netns exec "$ns")
  export E2E_NS
  ip -n "$ns" link set lo up || fail "cannot bring up lo in $ns"
  mkdir -p "/etc/netns/$ns"
  printf '127.0.0.1 localhost\n::1 localhost\n' >"/etc/netns/$ns/hosts"
  netns_add_hosts "$@"
  log "network namespace $ns; its /etc/hosts maps ${*:-no other name} to 127.0.0.1"
}

# netns_add_hosts NAME...: maps more names to 127.0.0.1 in the namespace's /etc/hosts. The file
# is appended to in place, so processes already running inside see the new names too.
netns_add_hosts() {
  [[ -n "$E2E_NS" ]] || fail "netns_add_hosts: no namespace (call netns_create)"
  local h
  for h in "$@"; do printf '127.0.0.1 %s\n' "$h" >>"/etc/netns/$E2E_NS/hosts"; done
}

# in_ns CMD [ARGS...]: runs CMD inside the namespace, with its /etc/hosts. CMD may be a program
# or a shell function; a function runs in a child bash that sees the exported variables only.
in_ns() {
  [[ -n "$E2E_NS" ]] || fail "in_ns: no namespace (call netns_create)"
  if [[ "$(type -t "$1")" == function ]]; then
    (
      # shellcheck disable=SC2046
      export -f $(declare -F | awk '{print $3}')
      ip netns exec "$E2E_NS" bash -c '"$@"' in_ns "$@"
    )
  else
    ip netns exec "$E2E_NS" "$@"
  fi
}

# Called by e2e_cleanup after the test's own processes were stopped. A process still inside the
# namespace can only have been started by this test (the namespace is its own): end it by PID.
_netns_cleanup() {
  [[ -n "$E2E_NS" ]] || return 0
  local pid
  for pid in $(ip netns pids "$E2E_NS" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  ip netns delete "$E2E_NS" 2>/dev/null || true
  rm -rf "/etc/netns/$E2E_NS"
  E2E_NS=""
  E2E_NS_EXEC=()
}

# start_containerd NAME: a private containerd (root, state and socket under $E2E_TMP/ctd-NAME,
# CRI disabled), inside the namespace when there is one; drive it with `ctr_ ARGS...` (containerd
# namespace berth-e2e-NAME). Stopped by PID at exit.
start_containerd() {
  local name="$1" i
  CTD="$E2E_TMP/ctd-$name"
  CTD_NAMESPACE="berth-e2e-$name"
  export CTD CTD_NAMESPACE
  mkdir -p "$CTD"
  cat >"$CTD/config.toml" <<TOML
version = 2
root = "$CTD/root"
state = "$CTD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTD/containerd.sock"
[ttrpc]
  address = "$CTD/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$CTD/opt"
TOML
  "${E2E_NS_EXEC[@]}" containerd --config "$CTD/config.toml" >"$CTD/containerd.log" 2>&1 &
  CTD_PID=$!
  track_pid "$CTD_PID"
  for ((i = 0; i < 100; i++)); do
    ctr_ version >/dev/null 2>&1 && return 0
    kill -0 "$CTD_PID" 2>/dev/null || fail "containerd exited: $(tail -n 5 "$CTD/containerd.log")"
    sleep 0.1
  done
  fail "containerd did not answer on $CTD/containerd.sock within 10 s"
}

# ctr_ ARGS...: ctr against start_containerd's daemon, bounded in time. ctr itself makes the
# registry requests, so it runs inside the namespace too.
ctr_() {
  timeout "${CTR_TIMEOUT:-90}" "${E2E_NS_EXEC[@]}" ctr --address "$CTD/containerd.sock" --namespace "$CTD_NAMESPACE" "$@"
}

# e2e_enter_netns "$@": re-runs the whole test inside a network namespace of its own (loopback
# only), whose /etc/hosts maps each name in $E2E_NETNS_HOSTS to 127.0.0.1. `ip netns exec`
# bind-mounts /etc/netns/<ns>/hosts over /etc/hosts for the test and everything it starts, so
# clients that cannot be told a Host header (skopeo) reach a registry by its login server name
# while the daemon still listens on 127.0.0.1 -- without touching the machine's /etc/hosts.
# Call it before e2e_setup; the namespace and its hosts file are removed when the test ends.
e2e_enter_netns() {
  if [[ -n "${E2E_NETNS:-}" ]]; then
    ip link set lo up
    return 0
  fi
  [[ $(id -u) -eq 0 ]] || { echo "FAIL: $E2E_NAME: network namespaces need root" >&2; exit 1; }
  local ns="berth-e2e-$$" h rc=0
  ip netns add "$ns" || { echo "FAIL: $E2E_NAME: cannot create network namespace $ns" >&2; exit 1; }
  # shellcheck disable=SC2064
  trap "ip netns delete '$ns' 2>/dev/null; rm -rf '/etc/netns/$ns'" EXIT
  trap 'exit 130' INT TERM HUP
  mkdir -p "/etc/netns/$ns"
  {
    echo "127.0.0.1 localhost"
    echo "::1 localhost"
    for h in ${E2E_NETNS_HOSTS:-}; do echo "127.0.0.1 $h"; done
  } >"/etc/netns/$ns/hosts"
  E2E_NETNS="$ns" ip netns exec "$ns" bash "$0" "$@" || rc=$?
  exit "$rc"
}

# expect_cli_error STATUS DESCRIPTION CMD...: CMD must exit with STATUS and print exactly one
# line on stderr, starting "ERROR: ", and nothing on stdout. Sets CLI_ERR to that line.
expect_cli_error() {
  local want="$1" what="$2" rc=0 out lines
  shift 2
  out="$("$@" 2>"$E2E_TMP/cli.err" </dev/null)" || rc=$?
  CLI_ERR="$(cat "$E2E_TMP/cli.err")"
  lines="$(wc -l <"$E2E_TMP/cli.err")"
  [[ "$rc" == "$want" ]] || fail "$what: expected exit $want, got $rc (stderr: $CLI_ERR)"
  [[ "$lines" == 1 && "$CLI_ERR" == "ERROR: "* ]] || fail "$what: expected one 'ERROR: ' line on stderr, got: $CLI_ERR"
  [[ -z "$out" ]] || fail "$what: expected nothing on stdout, got: $out"
  ok "$what -> exit $rc: $CLI_ERR"
}
