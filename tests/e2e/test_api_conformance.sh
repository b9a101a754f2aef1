#!/usr/bin/env bash
# curl-driven checks of the OCI distribution API (v1.1) semantics: uploads (monolithic,
# chunked, streamed), ranges, mounts, manifests, tags and catalog pagination, deletes,
# referrers, error bodies, interrupted uploads, Host routing.
# Checks the Go reference registry 2.8 cannot pass (v1.1 features) run only when
# E2E_TARGET=berth and print a "skip" line otherwise.
source "$(dirname "$0")/lib.sh"
need_pkgs curl jq python3
e2e_setup "$@"
start_registry

R=e2e/api
OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
OCI_INDEX=application/vnd.oci.image.index.v1+json
T="$E2E_TMP"

# ================================================================ base
http GET /v2/
assert_status 200 "GET /v2/"
assert_header Docker-Distribution-API-Version registry/2.0 "Docker-Distribution-API-Version header"

# ================================================================ monolithic POST ?digest=
random_file "$T/mono.bin" 100000
D_MONO="$(sha256_file "$T/mono.bin")"
http POST "/v2/$R/blobs/uploads/?digest=$D_MONO" -H 'Content-Type: application/octet-stream' --data-binary @"$T/mono.bin"
if [[ "$HTTP_STATUS" == 201 ]]; then
  ok "monolithic POST ?digest= (HTTP 201)"
  assert_header Docker-Content-Digest "$D_MONO" "monolithic POST: Docker-Content-Digest"
  [[ -n "$(hdr Location)" ]] || fail "monolithic POST: no Location header"
elif [[ "$HTTP_STATUS" == 202 ]] && ! is_berth; then
  skip "single-request monolithic POST ?digest= (berth only: reference 2.8 answers 202 and wants a PUT, which the spec allows)"
  http PUT "$(add_query "$(hdr Location)" "digest=$D_MONO")" -H 'Content-Type: application/octet-stream' --data-binary @"$T/mono.bin"
  assert_status 201 "monolithic PUT ?digest= on the session from POST"
else
  fail "monolithic POST ?digest=: expected 201, got $HTTP_STATUS $(head -c 300 "$HTTP_BODY")"
fi
http GET "/v2/$R/blobs/$D_MONO"
assert_status 200 "GET blob uploaded monolithically"
assert_eq "$D_MONO" "$(sha256_file "$HTTP_BODY")" "monolithic blob content"

# ================================================================ chunked session upload
CH=1048576
random_file "$T/big.bin" $((3 * CH))
D_BIG="$(sha256_file "$T/big.bin")"
split -b $CH -d -a 1 "$T/big.bin" "$T/chunk."
http POST "/v2/$R/blobs/uploads/"
assert_status 202 "POST starts an upload session"
LOC="$(hdr Location)"
[[ -n "$LOC" ]] || fail "POST upload: no Location"
if [[ -n "$(hdr Docker-Upload-UUID)" ]]; then ok "Docker-Upload-UUID header present"; else note "no Docker-Upload-UUID header (optional)"; fi

http PATCH "$LOC" -H 'Content-Type: application/octet-stream' -H "Content-Range: 0-$((CH - 1))" --data-binary @"$T/chunk.0"
assert_status 202 "PATCH chunk 1 with Content-Range 0-$((CH - 1))"
assert_header Range "0-$((CH - 1))" "PATCH chunk 1: Range"
LOC="$(hdr Location)"

http GET "$LOC"
assert_status 204 "GET upload status"
assert_header Range "0-$((CH - 1))" "upload status: Range"
[[ -n "$(hdr Location)" ]] && LOC="$(hdr Location)"

if berth_only "out-of-order chunk gets 416 (reference 2.8 ignores Content-Range and appends)"; then
  http PATCH "$LOC" -H 'Content-Type: application/octet-stream' -H "Content-Range: $((2 * CH))-$((3 * CH - 1))" --data-binary @"$T/chunk.2"
  assert_status 416 "out-of-order chunk (Content-Range $((2 * CH))-...)"
  http GET "$LOC"
  assert_status 204 "upload status after the rejected chunk"
  assert_header Range "0-$((CH - 1))" "rejected chunk was not appended"
  # A refused body the client sends anyway (no Expect: 100-continue) must not turn our answer
  # into a connection reset: the server reads and discards it before closing. Without that,
  # a few tries in ten lost the 416.
  head -c $((4 * CH)) /dev/zero >"$T/refused.bin"
  for try in 1 2 3 4 5 6 7 8 9 10; do
    http PATCH "$LOC" -H 'Expect:' -H 'Content-Type: application/octet-stream' \
      -H "Content-Range: $((2 * CH))-$((6 * CH - 1))" --data-binary @"$T/refused.bin"
    assert_status 416 "refused 4 MiB chunk sent without Expect, try $try"
  done
  http GET "$LOC"
  assert_header Range "0-$((CH - 1))" "refused chunks were not appended"
