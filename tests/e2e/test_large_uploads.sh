#!/usr/bin/env bash
# Large upload bodies (32 MiB and more, or of unknown length) take berth's pipelined path: two 4 MiB buffers in turn,
# one written past the page cache (O_DIRECT) while the next is received and hashed. Pins that
# every byte arrives intact whatever the alignment of the body in the blob, that a client that
# disappears mid-body or a full disk leaves the session consistent (its digest matches the bytes
# kept, so the client can resume), and that a wrong digest is still refused.
source "$(dirname "$0")/lib.sh"
need_pkgs curl jq python3
e2e_setup "$@"
start_registry

R=e2e/large
T="$E2E_TMP"
MIB=1048576
BIG=$((32 * MIB))  # the smallest body with a Content-Length that takes the pipelined path

# expect_blob DIGEST FILE WHAT: the registry serves exactly FILE's bytes under DIGEST.
expect_blob() {
  http GET "/v2/$R/blobs/$1"
  assert_status 200 "$3: GET blob"
  cmp -s "$HTTP_BODY" "$2" || fail "$3: blob content differs from what was pushed"
  ok "$3: content byte-identical"
}

# session_bytes: how many bytes the session at $LOC holds (from its Range header).
session_bytes() {
  http GET "$LOC"
  assert_status 204 "upload status"
  [[ -n "$(hdr Location)" ]] && LOC="$(hdr Location)"
  local range
  range="$(hdr Range)"
  [[ "$range" =~ ^0-([0-9]+)$ ]] || fail "upload status: Range '$range' is not 0-<end>"
  SESSION_BYTES=$((BASH_REMATCH[1] + 1))
}

# resume_and_close FILE WHAT: sends the rest of FILE from byte $SESSION_BYTES to the session at
# $LOC and checks the blob: the session's digest state must match the bytes it kept.
resume_and_close() {
  finish_upload_from "$LOC" "$1" "$SESSION_BYTES" "$2"
  expect_blob "$(sha256_file "$1")" "$1" "$2"
}

# ================================================================ monolithic, unaligned length
random_file "$T/mono.bin" $((BIG + MIB + 123))
D_MONO="$(sha256_file "$T/mono.bin")"
http POST "/v2/$R/blobs/uploads/?digest=$D_MONO" -H 'Content-Type: application/octet-stream' --data-binary @"$T/mono.bin"
assert_status 201 "monolithic POST of 33 MiB + 123 bytes"
assert_header Docker-Content-Digest "$D_MONO" "monolithic POST: Docker-Content-Digest"
expect_blob "$D_MONO" "$T/mono.bin" "monolithic 33 MiB + 123"

# ================================================================ session: small, large at an unaligned offset, large PUT
random_file "$T/whole.bin" $((5000 + BIG + 7 + BIG))
D_WHOLE="$(sha256_file "$T/whole.bin")"
file_slice "$T/whole.bin" 0 5000 >"$T/p1.bin"
file_slice "$T/whole.bin" 5000 $((BIG + 7)) >"$T/p2.bin"
file_slice "$T/whole.bin" $((5000 + BIG + 7)) >"$T/p3.bin"
http POST "/v2/$R/blobs/uploads/"
assert_status 202 "POST session"
LOC="$(hdr Location)"
http PATCH "$LOC" -H 'Content-Type: application/octet-stream' -H "Content-Range: 0-4999" --data-binary @"$T/p1.bin"
assert_status 202 "PATCH 5,000 bytes"
LOC="$(hdr Location)"
http PATCH "$LOC" -H 'Content-Type: application/octet-stream' \
  -H "Content-Range: 5000-$((5000 + BIG + 6))" --data-binary @"$T/p2.bin"
assert_status 202 "PATCH 32 MiB + 7 bytes starting at byte 5,000"
assert_header Range "0-$((5000 + BIG + 6))" "large PATCH: Range"
LOC="$(hdr Location)"
http PUT "$(add_query "$LOC" "digest=$D_WHOLE")" -H 'Content-Type: application/octet-stream' --data-binary @"$T/p3.bin"
assert_status 201 "PUT ?digest= carrying the last 32 MiB"
expect_blob "$D_WHOLE" "$T/whole.bin" "three-part session"

