#!/usr/bin/env bash
# A second real client: containerd's ctr (containerd 1.6) with a private containerd whose
# root, state and socket live in the test's temp dir (CRI plugin disabled). Pulls and
# pushes with --plain-http, single images and an image index; content compared by sha256.
source "$(dirname "$0")/lib.sh"
need_pkgs containerd skopeo umoci jq curl python3
e2e_setup "$@"
start_registry

# ---------------------------------------------------------------- private containerd
start_containerd second
ok "private containerd running (pid $CTD_PID, socket $CTD/containerd.sock)"

# ctr_blob_check DIGEST FILE: content DIGEST in containerd's store equals FILE, byte for byte.
ctr_blob_check() {
  ctr_ content get "$1" >"$E2E_TMP/ctr.blob" || fail "ctr content get $1 failed"
  cmp -s "$E2E_TMP/ctr.blob" "$2" || fail "containerd's copy of $1 differs from $2"
}
# ctr_image_digest REF: target digest of an image in containerd's image store.
ctr_image_digest() {
  ctr_ images ls | awk -v r="$1" '$1 == r {print $3}'
}

L="$E2E_TMP/layout"

# ---------------------------------------------------------------- 1. skopeo push, ctr pull
build_image "$L" app 2 2048 amd64
APP="$(layout_digest "$L" app)"
push_layout "$L" app e2e/ctr/app:v1
ok "skopeo pushed e2e/ctr/app:v1 ($APP)"
ctr_ images pull --plain-http "$REG/e2e/ctr/app:v1" >"$E2E_TMP/pull1.log" 2>&1 ||
  { tail -n 20 "$E2E_TMP/pull1.log" >&2; fail "ctr images pull $REG/e2e/ctr/app:v1"; }
ok "ctr images pull --plain-http $REG/e2e/ctr/app:v1 (fetch + unpack)"
assert_eq "$APP" "$(ctr_image_digest "$REG/e2e/ctr/app:v1")" "ctr sees the pushed manifest digest"
n=0
for d in $(layout_closure "$L" "$APP" | sort -u); do
  ctr_blob_check "$d" "$(layout_blob "$L" "$d")"
  n=$((n + 1))
done
ok "$n blobs pulled by ctr are byte-identical to the source layout"

# ---------------------------------------------------------------- 2. ctr push (same content, new repo)
ctr_ images tag "$REG/e2e/ctr/app:v1" "$REG/e2e/ctr/pushed:v1" >/dev/null
ctr_ images push --plain-http "$REG/e2e/ctr/pushed:v1" >"$E2E_TMP/push1.log" 2>&1 ||
  { tail -n 20 "$E2E_TMP/push1.log" >&2; fail "ctr images push $REG/e2e/ctr/pushed:v1"; }
ok "ctr images push --plain-http $REG/e2e/ctr/pushed:v1"
assert_registry_has e2e/ctr/pushed "$L" "$APP"
http HEAD "/v2/e2e/ctr/pushed/manifests/v1" -H 'Accept: application/vnd.oci.image.manifest.v1+json'
assert_header Docker-Content-Digest "$APP" "tag pushed by ctr resolves to the same digest"

# ---------------------------------------------------------------- 3. content new to the registry, pushed by ctr
build_image "$L" fresh 2 1024 amd64
FRESH="$(layout_digest "$L" fresh)"
FL="$E2E_TMP/fresh-layout"
skopeo_ copy -q "oci:$L:fresh" "oci:$FL:fresh"
tar -C "$FL" -cf "$E2E_TMP/fresh.tar" oci-layout index.json blobs
ctr_ images import --base-name "$REG/e2e/ctr/fresh" "$E2E_TMP/fresh.tar" >"$E2E_TMP/import.log" 2>&1 ||
  { tail -n 20 "$E2E_TMP/import.log" >&2; fail "ctr images import"; }
assert_eq "$FRESH" "$(ctr_image_digest "$REG/e2e/ctr/fresh:fresh")" "ctr imported the locally built image"
ctr_ images push --plain-http "$REG/e2e/ctr/fresh:fresh" >"$E2E_TMP/push2.log" 2>&1 ||
  { tail -n 20 "$E2E_TMP/push2.log" >&2; fail "ctr images push $REG/e2e/ctr/fresh:fresh"; }
ok "ctr pushed an image whose blobs the registry had never seen"
assert_registry_has e2e/ctr/fresh "$L" "$FRESH"
OUT="$E2E_TMP/out-fresh"
skopeo_ copy -q --src-tls-verify=false "docker://$REG/e2e/ctr/fresh:fresh" "oci:$OUT:back"
assert_eq "$FRESH" "$(layout_digest "$OUT" back)" "skopeo pulls ctr's push back with the same digest"
assert_layout_same "$L" "$OUT" "$FRESH"

# ---------------------------------------------------------------- 4. image index
build_image "$L" amd 1 1024 amd64
build_image "$L" arm 1 1024 arm64
build_index "$L" multi amd arm
MULTI="$(layout_digest "$L" multi)"
push_layout "$L" multi e2e/ctr/multi:v1 --all
ok "skopeo pushed the image index e2e/ctr/multi:v1 ($MULTI)"
ctr_ images pull --plain-http --all-platforms "$REG/e2e/ctr/multi:v1" >"$E2E_TMP/pull2.log" 2>&1 ||
  { tail -n 20 "$E2E_TMP/pull2.log" >&2; fail "ctr images pull --all-platforms $REG/e2e/ctr/multi:v1"; }
ok "ctr images pull --all-platforms of an image index"
assert_eq "$MULTI" "$(ctr_image_digest "$REG/e2e/ctr/multi:v1")" "ctr sees the index digest"
n=0
for d in $(layout_closure "$L" "$MULTI" | sort -u); do
  ctr_blob_check "$d" "$(layout_blob "$L" "$d")"
  n=$((n + 1))
done
ok "$n objects of the index (index, 2 manifests, configs, layers) byte-identical in containerd"

ctr_ images tag "$REG/e2e/ctr/multi:v1" "$REG/e2e/ctr/multi-pushed:v1" >/dev/null
ctr_ images push --plain-http "$REG/e2e/ctr/multi-pushed:v1" >"$E2E_TMP/push3.log" 2>&1 ||
  { tail -n 20 "$E2E_TMP/push3.log" >&2; fail "ctr images push of the index"; }
ok "ctr images push of an image index to a new repository"
assert_registry_has e2e/ctr/multi-pushed "$L" "$MULTI"
http GET "/v2/e2e/ctr/multi-pushed/manifests/v1" -H 'Accept: application/vnd.oci.image.index.v1+json'
assert_status 200 "GET the index pushed by ctr"
assert_header Content-Type application/vnd.oci.image.index.v1+json "index Content-Type"
assert_eq "$MULTI" "$(sha256_file "$HTTP_BODY")" "index pushed by ctr is byte-identical"

# ---------------------------------------------------------------- 5. pull by digest, one platform
ctr_ images pull --plain-http --platform linux/arm64 "$REG/e2e/ctr/multi-pushed@$MULTI" >"$E2E_TMP/pull3.log" 2>&1 ||
  { tail -n 20 "$E2E_TMP/pull3.log" >&2; fail "ctr pull by digest"; }
ok "ctr images pull by digest (--platform linux/arm64)"

stop_pid "$CTD_PID" 10
untrack_pid "$CTD_PID"
ok "private containerd stopped"
e2e_done
