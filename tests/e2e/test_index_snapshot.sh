#!/usr/bin/env bash
# The index snapshot (docs/operations.md "Index snapshot"): a clean stop writes the registry's
# index to <data-dir>/index/default.snapshot; the next start maps it instead of reading the
# catalog, and serves exactly the same content. Checked with skopeo and curl across:
#   - a SIGTERM restart (snapshot written, then mapped),
#   - pushes, a tag deletion and a mount after a mapped start (the next snapshot keeps them),
#   - a restart with nothing changed (the file is not rewritten),
#   - a SIGKILL after a push (no snapshot for that state: the catalog is read, nothing lost),
#   - a damaged file (logged, not used, nothing lost),
#   - an offline `berth gc` that deletes a blob (the snapshot is voided).
source "$(dirname "$0")/lib.sh"
need_pkgs skopeo umoci jq curl
e2e_setup "$@"
berth_only "the index snapshot is berth's own"
export BERTH_ARGS="--log-level debug"
start_registry

T="$E2E_TMP"
L="$T/layout"
SNAP="$E2E_DATA/index/default.snapshot"

# assert_index_from snapshot|catalog: what the current start's log says about the index.
assert_index_from() {
  case "$1" in
    snapshot) grep -q "registry 'default': index mapped from $SNAP" "$REG_LOG" ||
                fail "start $REG_STARTS did not map the index snapshot (log: $REG_LOG)" ;;
    catalog) grep -q "registry 'default': index read from the catalog" "$REG_LOG" ||
               fail "start $REG_STARTS did not read the catalog (log: $REG_LOG)" ;;
  esac
  ok "start $REG_STARTS: index from the $1"
}
# catalog_names: the repositories of GET /v2/_catalog, one per line, in order.
catalog_names() {
  http GET "/v2/_catalog"
  assert_status 200 "GET /v2/_catalog" >&2
  jq -r '.repositories[]' "$HTTP_BODY"
}
tags_of() {
  http GET "/v2/$1/tags/list"
  assert_status 200 "GET tags of $1" >&2
  jq -r '.tags | join(",")' "$HTTP_BODY"
}

assert_index_from catalog
build_image "$L" a 2 512 amd64
build_image "$L" b 1 256 amd64
A="$(layout_digest "$L" a)"
B="$(layout_digest "$L" b)"
push_layout "$L" a "e2e/snap/a:v1"
push_layout "$L" a "e2e/snap/a:v2"
push_layout "$L" b "e2e/snap/b:v1"
# enough repositories that the directory spans several pages of the file
for i in $(seq -w 1 40); do
  skopeo_ copy -q --src-tls-verify=false --dest-tls-verify=false \
    "docker://$REG/e2e/snap/b:v1" "docker://$REG/e2e/many/r$i:t$i"
done
ok "pushed 2 images into 2 repositories and 40 more repositories"
CATALOG="$(catalog_names)"
[[ "$(wc -l <<<"$CATALOG")" == 42 ]] || fail "catalog holds $(wc -l <<<"$CATALOG") repositories, expected 42: $(tr "\n" " " <<<"$CATALOG")"

# ---------------------------------------------------------------- clean restart: written, mapped
restart_registry
grep -q "registry 'default': index snapshot written" "$E2E_TMP/registry.1.log" ||
  fail "the SIGTERM stop did not write the snapshot"
[[ -s "$SNAP" ]] || fail "no snapshot file at $SNAP"
ok "SIGTERM wrote $(stat -c %s "$SNAP") bytes to $SNAP"
assert_index_from snapshot
assert_eq "$CATALOG" "$(catalog_names)" "catalog after a mapped start"
assert_eq "v1,v2" "$(tags_of e2e/snap/a)" "tags of e2e/snap/a after a mapped start"
assert_eq "t17" "$(tags_of e2e/many/r17)" "tags of e2e/many/r17 after a mapped start"
assert_registry_has e2e/snap/a "$L" "$A"
assert_registry_has e2e/many/r40 "$L" "$B"
http GET "/v2/no/such/repo/tags/list"
assert_status 404 "an unknown repository is still unknown"

