#!/usr/bin/env bash
# skopeo against the registry: push (OCI and Docker v2s2), inspect, list-tags, pull back
# byte-identical, repo-to-repo copy (cross-repo mount), multi-arch index, delete by digest.
source "$(dirname "$0")/lib.sh"
need_pkgs skopeo umoci jq curl python3
e2e_setup "$@"
start_registry

L="$E2E_TMP/layout"
build_image "$L" app 3 2048 amd64
APP_DIGEST="$(layout_digest "$L" app)"
APP_MANIFEST="$(layout_blob "$L" "$APP_DIGEST")"
APP_CONFIG="$(jq -r .config.digest "$APP_MANIFEST")"
mapfile -t APP_LAYERS < <(jq -r '.layers[].digest' "$APP_MANIFEST")
log "built image app: $APP_DIGEST (${#APP_LAYERS[@]} layers)"

# --- push as OCI and as Docker v2s2 --------------------------------------------------------
push_layout "$L" app e2e/app:v1 --format oci
ok "skopeo push oci:app -> $REG/e2e/app:v1 (OCI)"
push_layout "$L" app e2e/app:v1-docker --format v2s2
ok "skopeo push oci:app -> $REG/e2e/app:v1-docker (--format v2s2)"

# --- inspect --------------------------------------------------------------------------------
skopeo_ inspect --tls-verify=false --raw "docker://$REG/e2e/app:v1" >"$E2E_TMP/v1.raw"
assert_eq "$APP_DIGEST" "$(sha256_file "$E2E_TMP/v1.raw")" "raw OCI manifest pulled back unchanged"
http HEAD "/v2/e2e/app/manifests/v1" -H 'Accept: application/vnd.oci.image.manifest.v1+json'
assert_status 200 "HEAD OCI manifest by tag"
assert_header Content-Type application/vnd.oci.image.manifest.v1+json "v1 is served as an OCI manifest"
assert_header Docker-Content-Digest "$APP_DIGEST" "Docker-Content-Digest of the OCI manifest"

skopeo_ inspect --tls-verify=false "docker://$REG/e2e/app:v1" >"$E2E_TMP/v1.inspect"
assert_eq "$APP_DIGEST" "$(jq -r .Digest "$E2E_TMP/v1.inspect")" "skopeo inspect reports the pushed digest"
assert_eq amd64 "$(jq -r .Architecture "$E2E_TMP/v1.inspect")" "skopeo inspect reads the config (architecture)"
assert_eq "${APP_LAYERS[*]}" "$(jq -r '.Layers | join(" ")' "$E2E_TMP/v1.inspect")" "skopeo inspect lists the layers"

skopeo_ inspect --tls-verify=false --config --raw "docker://$REG/e2e/app:v1" >"$E2E_TMP/v1.config"
assert_eq "$APP_CONFIG" "$(sha256_file "$E2E_TMP/v1.config")" "config blob pulled back unchanged"

skopeo_ inspect --tls-verify=false --raw "docker://$REG/e2e/app:v1-docker" >"$E2E_TMP/v1d.raw"
assert_eq application/vnd.docker.distribution.manifest.v2+json "$(jq -r .mediaType "$E2E_TMP/v1d.raw")" "v1-docker is a Docker v2s2 manifest"
assert_eq "${APP_LAYERS[*]}" "$(jq -r '[.layers[].digest] | join(" ")' "$E2E_TMP/v1d.raw")" "v2s2 manifest references the same layer blobs"
assert_eq "$APP_CONFIG" "$(jq -r .config.digest "$E2E_TMP/v1d.raw")" "v2s2 manifest references the same config blob"
V1D_DIGEST="$(sha256_file "$E2E_TMP/v1d.raw")"
http HEAD "/v2/e2e/app/manifests/v1-docker" -H 'Accept: application/vnd.docker.distribution.manifest.v2+json'
assert_status 200 "HEAD v2s2 manifest by tag"
assert_header Docker-Content-Digest "$V1D_DIGEST" "Docker-Content-Digest of the v2s2 manifest"

# --- list-tags ------------------------------------------------------------------------------
skopeo_ list-tags --tls-verify=false "docker://$REG/e2e/app" >"$E2E_TMP/tags.json"
assert_eq "v1 v1-docker" "$(jq -r '.Tags | sort | join(" ")' "$E2E_TMP/tags.json")" "skopeo list-tags"

# --- copy back out --------------------------------------------------------------------------
OUT="$E2E_TMP/out-oci"
skopeo_ copy -q --src-tls-verify=false "docker://$REG/e2e/app:v1" "oci:$OUT:back"
assert_eq "$APP_DIGEST" "$(layout_digest "$OUT" back)" "oci: copy has the same manifest digest"
assert_layout_same "$L" "$OUT" "$APP_DIGEST"

