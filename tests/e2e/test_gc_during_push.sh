#!/usr/bin/env bash
# Garbage collection while the registry serves: the daemon collects every second while images
# are pushed and untagged concurrently. Every push must succeed, everything still tagged must be
# intact, untagged content must eventually go, and `berth gc --dry-run` must work beside the
# running daemon.
source "$(dirname "$0")/lib.sh"
need_pkgs skopeo umoci jq curl
e2e_setup "$@"
is_berth || { skip "garbage collection is berth's own (reference registry has only offline GC)"; e2e_done; exit 0; }

T="$E2E_TMP"
# Grace must exceed the time between a blob upload and its manifest; small images push in well
# under a second here.
cat >"$T/berth.yaml" <<YAML
gc:
  interval_seconds: 1
  grace_seconds: 4
YAML
BERTH_ARGS="--config $T/berth.yaml --management-listen off" start_registry

L="$T/layout"
for i in 1 2 3 4 5 6; do build_image "$L" "img$i" 2 256 amd64; done
ok "built 6 small images"

# Push each image, then untag the previous one, while GC runs every second.
R=e2e/gc
prev=""
for round in 1 2 3; do
  for i in 1 2 3 4 5 6; do
    push_layout "$L" "img$i" "$R:r$round-$i" || fail "push of img$i in round $round failed while GC ran"
    if [[ -n "$prev" ]]; then
      http DELETE "/v2/$R/manifests/$prev"
      assert_status 202 "untag $prev"
    fi
    prev="r$round-$i"
  done
done
ok "18 pushes succeeded while GC ran every second, each previous tag removed"

# The one remaining tag is intact.
M6="$(layout_digest "$L" img6)"
http GET "/v2/$R/manifests/$prev" -H 'Accept: application/vnd.oci.image.manifest.v1+json'
assert_status 200 "tag $prev still resolves"
assert_registry_has "$R" "$L" "$M6"

sleep 7  # beyond the grace period plus one collection
grep -q "gc: deleted" "$REG_LOG" || fail "the daemon log shows no collection"
deleted_blobs=$(grep -oE 'gc: deleted [0-9]+ manifests, [0-9]+ blobs' "$REG_LOG" | awk '{s+=$5} END {print s+0}')
(( deleted_blobs > 0 )) || fail "untagged content was never collected"
ok "scheduled GC deleted $deleted_blobs blobs of untagged images"
assert_registry_has "$R" "$L" "$M6"

# Untagged manifests are gone from the registry, the tagged one remains.
M1="$(layout_digest "$L" img1)"
http GET "/v2/$R/manifests/$M1" -H 'Accept: application/vnd.oci.image.manifest.v1+json'
assert_status 404 "an untagged manifest was collected"

out="$("$BERTH_BIN" gc --dry-run --data-dir "$E2E_DATA" --management-listen off 2>&1)" || fail "berth gc --dry-run failed: $out"
assert_match 'would delete [0-9]+ manifests, [0-9]+ blobs' "$out" "berth gc --dry-run summary"
out="$("$BERTH_BIN" gc --data-dir "$E2E_DATA" 2>&1)" && fail "berth gc ran while the daemon holds the data directory"
assert_match 'another berth process is using data directory' "$out" "offline gc refuses a live directory"

stop_registry
out="$("$BERTH_BIN" gc --data-dir "$E2E_DATA" --grace 0 2>&1)" || fail "offline berth gc failed: $out"
assert_match 'deleted [0-9]+ manifests, [0-9]+ blobs' "$out" "offline gc summary"
BERTH_ARGS="--management-listen off" start_registry
assert_registry_has "$R" "$L" "$M6"
e2e_done