fi

http PATCH "$LOC" -H 'Content-Type: application/octet-stream' -H "Content-Range: $CH-$((2 * CH - 1))" --data-binary @"$T/chunk.1"
assert_status 202 "PATCH chunk 2"
assert_header Range "0-$((2 * CH - 1))" "PATCH chunk 2: Range"
LOC="$(hdr Location)"
# the last chunk streamed without Content-Range or Content-Length (chunked transfer encoding)
http PATCH "$LOC" -H 'Content-Type: application/octet-stream' -H 'Transfer-Encoding: chunked' --data-binary @"$T/chunk.2"
assert_status 202 "PATCH chunk 3 streamed (Transfer-Encoding: chunked, no Content-Range)"
assert_header Range "0-$((3 * CH - 1))" "PATCH chunk 3: Range"
LOC="$(hdr Location)"
http PUT "$(add_query "$LOC" "digest=$D_BIG")" -H 'Content-Length: 0'
assert_status 201 "PUT ?digest= closes the chunked upload"
assert_header Docker-Content-Digest "$D_BIG" "closing PUT: Docker-Content-Digest"
[[ "$(hdr Location)" == *"/v2/$R/blobs/$D_BIG" ]] || fail "closing PUT: Location '$(hdr Location)' does not name the blob"
ok "closing PUT: Location names the blob"

# ================================================================ wrong digest
http POST "/v2/$R/blobs/uploads/"
assert_status 202 "POST session for a wrong-digest upload"
random_file "$T/wrong.bin" 5000
D_WRONG_CLAIM="sha256:$(printf '%064d' 0)"
http PUT "$(add_query "$(hdr Location)" "digest=$D_WRONG_CLAIM")" -H 'Content-Type: application/octet-stream' --data-binary @"$T/wrong.bin"
assert_status 400 "PUT with a digest that does not match the content"
assert_error_code DIGEST_INVALID "wrong digest error"
http HEAD "/v2/$R/blobs/$D_WRONG_CLAIM"
assert_status 404 "no blob under the wrongly claimed digest"
http HEAD "/v2/$R/blobs/$(sha256_file "$T/wrong.bin")"
assert_status 404 "no blob under the content's real digest either"

# ================================================================ blob GET / HEAD / Range
SIZE_BIG=$((3 * CH))
http HEAD "/v2/$R/blobs/$D_BIG"
assert_status 200 "HEAD blob"
assert_header Content-Length "$SIZE_BIG" "HEAD blob: Content-Length"
assert_header Docker-Content-Digest "$D_BIG" "HEAD blob: Docker-Content-Digest"
http GET "/v2/$R/blobs/$D_BIG"
assert_status 200 "GET blob"
cmp -s "$HTTP_BODY" "$T/big.bin" || fail "GET blob: content differs"
ok "GET blob: content byte-identical"
http GET "/v2/$R/blobs/$D_BIG" -H 'Range: bytes=1000-1999'
assert_status 206 "GET blob with Range: bytes=1000-1999"
assert_header Content-Range "bytes 1000-1999/$SIZE_BIG" "206 Content-Range"
cmp -s "$HTTP_BODY" <(file_slice "$T/big.bin" 1000 1000) || fail "ranged GET: wrong bytes"
ok "ranged GET: the right 1000 bytes"
http GET "/v2/$R/blobs/$D_BIG" -H "Range: bytes=$((SIZE_BIG - 10))-"
assert_status 206 "GET blob with an open-ended Range (last 10 bytes)"
assert_eq 10 "$(stat -c %s "$HTTP_BODY")" "open-ended Range length"
http GET "/v2/$R/blobs/$D_BIG" -H "Range: bytes=$((SIZE_BIG + 5))-$((SIZE_BIG + 10))"
assert_status 416 "GET blob with an unsatisfiable Range"