DIR="$E2E_TMP/out-dir"
skopeo_ copy -q --src-tls-verify=false "docker://$REG/e2e/app:v1-docker" "dir:$DIR"
assert_eq "$V1D_DIGEST" "$(sha256_file "$DIR/manifest.json")" "dir: copy has the v2s2 manifest unchanged"
for d in "$APP_CONFIG" "${APP_LAYERS[@]}"; do
  [[ -f "$DIR/${d#sha256:}" ]] || fail "dir: copy lacks blob $d"
  [[ "$(sha256_file "$DIR/${d#sha256:}")" == "$d" ]] || fail "dir: copy of $d differs"
  cmp -s "$DIR/${d#sha256:}" "$(layout_blob "$L" "$d")" || fail "dir: copy of $d differs from the source"
done
ok "dir: copy has config + ${#APP_LAYERS[@]} layers byte-identical to the source"

# --- repo-to-repo on the same registry (cross-repo blob mount) -------------------------------
skopeo_ --debug copy --src-tls-verify=false --dest-tls-verify=false \
  "docker://$REG/e2e/app:v1" "docker://$REG/e2e/mounted/app:v1" >"$E2E_TMP/r2r.log" 2>&1 ||
  { tail -n 20 "$E2E_TMP/r2r.log" >&2; fail "skopeo repo-to-repo copy failed"; }
ok "skopeo copy $REG/e2e/app:v1 -> $REG/e2e/mounted/app:v1"
MOUNTS="$(grep -c 'Trying to mount' "$E2E_TMP/r2r.log" || true)"
UPLOADS="$(grep -c 'msg="PATCH ' "$E2E_TMP/r2r.log" || true)"
if [[ "$MOUNTS" -gt 0 ]]; then
  ok "skopeo asked for $MOUNTS cross-repo mounts (?mount=&from=); $UPLOADS blobs uploaded instead"
else
  note "skopeo tried no cross-repo mount (it only does when its blob-info cache knows a source repo)"
fi
assert_registry_has e2e/mounted/app "$L" "$APP_DIGEST"

# --- multi-arch image index -----------------------------------------------------------------
build_image "$L" amd 1 1024 amd64
build_image "$L" arm 1 1024 arm64
build_index "$L" multi amd arm
MULTI_DIGEST="$(layout_digest "$L" multi)"
push_layout "$L" multi e2e/multi:v1 --all
ok "skopeo copy --all of an OCI image index (2 platforms)"
skopeo_ inspect --tls-verify=false --raw "docker://$REG/e2e/multi:v1" >"$E2E_TMP/multi.raw"
assert_eq "$MULTI_DIGEST" "$(sha256_file "$E2E_TMP/multi.raw")" "image index pulled back unchanged"
assert_eq application/vnd.oci.image.index.v1+json "$(jq -r .mediaType "$E2E_TMP/multi.raw")" "index media type"
assert_registry_has e2e/multi "$L" "$MULTI_DIGEST"
OUT2="$E2E_TMP/out-multi"
skopeo_ copy -q --all --src-tls-verify=false "docker://$REG/e2e/multi:v1" "oci:$OUT2:multi"
assert_eq "$MULTI_DIGEST" "$(layout_digest "$OUT2" multi)" "copy --all back: same index digest"
assert_layout_same "$L" "$OUT2" "$MULTI_DIGEST"
skopeo_ inspect --tls-verify=false --override-arch arm64 "docker://$REG/e2e/multi:v1" >"$E2E_TMP/multi-arm.inspect"
assert_eq arm64 "$(jq -r .Architecture "$E2E_TMP/multi-arm.inspect")" "platform selection through the index picks the arm64 image"
assert_eq "$(jq -r '.layers[0].digest' "$(layout_blob "$L" "$(layout_digest "$L" arm)")")" \
  "$(jq -r '.Layers[0]' "$E2E_TMP/multi-arm.inspect")" "arm64 image's layer seen through the index"

# --- delete by digest -----------------------------------------------------------------------
skopeo_ delete --tls-verify=false "docker://$REG/e2e/app@$V1D_DIGEST"
ok "skopeo delete $REG/e2e/app@$V1D_DIGEST"
if skopeo_ inspect --tls-verify=false --raw "docker://$REG/e2e/app@$V1D_DIGEST" >/dev/null 2>"$E2E_TMP/inspect-deleted.err"; then
  fail "deleted manifest $V1D_DIGEST can still be inspected"
fi
ok "skopeo inspect of the deleted manifest fails"
http GET "/v2/e2e/app/manifests/$V1D_DIGEST" -H 'Accept: application/vnd.docker.distribution.manifest.v2+json'
assert_status 404 "GET deleted manifest by digest"
http GET "/v2/e2e/app/manifests/v1" -H 'Accept: application/vnd.oci.image.manifest.v1+json'
assert_status 200 "the other manifest (v1) is untouched"
assert_eq "$APP_DIGEST" "$(sha256_file "$HTTP_BODY")" "v1 manifest still byte-identical"
skopeo_ list-tags --tls-verify=false "docker://$REG/e2e/app" >"$E2E_TMP/tags2.json"
note "tags after delete: $(jq -c .Tags "$E2E_TMP/tags2.json")"

e2e_done
