#!/usr/bin/env bash
# Regenerates src/cli/symbol-order.txt: the functions and data lld places first in berth's code
# and data (BERTH_LINK_ORDER in CMakeLists.txt; "Idle RSS" in docs/performance.md).
#
#   scripts/symbol-order.sh [BERTH_BINARY]      (default: build/src/cli/berth)
#
# Runs the daemon under callgrind, which sees every function executed (sampling misses the many
# that run once), in the benchmark's set-up (no auth, no management listener, log level error)
# and the README's (credentials required, management listener, default logging): a first start
# on a fresh data directory, a restart that only answers /v2/, and a restart that also serves a
# small push and the pulls and listings clients do (curl on 127.0.0.1). The idle restarts run
# once more under lackey, which traces every memory access, for the data they read.
# The file lists the functions an idle daemon has run (benchmark set-up, then README), then those
# the requests add, then those only a first start runs, each group most instructions first; then
# the data objects the idle daemon read. Its code and data thus fill as few pages as possible,
# and the request path's code follows. Needs valgrind, curl and python3; takes ~8 minutes.
# Regenerate after large changes: the link ignores names that no longer exist, and this script
# reports how many of the file's names the binary lacks (run it on a binary of the current tree).
set -Eeuo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$root/build/src/cli/berth}")
out=$root/src/cli/symbol-order.txt
for tool in valgrind curl python3; do
  command -v "$tool" >/dev/null || { echo "symbol-order: needs $tool" >&2; exit 1; }
done

work=$(mktemp -d /tmp/berth-symbol-order.XXXXXX)
daemon=
cleanup() {
  if [[ -n $daemon ]]; then kill -TERM "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "symbol-order: failed at line $LINENO" >&2' ERR

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
digest() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }

# requests URL DATA_DIR AUTH: a small push (new bytes every time), then pulls and listings.
requests() {
  local url=$1 data=$2 auth_mode=$3 auth=() mtype=application/vnd.oci.image.manifest.v1+json
  if [[ $auth_mode == required ]]; then
    # What docker, skopeo and containerd do: Basic credentials for a bearer token.
    local pw service token
    pw=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["password"])' \
      "$data/operator-credentials.json")
    service=$(curl -s -D - -o /dev/null "$url/v2/" | tr -d '\r' | sed -n 's/.*service="\([^"]*\)".*/\1/p')
    token=$(curl -sf -u "admin:$pw" \
      "$url/oauth2/token?service=$service&scope=repository:order/probe:pull,push&scope=registry:catalog:*" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    curl -sf -o /dev/null -u "admin:$pw" "$url/v2/"
    curl -s -o /dev/null "$url/v2/order/probe/tags/list"  # 401
    auth=(-H "Authorization: Bearer $token")
  fi
  local c=(curl -sf -o /dev/null "${auth[@]}")
  head -c 1048576 /dev/urandom >"$work/layer"
  printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["%s"]}}' \
    "$RANDOM$RANDOM" >"$work/config"
  local layer config manifest size
  layer=$(digest "$work/layer")
  config=$(digest "$work/config")
  size=$(stat -c %s "$work/config")
  printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":1048576}]}' \
    "$mtype" "$config" "$size" "$layer" >"$work/manifest"
  manifest=$(digest "$work/manifest")
  local repo=$url/v2/order/probe location sep i
  "${c[@]}" "$url/v2/"
  # Push: HEAD (404), a monolithic blob, a chunked one, the manifest.
  "${c[@]}" -I "$repo/blobs/$layer" || true
  "${c[@]}" -X POST -H 'Content-Type: application/octet-stream' --data-binary @"$work/layer" \
    "$repo/blobs/uploads/?digest=$layer"
  location=$(curl -sf "${auth[@]}" -o /dev/null -D - -X POST "$repo/blobs/uploads/" |
    tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
  [[ $location == /* ]] && location=$url$location
  [[ $location == *\?* ]] && sep='&' || sep='?'
  "${c[@]}" -X PATCH -H 'Content-Type: application/octet-stream' -H "Content-Range: 0-$((size - 1))" \
    --data-binary @"$work/config" "$location"
  "${c[@]}" -X PUT "$location${sep}digest=$config"
  "${c[@]}" -X PUT -H "Content-Type: $mtype" --data-binary @"$work/manifest" "$repo/manifests/v1"
  # Pulls and listings, twice: the second round finds what the first cached.
  for i in 1 2; do
    "${c[@]}" -H "Accept: $mtype" "$repo/manifests/v1"
    "${c[@]}" -I -H "Accept: $mtype" "$repo/manifests/v1"
    "${c[@]}" -H "Accept: $mtype" "$repo/manifests/$manifest"
    "${c[@]}" -I "$repo/blobs/$layer"
    "${c[@]}" "$repo/blobs/$config"
    "${c[@]}" "$repo/blobs/$layer"
    "${c[@]}" -H 'Range: bytes=0-99' "$repo/blobs/$layer"
    "${c[@]}" "$repo/tags/list"
    "${c[@]}" "$repo/tags/list?n=1"
    "${c[@]}" "$url/v2/_catalog"
    "${c[@]}" "$repo/manifests/missing" || true
  done
}

# Filters lackey's trace of every memory access down to the offsets in the binary's read-only
# and data mappings, in first-access order.
cat >"$work/data-filter.py" <<'EOF'
import os, re, sys
binary, out = os.path.realpath(sys.argv[1]), sys.argv[2]
ranges, seen = None, {}
for line in sys.stdin:
    if ranges is None:
        m = re.match(r"==(\d+)==", line)
        if not m:
            continue
        ranges, base = [], None  # the binary is mapped before the first line is written
        for entry in open(f"/proc/{m.group(1)}/maps"):
            f = entry.split()
            if len(f) >= 6 and os.path.realpath(f[5]) == binary:
                lo, hi = (int(x, 16) for x in f[0].split("-"))
                base = lo if base is None else base
                if "x" not in f[1]:
                    ranges.append((lo, hi))
        continue
    if line[:1] == " " and line[1:2] in "LSM":
        addr = int(line[3:line.index(",")], 16)
        if addr not in seen and any(lo <= addr < hi for lo, hi in ranges):
            seen[addr] = None
with open(out, "w") as f:
    f.write("".join(f"{a - base:x}\n" for a in seen))
EOF

# profile TOOL NAME AUTH DATA_DIR WITH_REQUESTS [serve flags...]: one start under valgrind
# (callgrind: functions run; lackey: data read), until /v2/ answers (and, on a first start, the
# operator's credentials are written), the requests if asked, SIGTERM.
profile() {
  local tool=$1 name=$2 auth_mode=$3 data=$4 with_requests=$5 port i filter=
  shift 5
  port=$(free_port)
  local vg=(valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/$name.out")
  if [[ $tool == lackey ]]; then
    mkfifo "$work/$name.trace"
    python3 "$work/data-filter.py" "$bin" "$work/$name.data" <"$work/$name.trace" &
    filter=$!
    vg=(valgrind --tool=lackey --trace-mem=yes --log-file="$work/$name.trace")
  fi
  "${vg[@]}" "$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" "$@" >"$work/$name.log" 2>&1 &
  daemon=$!
  for ((i = 0; i < 3000; i++)); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/v2/" &&
      [[ $auth_mode != required || -s $data/operator-credentials.json ]]; then
      break
    fi
    kill -0 "$daemon" 2>/dev/null || { cat "$work/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  if [[ $with_requests == yes ]]; then
    requests "http://127.0.0.1:$port" "$data" "$auth_mode"
  fi
  kill -TERM "$daemon"
  wait "$daemon" || true
  daemon=
  [[ -z $filter ]] || wait "$filter"
  echo "symbol-order: profiled $name ($tool)" >&2
}

bench=(--authentication disabled --management-listen off --log-level error)
readme=(--management-listen "127.0.0.1:$(free_port)")
profile callgrind bench-first disabled "$work/bench" no "${bench[@]}"
profile callgrind bench-idle disabled "$work/bench" no "${bench[@]}"
profile callgrind bench-requests disabled "$work/bench" yes "${bench[@]}"
profile callgrind readme-first required "$work/readme" no "${readme[@]}"
profile callgrind readme-idle required "$work/readme" no "${readme[@]}"
profile callgrind readme-requests required "$work/readme" yes "${readme[@]}"
profile lackey bench-idle disabled "$work/bench" no "${bench[@]}"
profile lackey readme-idle required "$work/readme" no "${readme[@]}"

nm -S --defined-only "$bin" >"$work/symbols"
readelf -SW "$bin" >"$work/sections"
python3 - "$bin" "$out" "$work" bench-idle readme-idle bench-requests readme-requests \
  bench-first readme-first <<'EOF'
import bisect, collections, os, re, sys
binary, out, work, runs = os.path.realpath(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]

def costs(path):
    """Instructions executed per function of the binary (self cost) in one callgrind output."""
    cost = collections.Counter()
    names, objs = {}, {}
    ob = fn = None
    inclusive_next = False
    for line in open(path, errors="replace"):
        m = re.match(r"(c?)(ob|fn|fl|fi|fe)=(?:\((\d+)\))?\s*(.*)", line)
        if m:
            callee, kind, ident, name = m.groups()
            if kind in ("ob", "fn"):
                table = objs if kind == "ob" else names
                name = name.strip()
                if ident and name:
                    table[ident] = name
                value = table.get(ident, name) if ident else name
                if not callee:
                    if kind == "ob":
                        ob = value
                    else:
                        fn = value
            continue
        if line.startswith("calls="):
            inclusive_next = True  # the next cost line is the call's inclusive cost
        elif line[:1].isdigit() or line[:1] in "+-*":
            if inclusive_next:
                inclusive_next = False
            elif ob and fn and os.path.realpath(ob) == binary:
                parts = line.split()
                if len(parts) > 1:
                    cost[re.sub(r"'\d+$", "", fn)] += int(parts[1])  # 'N: recursion depth
    return cost

placed, order = set(), []
for run in runs:
    cost = costs(os.path.join(work, run + ".out"))
    new = sorted((n for n in cost if n not in placed and not n.startswith(("0x", "("))),
                 key=lambda n: (-cost[n], n))
    placed.update(new)
    order += new
    print(f"symbol-order: {run}: {len(new)} more functions", file=sys.stderr)
functions = len(order)

# Then the read-only objects the idle daemon read, in the order it first read them, so that they
# share pages too (relocated and writable data is dirty anyway). Literal strings have no symbol
# and stay where they are.
m = re.search(r"\]\s+\.rodata\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)",
              open(os.path.join(work, "sections")).read())
rodata = (int(m[1], 16), int(m[1], 16) + int(m[2], 16))
objects = []
for line in open(os.path.join(work, "symbols")):
    f = line.split()
    if len(f) == 4 and rodata[0] <= int(f[0], 16) < rodata[1] and int(f[1], 16):
        objects.append((int(f[0], 16), int(f[0], 16) + int(f[1], 16), f[3]))
objects.sort()
starts = [o[0] for o in objects]
for run in ("bench-idle", "readme-idle"):
    for line in open(os.path.join(work, run + ".data")):
        offset = int(line, 16)
        i = bisect.bisect_right(starts, offset) - 1
        # Names numbered by the compiler (CSWTCH.12) change from one build to the next.
        if (i >= 0 and offset < objects[i][1] and objects[i][2] not in placed
                and not re.search(r"\.\d+$", objects[i][2])):
            placed.add(objects[i][2])
            order.append(objects[i][2])
with open(out, "w") as f:
    f.write("".join(n + "\n" for n in order))
print(f"symbol-order: {functions} functions and {len(order) - functions} read-only objects "
      f"written to {out}", file=sys.stderr)
EOF

nm --defined-only "$bin" | awk '{print $3}' | sort -u >"$work/defined"
stale=$(sort -u "$out" | comm -23 - "$work/defined" | wc -l)
echo "symbol-order: $stale of them are not defined in $bin" >&2
