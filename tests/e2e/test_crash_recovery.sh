#!/usr/bin/env bash
# Crash recovery: SIGKILL the registry while a chunked curl upload and a skopeo push are in
# flight, restart it on the same data dir, and check that
#   - every blob and manifest completed before the crash is intact (sha256),
#   - no digest names partial bytes,
#   - the interrupted upload session can be finished (GET status -> Range, PATCH, PUT) or,
#     if the registry dropped it, retried from scratch,
#   - skopeo can push again, and a clean SIGTERM restart keeps everything.
source "$(dirname "$0")/lib.sh"
need_pkgs skopeo umoci jq curl python3
e2e_setup "$@"
start_registry

T="$E2E_TMP"
L="$T/layout"
MIB=1048576
R=e2e/crash

# ---------------------------------------------------------------- completed before the crash
random_file "$T/done.bin" $((3 * MIB))
D_DONE="$(upload_blob "$R" "$T/done.bin")"
ok "blob uploaded before the crash: $D_DONE"

build_image "$L" a 2 2048 amd64
A="$(layout_digest "$L" a)"
push_layout "$L" a "$R/a:v1"
ok "image a pushed before the crash: $A"

# a large blob uploaded in chunks; the first chunk completes, the second is in flight at the crash
CHUNK=$((16 * MIB))
random_file "$T/large.bin" $((3 * CHUNK))
D_LARGE="$(sha256_file "$T/large.bin")"
file_slice "$T/large.bin" 0 "$CHUNK" >"$T/large.0"
file_slice "$T/large.bin" "$CHUNK" "$CHUNK" >"$T/large.1"
http POST "/v2/$R/blobs/uploads/"
assert_status 202 "POST upload session for the large blob"
LOC="$(hdr Location)"
http PATCH "$LOC" -H 'Content-Type: application/octet-stream' -H "Content-Range: 0-$((CHUNK - 1))" --data-binary @"$T/large.0"
assert_status 202 "PATCH first 16 MiB chunk"
LOC="$(hdr Location)"
ACKED=$CHUNK

# an idle session: one chunk acknowledged, nothing in flight at the crash
random_file "$T/idle.bin" $((2 * MIB))
file_slice "$T/idle.bin" 0 "$MIB" >"$T/idle.0"
http POST "/v2/$R/blobs/uploads/"
assert_status 202 "POST an upload session that will sit idle"
http PATCH "$(hdr Location)" -H 'Content-Type: application/octet-stream' -H "Content-Range: 0-$((MIB - 1))" --data-binary @"$T/idle.0"
assert_status 202 "PATCH 1 MiB into the idle session"
IDLE_LOC="$(hdr Location)"

# image b: bigger, pushed in the background while the registry is killed
build_image "$L" b 2 24576 amd64
B="$(layout_digest "$L" b)"

# second chunk at 4 MB/s: guaranteed to be mid-body when the registry dies
curl -sS --max-time 60 --limit-rate 4M -o /dev/null -X PATCH -H 'Content-Type: application/octet-stream' \
  -H "Content-Range: $CHUNK-$((2 * CHUNK - 1))" --data-binary @"$T/large.1" "$(abs_url "$LOC")" \
  >"$T/curl-inflight.log" 2>&1 &
CURL_PID=$!
track_pid "$CURL_PID"
skopeo_ copy -q --dest-tls-verify=false "oci:$L:b" "docker://$REG/$R/b:v1" >"$T/skopeo-inflight.log" 2>&1 &
SKOPEO_PID=$!
track_pid "$SKOPEO_PID"

# kill once the data dir has grown by a few MiB (both uploads are moving), at most after 3 s
base_kb="$(du -sk "$E2E_DATA" | cut -f1)"
for ((i = 0; i < 60; i++)); do
  sleep 0.05
  now_kb="$(du -sk "$E2E_DATA" | cut -f1)"
  [[ $((now_kb - base_kb)) -ge 6144 ]] && break
  kill -0 "$SKOPEO_PID" 2>/dev/null || break
done
sleep 0.2
kill_registry
ok "registry SIGKILLed $(( $(du -sk "$E2E_DATA" | cut -f1) - base_kb )) KiB into the in-flight uploads"
if wait "$CURL_PID" 2>/dev/null; then note "in-flight PATCH finished before the kill"; else ok "in-flight PATCH was cut off"; fi
untrack_pid "$CURL_PID"
if wait "$SKOPEO_PID" 2>/dev/null; then
  note "skopeo push of b completed before the kill"
  B_DONE=1
else
  ok "skopeo push of b was cut off"
  B_DONE=0
fi
untrack_pid "$SKOPEO_PID"

# ---------------------------------------------------------------- restart on the same data
start_registry
ok "registry restarted on the same data dir ($REG)"