# ---------------------------------------------------------------- writes after a mapped start
build_image "$L" c 1 256 amd64
C="$(layout_digest "$L" c)"
push_layout "$L" c "e2e/snap/c:v1"
push_layout "$L" c "e2e/many/r05:extra"
http DELETE "/v2/e2e/snap/a/manifests/v2"
assert_status 202 "DELETE tag v2 of e2e/snap/a"
LAYER="$(jq -r '.layers[0].digest' "$(layout_blob "$L" "$B")")"
http POST "/v2/e2e/mounted/blobs/uploads/?mount=$LAYER&from=e2e/snap/b"
assert_status 201 "mount a layer of b into a new repository"
CATALOG="$(catalog_names)"
restart_registry
assert_index_from snapshot
assert_eq "$CATALOG" "$(catalog_names)" "catalog after writes and a restart"
assert_eq "v1" "$(tags_of e2e/snap/a)" "the deleted tag stays deleted"
assert_eq "extra,t05" "$(tags_of e2e/many/r05)" "the tag pushed after a mapped start is kept"
assert_registry_has e2e/snap/c "$L" "$C"
assert_registry_has e2e/many/r05 "$L" "$C"
http HEAD "/v2/e2e/mounted/blobs/$LAYER"
assert_status 200 "the mounted layer is kept"

# ---------------------------------------------------------------- nothing changed: not rewritten
BEFORE="$(stat -c %Y.%i "$SNAP")"
sleep 1
restart_registry
assert_eq "$BEFORE" "$(stat -c %Y.%i "$SNAP")" "a stop with nothing changed leaves the file alone"
if grep -q "index snapshot written" "$E2E_TMP/registry.$((REG_STARTS - 1)).log"; then
  fail "a stop with nothing changed wrote the snapshot again"
fi
assert_index_from snapshot

# ---------------------------------------------------------------- crash: the catalog is read
build_image "$L" d 1 256 amd64
D="$(layout_digest "$L" d)"
push_layout "$L" d "e2e/snap/d:v1"
kill_registry
start_registry
assert_index_from catalog
assert_registry_has e2e/snap/d "$L" "$D"
assert_registry_has e2e/snap/c "$L" "$C"
assert_eq "v1" "$(tags_of e2e/snap/a)" "state before the crash"

# ---------------------------------------------------------------- damaged file: not used
stop_registry
head -c -1 "$SNAP" >"$T/cut" && cat "$T/cut" >"$SNAP"
start_registry
grep -q "not using the index snapshot" "$REG_LOG" || fail "a cut-short snapshot was not reported"
assert_index_from catalog
assert_registry_has e2e/snap/d "$L" "$D"

# ---------------------------------------------------------------- offline gc voids the snapshot
http DELETE "/v2/e2e/snap/d/manifests/$D"
assert_status 202 "DELETE manifest d"
stop_registry
[[ -s "$SNAP" ]] || fail "no snapshot after the stop"
"$BERTH_BIN" gc --data-dir "$E2E_DATA" --grace 0 >"$T/gc.out" 2>&1 || fail "berth gc failed: $(cat "$T/gc.out")"
grep -q "deleted blob" "$T/gc.out" || fail "berth gc deleted no blob: $(cat "$T/gc.out")"
ok "offline berth gc: $(grep -c deleted "$T/gc.out") items deleted"
start_registry
assert_index_from catalog
for d in $(layout_closure "$L" "$D" | sort -u); do
  http HEAD "/v2/e2e/snap/d/blobs/$d"
  [[ "$HTTP_STATUS" == 404 ]] || fail "blob $d of the collected image still answers $HTTP_STATUS"
done
ok "what gc deleted is gone after the restart"
assert_registry_has e2e/snap/c "$L" "$C"

e2e_done