# ================================================================ chunked transfer encoding (length unknown up front)
random_file "$T/te.bin" $((11 * MIB + 5))
D_TE="$(sha256_file "$T/te.bin")"
http POST "/v2/$R/blobs/uploads/"
assert_status 202 "POST session for a streamed layer"
LOC="$(hdr Location)"
http PATCH "$LOC" -H 'Content-Type: application/octet-stream' -H 'Transfer-Encoding: chunked' --data-binary @"$T/te.bin"
assert_status 202 "PATCH 11 MiB + 5 bytes with Transfer-Encoding: chunked"
assert_header Range "0-$((11 * MIB + 4))" "streamed PATCH: Range"
LOC="$(hdr Location)"
http PUT "$(add_query "$LOC" "digest=$D_TE")" -H 'Content-Length: 0'
assert_status 201 "PUT ?digest= closes the streamed upload"
expect_blob "$D_TE" "$T/te.bin" "streamed layer"

# ================================================================ client gone mid-body, then resumed
random_file "$T/resume.bin" $((BIG + 8 * MIB))
SENT=$((9 * MIB + 100))
file_slice "$T/resume.bin" 0 "$SENT" >"$T/first.bin"
http POST "/v2/$R/blobs/uploads/"
assert_status 202 "POST session for an interrupted large PATCH"
LOC="$(hdr Location)"
send_partial PATCH "$(abs_url "$LOC")" $((BIG + 8 * MIB)) "$T/first.bin"
sleep 0.5
session_bytes
assert_eq "$SENT" "$SESSION_BYTES" "the session kept every byte that arrived before the client left"
resume_and_close "$T/resume.bin" "upload resumed after the client left"

# ================================================================ wrong digest
random_file "$T/wrong.bin" "$BIG"
D_CLAIM="sha256:$(printf '%064d' 7)"
http POST "/v2/$R/blobs/uploads/?digest=$D_CLAIM" -H 'Content-Type: application/octet-stream' --data-binary @"$T/wrong.bin"
assert_status 400 "32 MiB monolithic POST under a digest that does not match"
assert_error_code DIGEST_INVALID "wrong digest on a large body"
http HEAD "/v2/$R/blobs/$(sha256_file "$T/wrong.bin")"
assert_status 404 "no blob under the content's real digest"

# ================================================================ disk full mid-body, then resumed
if berth_only "a full disk mid-body keeps the session consistent"; then
  if [[ $(id -u) -ne 0 ]]; then
    skip "disk-full case needs root to mount a small tmpfs"
  else
    stop_registry
    E2E_DATA="$T/small"
    mkdir -p "$E2E_DATA"
    mount -t tmpfs -o size=64m tmpfs "$E2E_DATA" || fail "mount a 64 MiB tmpfs for the disk-full case"
    start_registry
    # Leave about 10 MiB free: the 40 MiB chunk below fails part of the way.
    avail=$(df --output=avail -B1 "$E2E_DATA" | tail -1)
    head -c $((avail - 10 * MIB)) /dev/zero >"$E2E_DATA/filler"
    random_file "$T/full.bin" $((BIG + 8 * MIB))
    http POST "/v2/$R/blobs/uploads/"
    assert_status 202 "POST session on the nearly full disk"
    LOC="$(hdr Location)"
    http PATCH "$LOC" -H 'Content-Type: application/octet-stream' \
      -H "Content-Range: 0-$((BIG + 8 * MIB - 1))" --data-binary @"$T/full.bin"
    assert_status 500 "PATCH of 40 MiB with 10 MiB free"
    # Clients get the generic internal-error text; the operator's log names the cause.
    grep -q "write upload .*No space left on device" "$REG_LOG" || fail "the daemon log does not name the full disk"
    ok "the daemon log names the full disk"
    session_bytes
    [[ $SESSION_BYTES -lt $((BIG + 8 * MIB)) ]] || fail "the session claims all 40 MiB after a failed write"
    ok "the session holds the $SESSION_BYTES bytes stored before the disk filled"
    rm -f "$E2E_DATA/filler"
    resume_and_close "$T/full.bin" "upload resumed after space was freed"
  fi
fi

e2e_done