# ================================================================ cross-repo mount
R2=e2e/api-other
http POST "/v2/$R2/blobs/uploads/?mount=$D_BIG&from=$R"
assert_status 201 "cross-repo mount of an existing blob"
assert_header Docker-Content-Digest "$D_BIG" "mount: Docker-Content-Digest"
[[ "$(hdr Location)" == *"/v2/$R2/blobs/$D_BIG" ]] || fail "mount: Location '$(hdr Location)' does not name the blob in $R2"
http HEAD "/v2/$R2/blobs/$D_BIG"
assert_status 200 "mounted blob is in the target repository"
D_ABSENT="sha256:$(printf 'e2e-absent-%s' "$RANDOM$RANDOM" | sha256sum | cut -d' ' -f1)"
http POST "/v2/$R2/blobs/uploads/?mount=$D_ABSENT&from=$R"
assert_status 202 "mount of a blob the source lacks falls back to an upload session"
MLOC="$(hdr Location)"
[[ -n "$MLOC" ]] || fail "mount fallback: no Location for the upload session"

# ================================================================ upload cancel, BLOB_UPLOAD_UNKNOWN
http DELETE "$MLOC"
assert_status 204 "DELETE cancels an upload session"
http GET "$MLOC"
assert_status 404 "status of a cancelled upload"
assert_error_code BLOB_UPLOAD_UNKNOWN "cancelled upload"
http PATCH "$MLOC" -H 'Content-Type: application/octet-stream' --data-binary 'abc'
assert_status 404 "PATCH to a cancelled upload"
assert_error_code BLOB_UPLOAD_UNKNOWN "PATCH to a cancelled upload"

# ================================================================ manifests
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}' >"$T/config.json"
D_CFG="$(upload_blob "$R" "$T/config.json")"
ok "config blob uploaded"
make_manifest() {  # make_manifest OUT CONFIG_DIGEST CONFIG_FILE LAYER_DIGEST LAYER_SIZE [extra jq]
  jq -cn --arg cd "$2" --argjson cs "$(stat -c %s "$3")" --arg ld "$4" --argjson ls "$5" \
    '{schemaVersion:2, mediaType:"application/vnd.oci.image.manifest.v1+json",
      config:{mediaType:"application/vnd.oci.image.config.v1+json", digest:$cd, size:$cs},
      layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar", digest:$ld, size:$ls}]}' >"$1"
}
make_manifest "$T/m1.json" "$D_CFG" "$T/config.json" "$D_MONO" 100000
D_M1="$(sha256_file "$T/m1.json")"
put_manifest "$R" v1 "$T/m1.json" "$OCI_MANIFEST"
assert_status 201 "PUT manifest by tag"
assert_header Docker-Content-Digest "$D_M1" "PUT manifest: Docker-Content-Digest"
[[ -n "$(hdr Location)" ]] || fail "PUT manifest: no Location"
http GET "/v2/$R/manifests/v1" -H "Accept: $OCI_MANIFEST"
assert_status 200 "GET manifest by tag"
assert_header Content-Type "$OCI_MANIFEST" "GET manifest: Content-Type"
assert_header Docker-Content-Digest "$D_M1" "GET manifest by tag: Docker-Content-Digest"
cmp -s "$HTTP_BODY" "$T/m1.json" || fail "GET manifest: bytes differ from what was pushed"
ok "GET manifest: bytes exactly as pushed"
http GET "/v2/$R/manifests/$D_M1" -H "Accept: $OCI_MANIFEST"
assert_status 200 "GET manifest by digest"
cmp -s "$HTTP_BODY" "$T/m1.json" || fail "GET manifest by digest: bytes differ"
http HEAD "/v2/$R/manifests/v1" -H "Accept: $OCI_MANIFEST"
assert_status 200 "HEAD manifest by tag"
assert_header Docker-Content-Digest "$D_M1" "HEAD manifest: Docker-Content-Digest"
assert_header Content-Length "$(stat -c %s "$T/m1.json")" "HEAD manifest: Content-Length"
http HEAD "/v2/$R/manifests/$D_M1" -H "Accept: $OCI_MANIFEST"
assert_status 200 "HEAD manifest by digest"