http GET "/v2/$R/blobs/$D_DONE"
assert_status 200 "blob completed before the crash is there"
assert_eq "$D_DONE" "$(sha256_file "$HTTP_BODY")" "blob completed before the crash is intact"
skopeo_ inspect --tls-verify=false --raw "docker://$REG/$R/a:v1" >"$T/a.raw"
assert_eq "$A" "$(sha256_file "$T/a.raw")" "manifest of image a intact"
assert_registry_has "$R/a" "$L" "$A"

# whatever of image b made it must be exactly right; partial blobs must not exist
n_present=0
for d in $(layout_closure "$L" "$B" | sort -u); do
  [[ "$d" == "$B" ]] && continue
  http HEAD "/v2/$R/b/blobs/$d"
  if [[ "$HTTP_STATUS" == 200 ]]; then
    http GET "/v2/$R/b/blobs/$d"
    [[ "$(sha256_file "$HTTP_BODY")" == "$d" ]] || fail "blob $d of the interrupted push exists but holds other bytes"
    n_present=$((n_present + 1))
  elif [[ "$HTTP_STATUS" != 404 ]]; then
    fail "HEAD $d after the crash: HTTP $HTTP_STATUS"
  fi
done
ok "$n_present blobs of the interrupted push survived, each with the right bytes; the rest are absent"
http GET "/v2/$R/b/manifests/v1" -H 'Accept: application/vnd.oci.image.manifest.v1+json'
if [[ "$HTTP_STATUS" == 200 ]]; then
  assert_eq "$B" "$(sha256_file "$HTTP_BODY")" "tag of the interrupted push, if present, names the right manifest"
  [[ $B_DONE == 1 ]] || note "manifest of b was committed although skopeo reported a failure"
else
  [[ $B_DONE == 0 ]] || fail "skopeo reported success for b but its tag is gone after the crash (HTTP $HTTP_STATUS)"
  ok "tag of the interrupted push is absent (HTTP $HTTP_STATUS)"
fi

# ---------------------------------------------------------------- finish or retry the interrupted uploads
# finish_or_retry WHAT LOCATION FILE ACKED_BYTES
finish_or_retry() {
  local what="$1" loc="$2" file="$3" acked="$4" d range off
  d="$(sha256_file "$file")"
  http GET "$loc"
  if [[ "$HTTP_STATUS" == 204 ]]; then
    range="$(hdr Range)"
    [[ "$range" =~ ^(bytes=)?0-([0-9]+)$ ]] || fail "$what: upload status after restart: bad Range '$range'"
    off=$((BASH_REMATCH[2] + 1))
    ok "$what: session survived the crash: Range $range ($off bytes)"
    if [[ $off -lt $acked ]]; then
      if is_berth; then fail "$what: the session lost acknowledged bytes: $off < $acked"; fi
      note "$what: the session lost acknowledged bytes: $off < $acked"
    fi
    [[ -n "$(hdr Location)" ]] && loc="$(hdr Location)"
    finish_upload_from "$loc" "$file" "$off" "$what"
    ok "$what: upload FINISHED after the restart"
  else
    if is_berth; then
      assert_status 404 "$what: upload status of a session the registry dropped"
      assert_error_code BLOB_UPLOAD_UNKNOWN "$what: dropped session"
    fi
    note "$what: the registry dropped the session (HTTP $HTTP_STATUS $(jq -r '.errors[0].code? // empty' "$HTTP_BODY" 2>/dev/null)); retrying from scratch"
    upload_blob "$R" "$file" >/dev/null
    ok "$what: upload RETRIED after the restart"
  fi
  http GET "/v2/$R/blobs/$d"
  assert_status 200 "$what: blob is there"
  assert_eq "$d" "$(sha256_file "$HTTP_BODY")" "$what: blob is intact"
}
finish_or_retry "idle session" "$IDLE_LOC" "$T/idle.bin" "$MIB"
finish_or_retry "session with a PATCH in flight" "$LOC" "$T/large.bin" "$ACKED"

# ---------------------------------------------------------------- push again
push_layout "$L" b "$R/b:v1"
ok "skopeo push of b works after the crash"
assert_registry_has "$R/b" "$L" "$B"
OUT="$T/out-b"
skopeo_ copy -q --src-tls-verify=false "docker://$REG/$R/b:v1" "oci:$OUT:b"
assert_layout_same "$L" "$OUT" "$B"

# ---------------------------------------------------------------- clean restart keeps everything
restart_registry
ok "registry restarted after SIGTERM ($REG)"
assert_registry_has "$R/a" "$L" "$A"
assert_registry_has "$R/b" "$L" "$B"
http HEAD "/v2/$R/blobs/$D_LARGE"
assert_status 200 "large blob survives a clean restart"
http HEAD "/v2/$R/blobs/$(sha256_file "$T/idle.bin")"
assert_status 200 "blob of the idle session survives a clean restart"
http HEAD "/v2/$R/blobs/$D_DONE"
assert_status 200 "first blob survives a clean restart"

e2e_done