# a second manifest pushed by digest
make_manifest "$T/m2.json" "$D_CFG" "$T/config.json" "$D_BIG" "$SIZE_BIG"
D_M2="$(sha256_file "$T/m2.json")"
put_manifest "$R" "$D_M2" "$T/m2.json" "$OCI_MANIFEST"
assert_status 201 "PUT manifest by digest"
assert_header Docker-Content-Digest "$D_M2" "PUT by digest: Docker-Content-Digest"

# referencing a blob the registry does not have
make_manifest "$T/m-missing.json" "$D_CFG" "$T/config.json" "$D_ABSENT" 1234
put_manifest "$R" missing "$T/m-missing.json" "$OCI_MANIFEST"
assert_status 400 "PUT manifest that references a missing blob"
assert_error_code MANIFEST_BLOB_UNKNOWN "missing blob"
http GET "/v2/$R/manifests/missing" -H "Accept: $OCI_MANIFEST"
assert_status 404 "rejected manifest's tag does not exist"

# ================================================================ tags/list pagination
for t in a0 a1 a2 a3 a4 a5 a6; do
  put_manifest "$R" "$t" "$T/m1.json" "$OCI_MANIFEST"
  [[ "$HTTP_STATUS" == 201 ]] || fail "PUT tag $t: HTTP $HTTP_STATUS"
done
ALL_TAGS="a0 a1 a2 a3 a4 a5 a6 v1"
http GET "/v2/$R/tags/list"
assert_status 200 "GET tags/list"
assert_eq "$R" "$(jq -r .name "$HTTP_BODY")" "tags/list: name"
if is_berth; then
  assert_eq "$ALL_TAGS" "$(jq -r '.tags | join(" ")' "$HTTP_BODY")" "tags/list: every tag, in lexical order"
else
  assert_eq "$ALL_TAGS" "$(jq -r '.tags | sort | join(" ")' "$HTTP_BODY")" "tags/list: every tag"
  skip "tags/list in lexical order (berth only: reference 2.8 returns storage order)"
fi

# follow_pages URL JQ_FIELD: follows Link rel="next" from URL, prints every item, one per line.
follow_pages() {
  local url="$1" field="$2" pages=0 link
  while [[ -n "$url" ]]; do
    http GET "$url"
    [[ "$HTTP_STATUS" == 200 ]] || fail "GET $url: HTTP $HTTP_STATUS"
    jq -r ".${field}[]?" "$HTTP_BODY"
    link="$(hdr Link)"
    url=""
    if [[ -n "$link" ]]; then
      [[ "$link" =~ \<([^>]+)\>\;[[:space:]]*rel=\"?next\"? ]] || fail "malformed Link header: $link"
      url="${BASH_REMATCH[1]}"
    fi
    pages=$((pages + 1))
    [[ $pages -lt 50 ]] || fail "pagination does not end"
  done
  echo "$pages" >"$T/pages"
}

http GET "/v2/$R/tags/list?n=3"
if [[ "$(jq -r '.tags | length' "$HTTP_BODY")" == 3 ]]; then
  assert_status 200 "tags/list?n=3"
  assert_eq "a0 a1 a2" "$(jq -r '.tags | join(" ")' "$HTTP_BODY")" "tags/list?n=3: first page"
  [[ "$(hdr Link)" == *'rel="next"'* ]] || fail "tags/list?n=3: no Link rel=\"next\" header ($(hdr Link))"
  ok "tags/list?n=3: Link header: $(hdr Link)"
  http GET "/v2/$R/tags/list?n=3&last=a2"
  assert_status 200 "tags/list?n=3&last=a2"
  assert_eq "a3 a4 a5" "$(jq -r '.tags | join(" ")' "$HTTP_BODY")" "tags/list?n=3&last=a2: the next page"
  PAGED="$(follow_pages "/v2/$R/tags/list?n=3" tags | tr '\n' ' ' | sed 's/ $//')"
  assert_eq "$ALL_TAGS" "$PAGED" "following Link pages yields every tag once"
  assert_eq 3 "$(cat "$T/pages")" "8 tags at n=3 make 3 pages"
elif is_berth; then
  fail "tags/list?n=3 returned $(jq -c .tags "$HTTP_BODY")"
else
  skip "tags/list pagination with n/last and Link (berth only: reference 2.8 ignores n on tags/list)"
fi

# ================================================================ catalog pagination
for i in 0 1 2 3; do
  http POST "/v2/e2e/cat-$i/blobs/uploads/?mount=$D_MONO&from=$R"
  [[ "$HTTP_STATUS" == 201 ]] || fail "mount into e2e/cat-$i: HTTP $HTTP_STATUS"
  http POST "/v2/e2e/cat-$i/blobs/uploads/?mount=$D_CFG&from=$R"
  [[ "$HTTP_STATUS" == 201 ]] || fail "mount config into e2e/cat-$i: HTTP $HTTP_STATUS"
  put_manifest "e2e/cat-$i" latest "$T/m1.json" "$OCI_MANIFEST"
  [[ "$HTTP_STATUS" == 201 ]] || fail "PUT manifest e2e/cat-$i: HTTP $HTTP_STATUS"
done
http GET "/v2/_catalog"
assert_status 200 "GET /v2/_catalog"
FULL_CAT="$(jq -r '.repositories | join(" ")' "$HTTP_BODY")"
[[ "$FULL_CAT" == *"e2e/api"* && "$FULL_CAT" == *"e2e/cat-3"* ]] || fail "_catalog lacks repositories: $FULL_CAT"
assert_eq "$(tr ' ' '\n' <<<"$FULL_CAT" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')" "$FULL_CAT" "_catalog is in lexical order"
http GET "/v2/_catalog?n=2"
assert_status 200 "_catalog?n=2"
assert_eq 2 "$(jq -r '.repositories | length' "$HTTP_BODY")" "_catalog?n=2 returns 2 repositories"
[[ "$(hdr Link)" == *'rel="next"'* ]] || fail "_catalog?n=2: no Link rel=\"next\" ($(hdr Link))"
ok "_catalog?n=2: Link header: $(hdr Link)"
FIRST2="$(jq -r '.repositories[1]' "$HTTP_BODY")"
http GET "/v2/_catalog?n=2&last=$FIRST2"
assert_status 200 "_catalog?n=2&last=..."
assert_eq "$(tr ' ' '\n' <<<"$FULL_CAT" | sed -n '3,4p' | tr '\n' ' ' | sed 's/ $//')" \
  "$(jq -r '.repositories | join(" ")' "$HTTP_BODY")" "_catalog?last= continues after the given repository"
PAGED="$(follow_pages "/v2/_catalog?n=2" repositories | tr '\n' ' ' | sed 's/ $//')"
assert_eq "$FULL_CAT" "$PAGED" "following _catalog Link pages yields every repository once"

# ================================================================ deletes
if berth_only "DELETE of a tag removes only the tag"; then
  http DELETE "/v2/$R/manifests/a6"
  assert_status 202 "DELETE /manifests/<tag>"
  http GET "/v2/$R/manifests/a6" -H "Accept: $OCI_MANIFEST"
  assert_status 404 "deleted tag is gone"
  assert_error_code MANIFEST_UNKNOWN "deleted tag"
  http GET "/v2/$R/manifests/$D_M1" -H "Accept: $OCI_MANIFEST"
  assert_status 200 "manifest still GETtable by digest after its tag was deleted"
  http GET "/v2/$R/manifests/a5" -H "Accept: $OCI_MANIFEST"
  assert_status 200 "other tags of the same manifest survive"
fi
http DELETE "/v2/$R/manifests/$D_M2"
assert_status 202 "DELETE manifest by digest"
http GET "/v2/$R/manifests/$D_M2" -H "Accept: $OCI_MANIFEST"
assert_status 404 "deleted manifest is gone"
assert_error_code MANIFEST_UNKNOWN "deleted manifest"
http GET "/v2/$R/manifests/v1" -H "Accept: $OCI_MANIFEST"
assert_status 200 "other manifest unaffected by the delete"
http DELETE "/v2/$R2/blobs/$D_BIG"
assert_status 202 "DELETE blob"
http HEAD "/v2/$R2/blobs/$D_BIG"
assert_status 404 "deleted blob is gone from that repository"

# ================================================================ referrers (OCI v1.1)
if berth_only "referrers API, OCI-Subject, artifactType filter"; then
  http GET "/v2/$R/referrers/$D_M1"
  assert_status 200 "referrers of a manifest without referrers"
  assert_header Content-Type "$OCI_INDEX" "referrers: Content-Type"
  assert_eq "2 0" "$(jq -r '"\(.schemaVersion) \(.manifests | length)"' "$HTTP_BODY")" "referrers: an empty image index"

  printf '{}' >"$T/empty.json"
  D_EMPTY="$(upload_blob "$R" "$T/empty.json")"
  assert_eq sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a "$D_EMPTY" "empty descriptor digest"
  printf 'signature %s' "$RANDOM" >"$T/sig.bin"
  D_SIG="$(upload_blob "$R" "$T/sig.bin")"
  M1_SIZE="$(stat -c %s "$T/m1.json")"
  make_artifact() {  # make_artifact OUT ARTIFACT_TYPE
    jq -cn --arg at "$2" --arg sd "$D_M1" --argjson ss "$M1_SIZE" --arg ed "$D_EMPTY" \
      --arg ld "$D_SIG" --argjson ls "$(stat -c %s "$T/sig.bin")" \
      '{schemaVersion:2, mediaType:"application/vnd.oci.image.manifest.v1+json", artifactType:$at,
        config:{mediaType:"application/vnd.oci.empty.v1+json", digest:$ed, size:2},
        layers:[{mediaType:"application/vnd.e2e.payload", digest:$ld, size:$ls}],
        subject:{mediaType:"application/vnd.oci.image.manifest.v1+json", digest:$sd, size:$ss},
        annotations:{"org.example.e2e":$at}}' >"$1"
  }
  make_artifact "$T/sig.json" application/vnd.e2e.signature
  make_artifact "$T/sbom.json" application/vnd.e2e.sbom
  D_SIGM="$(sha256_file "$T/sig.json")"
  D_SBOM="$(sha256_file "$T/sbom.json")"
  put_manifest "$R" "$D_SIGM" "$T/sig.json" "$OCI_MANIFEST"
  assert_status 201 "PUT artifact manifest with subject"
  assert_header OCI-Subject "$D_M1" "PUT with subject answers OCI-Subject"
  put_manifest "$R" "$D_SBOM" "$T/sbom.json" "$OCI_MANIFEST"
  assert_status 201 "PUT second artifact with subject"

  http GET "/v2/$R/referrers/$D_M1"
  assert_status 200 "referrers of the subject"
  assert_eq "$(printf '%s\n' "$D_SBOM" "$D_SIGM" | sort | tr '\n' ' ')" \
    "$(jq -r '.manifests[].digest' "$HTTP_BODY" | sort | tr '\n' ' ')" "referrers lists both artifacts"
  assert_eq "application/vnd.e2e.signature" \
    "$(jq -r --arg d "$D_SIGM" '.manifests[] | select(.digest == $d) | .artifactType' "$HTTP_BODY")" "referrer descriptor carries artifactType"
  assert_eq "$(stat -c %s "$T/sig.json") $OCI_MANIFEST application/vnd.e2e.signature" \
    "$(jq -r --arg d "$D_SIGM" '.manifests[] | select(.digest == $d) | "\(.size) \(.mediaType) \(.annotations["org.example.e2e"])"' "$HTTP_BODY")" \
    "referrer descriptor: size, mediaType, annotations"

  http GET "/v2/$R/referrers/$D_M1?artifactType=application/vnd.e2e.signature"
  assert_status 200 "referrers?artifactType="
  assert_eq "$D_SIGM" "$(jq -r '[.manifests[].digest] | join(" ")' "$HTTP_BODY")" "artifactType filter keeps only matching referrers"
  assert_header OCI-Filters-Applied artifactType "OCI-Filters-Applied header"

  http GET "/v2/$R/referrers/$D_ABSENT"
  assert_status 200 "referrers of an unknown digest"
  assert_eq 0 "$(jq -r '.manifests | length' "$HTTP_BODY")" "referrers of an unknown digest: empty index"

  http DELETE "/v2/$R/manifests/$D_SBOM"
  assert_status 202 "DELETE a referrer"
  http GET "/v2/$R/referrers/$D_M1"
  assert_eq "$D_SIGM" "$(jq -r '[.manifests[].digest] | join(" ")' "$HTTP_BODY")" "deleted referrer disappears from the list"
fi

# ================================================================ error bodies
http POST "/v2/e2e/a..b/blobs/uploads/" --path-as-is
if is_berth; then
  assert_status 400 "repository name with '..'"
  assert_error_code NAME_INVALID "invalid name"
else
  [[ "$HTTP_STATUS" == 4* ]] || fail "name with '..': HTTP $HTTP_STATUS"
  skip "NAME_INVALID error body for 'e2e/a..b' (berth only: reference 2.8 answers a plain-text $HTTP_STATUS from its router)"
fi
http GET "/v2/e2e/../../../etc/passwd/manifests/latest" --path-as-is
if [[ "$HTTP_STATUS" == 4* ]]; then
  ok "path traversal in the repository name is rejected (HTTP $HTTP_STATUS)"
elif ! is_berth && [[ "$HTTP_STATUS" == 301 ]]; then
  skip "path traversal rejected with 4xx (berth only: reference 2.8's router redirects to the cleaned path)"
else
  fail "path traversal in the name: HTTP $HTTP_STATUS"
fi

printf '{"schemaVersion":2, "config": {' >"$T/bad.json"
put_manifest "$R" bad "$T/bad.json" "$OCI_MANIFEST"
assert_status 400 "PUT malformed manifest JSON"
assert_error_code MANIFEST_INVALID "malformed manifest"

http GET "/v2/$R/blobs/$D_ABSENT"
assert_status 404 "GET unknown blob"
assert_error_code BLOB_UNKNOWN "unknown blob"
http GET "/v2/$R/manifests/nosuchtag" -H "Accept: $OCI_MANIFEST"
assert_status 404 "GET unknown tag"
assert_error_code MANIFEST_UNKNOWN "unknown tag"
http GET "/v2/e2e/no-such-repo/tags/list"
assert_status 404 "tags/list of an unknown repository"
assert_error_code NAME_UNKNOWN "unknown repository"
# every error body has the documented shape
jq -e '.errors | type == "array" and length > 0 and (.[0] | has("code") and has("message"))' "$HTTP_BODY" >/dev/null ||
  fail "error body shape is not {\"errors\":[{\"code\",\"message\",...}]}: $(cat "$HTTP_BODY")"
ok "error body shape {\"errors\":[{\"code\",\"message\"}]}"

# ================================================================ interrupted uploads leave no blob
random_file "$T/full.bin" $((2 * CH))
file_slice "$T/full.bin" 0 $((CH / 2)) >"$T/partial.bin"
D_FULL="$(sha256_file "$T/full.bin")"
D_PART="$(sha256_file "$T/partial.bin")"
# (a) monolithic PUT whose client disappears after half the announced Content-Length
http POST "/v2/$R/blobs/uploads/"
assert_status 202 "POST session for an interrupted monolithic PUT"
send_partial PUT "$(abs_url "$(add_query "$(hdr Location)" "digest=$D_FULL")")" $((2 * CH)) "$T/partial.bin"
ok "client sent $((CH / 2)) of $((2 * CH)) announced bytes and disconnected"
# (b) PATCH interrupted the same way, then a closing PUT claims the full digest
http POST "/v2/$R/blobs/uploads/"
assert_status 202 "POST session for an interrupted PATCH"
PLOC="$(hdr Location)"
send_partial PATCH "$(abs_url "$PLOC")" $((2 * CH)) "$T/partial.bin"
sleep 0.5
http GET "$PLOC"
note "upload status after the interrupted PATCH: HTTP $HTTP_STATUS Range '$(hdr Range)'"
if [[ "$HTTP_STATUS" == 204 ]]; then
  [[ -n "$(hdr Location)" ]] && PLOC="$(hdr Location)"
  http PUT "$(add_query "$PLOC" "digest=$D_FULL")" -H 'Content-Length: 0'
  [[ "$HTTP_STATUS" != 201 ]] || fail "closing an interrupted upload with the full digest succeeded"
  ok "closing PUT with the full digest is refused (HTTP $HTTP_STATUS)"
fi
sleep 0.3
http HEAD "/v2/$R/blobs/$D_FULL"
assert_status 404 "no blob under the digest of the full (never sent) content"
http HEAD "/v2/$R/blobs/$D_PART"
assert_status 404 "no blob made of the partial bytes"
http GET /v2/
assert_status 200 "registry still serves after the disconnects"

# ================================================================ Host routing
if berth_only "unknown Host header gets 404"; then
  http GET /v2/ -H 'Host: nosuch.cr.internal'
  assert_status 404 "GET /v2/ for an unknown Host"
  http GET "/v2/$R/manifests/v1" -H 'Host: nosuch.cr.internal' -H "Accept: $OCI_MANIFEST"
  assert_status 404 "manifest GET for an unknown Host"
  http GET /v2/ -H 'Host: localhost'
  assert_status 200 "GET /v2/ with Host: localhost (the default registry)"
fi

e2e_done
