#!/usr/bin/env bash
# Docker token authentication on the data plane, as real clients meet it: a registry created
# through the CLI (`berth acr create`) is reached by its login server name over HTTPS without a
# port, from inside a network namespace of the test's own (netns_create: its /etc/hosts maps the
# name to 127.0.0.1, where berth listens on :80, :443 and :5001), trusting berth's local CA.
#
#   - anonymous push and pull are refused (401 + Bearer challenge naming realm, service, scope);
#   - the admin user pushes and pulls with skopeo, podman and ctr;
#   - `berth acr login` writes the auth files: skopeo and podman then pull with no credential
#     flags, ctr with the --expose-token refresh token as 00000000-0000-0000-0000-000000000000;
#   - a repository-scoped token pushes and pulls its repository only, and never lists the catalog;
#   - with anonymous pull enabled, pulls need no credentials and pushes still do;
#   - curl: the challenge header, the token endpoints (GET, POST password/refresh_token, the
#     exchange), a tampered token, an alg:none token, a wrong password -> 401 with the
#     distribution error body, and 429 + Retry-After after repeated failures (last: it blocks
#     127.0.0.1 for the cool-down).
source "$(dirname "$0")/lib.sh"
need_pkgs skopeo umoci jq curl python3 openssl containerd podman iproute2

ACR="${ACR:-authe2e${RANDOM}${RANDOM}}"
RG="e2e-auth-${RANDOM}"
LS="$ACR.cr.internal"  # the login server (the daemon's default domain)
REFRESH_USER=00000000-0000-0000-0000-000000000000
export ACR
export E2E_TIMEOUT="${E2E_TIMEOUT:-300}"  # three clients, each pushing and pulling
e2e_setup "$@"
is_berth || { skip "token authentication and the berth CLI are berth features"; e2e_done; }

E2E_AUTH=required
netns_create "$LS"
start_registry
start_management
CA="$E2E_DATA/tls/ca.pem"
CERTS="$E2E_TMP/certs"            # skopeo/podman --cert-dir: the CA as ca.crt, test-private
mkdir -p "$CERTS"
cp "$CA" "$CERTS/ca.crt"
export BERTH_CONFIG_DIR="$E2E_TMP/berth-config"
export DOCKER_CONFIG="$E2E_TMP/docker"  # acr login writes here and to $REGISTRY_AUTH_FILE
EMPTY_AUTH="$E2E_TMP/empty-auth.json"
echo '{}' >"$EMPTY_AUTH"

berth() { in_ns "$BERTH_BIN" "$@" </dev/null; }
# dp METHOD PATH [curl args]: `http` against https://<login server> with the CA.
dp() { local m="$1" p="$2"; shift 2; HTTP_BASE="https://$LS" http "$m" "$p" --cacert "$CA" "$@"; }
# Clients with the test's policy, registries.conf and TLS trust; no credentials unless given.
sk() { in_ns skopeo_ "$@"; }
PODMAN=(podman --root "$E2E_TMP/podman/root" --runroot "$E2E_TMP/podman/run" --storage-driver vfs
  --events-backend none --cgroup-manager cgroupfs --tmpdir "$E2E_TMP/podman/tmp")
mkdir -p "$E2E_TMP/podman/tmp"
pm() { in_ns timeout 120 "${PODMAN[@]}" "$@"; }
PM_TRUST=(-q --signature-policy "$E2E_TMP/policy.json" --cert-dir "$CERTS")
# expect_refused WHAT CMD...: CMD fails and says why in terms of authentication/authorization.
expect_refused() {
  local what="$1"; shift
  if "$@" >"$E2E_TMP/refused.out" 2>&1; then fail "$what: succeeded"; fi
  grep -qiE 'unauthorized|authentication required|denied|401|403|forbidden' "$E2E_TMP/refused.out" ||
    fail "$what: failed for another reason: $(tail -c 400 "$E2E_TMP/refused.out")"
  ok "$what: refused ($(grep -oiE 'unauthorized|authentication required|denied|40[13]|forbidden' "$E2E_TMP/refused.out" | head -1))"
}
# client WHAT CMD...: CMD must succeed; its stdout is kept in $CLIENT_OUT.
CLIENT_OUT="$E2E_TMP/client.out"
client() {
  local what="$1"; shift
  if "$@" >"$CLIENT_OUT" 2>"$E2E_TMP/client.err"; then ok "$what"; return 0; fi
  fail "$what: $(tail -c 500 "$E2E_TMP/client.err" | tr '\n' ' ')"
}
# assert_ctr_has_image: containerd holds every object of the app image, byte for byte.
assert_ctr_has_image() {
  local d
  for d in $(layout_closure "$L" "$APP_DIGEST"); do
    ctr_ content get "$d" >"$E2E_TMP/ctr.blob" 2>/dev/null || { fail "containerd lacks $d"; return 0; }
    cmp -s "$E2E_TMP/ctr.blob" "$(layout_blob "$L" "$d")" || { fail "containerd's copy of $d differs"; return 0; }
  done
  ok "containerd holds every object of the image, byte-identical"
}
# granted TOKEN: the token's access claim without empty grants, keys and actions sorted.
granted() {
  jwt_part "$1" 1 | jq -cS '[.access[]? | select((.actions | length) > 0) | .actions |= sort]'
}
# jwt_part TOKEN N: the decoded JSON of segment N (0 header, 1 payload).
jwt_part() {
  python3 - "$1" "$2" <<'PY'
import base64, sys
seg = sys.argv[1].split(".")[int(sys.argv[2])]
print(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)).decode())
PY
}

L="$E2E_TMP/layout"
build_image "$L" app 2 256 amd64
APP_DIGEST="$(layout_digest "$L" app)"

# --- a registry created through the CLI --------------------------------------------------------
berth login --server "$MGMT_URL" --credentials-file "$E2E_DATA/operator-credentials.json" -o none
berth group create -n "$RG" -l eastus -o none
berth acr create -g "$RG" -n "$ACR" --sku Standard --admin-enabled true -o none
assert_eq "$LS" "$(berth acr show -n "$ACR" --query loginServer -o tsv)" "acr create: login server"
ADMIN_USER="$(berth acr credential show -n "$ACR" --query username -o tsv)"
ADMIN_PW="$(berth acr credential show -n "$ACR" --query 'passwords[0].value' -o tsv)"
assert_eq "$ACR" "$ADMIN_USER" "the admin user is named after the registry"
code="$(in_ns curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "https://$LS/v2/" || true)"
assert_eq 401 "$code" "https://$LS/v2/ (port 443, CA trusted, name from the namespace's /etc/hosts)"

# --- anonymous: challenged and refused ---------------------------------------------------------
dp GET /v2/
assert_status 401 "anonymous GET /v2/"
assert_error_code UNAUTHORIZED "anonymous GET /v2/ body"
assert_match "^Bearer realm=\"https://$LS/oauth2/token\",service=\"$LS\"" "$(hdr WWW-Authenticate)" \
  "challenge: realm from the Host sent (https, no port), service = login server"
dp GET /v2/e2e/app/manifests/v1 -H 'Accept: application/vnd.oci.image.manifest.v1+json'
assert_status 401 "anonymous GET manifest"
assert_eq "Bearer realm=\"https://$LS/oauth2/token\",service=\"$LS\",scope=\"repository:e2e/app:pull\"" \
  "$(hdr WWW-Authenticate)" "challenge for a manifest names repository:e2e/app:pull"
assert_error_code UNAUTHORIZED "anonymous GET manifest body"
dp POST /v2/e2e/app/blobs/uploads/
assert_status 401 "anonymous POST upload"
assert_match "scope=\"repository:e2e/app:[a-z,]*push" "$(hdr WWW-Authenticate)" "challenge for an upload asks for push"
dp GET /v2/_catalog
assert_status 401 "anonymous GET /v2/_catalog"
assert_match "scope=\"registry:catalog:\\*\"" "$(hdr WWW-Authenticate)" "challenge for the catalog names registry:catalog:*"
# The realm follows the Host header as sent, port included.
HTTP_BASE="http://127.0.0.1:80" http GET /v2/ -H "Host: $LS:80"
assert_status 401 "plain HTTP with Host: $LS:80"
assert_match "^Bearer realm=\"http://$LS:80/oauth2/token\"" "$(hdr WWW-Authenticate)" "realm keeps the scheme and the port of the request"

dp GET "/oauth2/token?service=$LS&scope=repository:e2e/app:pull,push"
if [[ "$HTTP_STATUS" == 401 ]]; then  # as ACR: no anonymous tokens while anonymous pull is off
  assert_error_code UNAUTHORIZED "anonymous token request refused"
else
  assert_status 200 "anonymous token request"
  assert_eq "[]" "$(granted "$(jq -r .token "$HTTP_BODY")")" "the anonymous token grants nothing (anonymous pull is off)"
fi
expect_refused "anonymous skopeo push" sk copy -q --dest-cert-dir "$CERTS" --dest-no-creds "oci:$L:app" "docker://$LS/e2e/app:v1"

# --- admin user: skopeo, podman, ctr -----------------------------------------------------------
ADMIN="$ADMIN_USER:$ADMIN_PW"
client "skopeo push with the admin user" \
  sk copy -q --dest-cert-dir "$CERTS" --dest-creds "$ADMIN" "oci:$L:app" "docker://$LS/e2e/app:v1"
client "skopeo inspect with the admin user" \
  sk inspect --cert-dir "$CERTS" --creds "$ADMIN" --raw "docker://$LS/e2e/app:v1"
assert_eq "$APP_DIGEST" "$(sha256_file "$CLIENT_OUT")" "the manifest is the one pushed"
client "skopeo pull with the admin user" \
  sk copy -q --src-cert-dir "$CERTS" --src-creds "$ADMIN" "docker://$LS/e2e/app:v1" "oci:$E2E_TMP/out-admin:app"
assert_layout_same "$L" "$E2E_TMP/out-admin" "$APP_DIGEST"
expect_refused "anonymous skopeo pull" sk inspect --cert-dir "$CERTS" --no-creds --raw "docker://$LS/e2e/app:v1"

client "podman pull with the admin user" pm pull "${PM_TRUST[@]}" --creds "$ADMIN" "docker://$LS/e2e/app:v1"
client "podman push with the admin user" pm push "${PM_TRUST[@]}" --creds "$ADMIN" "$LS/e2e/app:v1" "docker://$LS/e2e/podman:v1"
client "the image podman pushed is there" sk inspect --cert-dir "$CERTS" --creds "$ADMIN" "docker://$LS/e2e/podman:v1"
expect_refused "anonymous podman pull" pm pull "${PM_TRUST[@]}" --authfile "$EMPTY_AUTH" "docker://$LS/e2e/podman:v1"

start_containerd auth
# containerd speaks HTTPS to a name without a port; --tlscacert trusts berth's CA.
client "ctr images pull with the admin user" ctr_ images pull --tlscacert "$CA" --user "$ADMIN" "$LS/e2e/app:v1"
assert_ctr_has_image
client "ctr images tag" ctr_ images tag "$LS/e2e/app:v1" "$LS/e2e/ctr:v1"
client "ctr images push with the admin user" ctr_ images push --tlscacert "$CA" --user "$ADMIN" "$LS/e2e/ctr:v1"
client "skopeo inspect of what ctr pushed" sk inspect --cert-dir "$CERTS" --creds "$ADMIN" --raw "docker://$LS/e2e/ctr:v1"
assert_eq "$APP_DIGEST" "$(sha256_file "$CLIENT_OUT")" "ctr pushed the same manifest"
expect_refused "anonymous ctr pull" ctr_ images pull --tlscacert "$CA" "$LS/e2e/ctr:v1"

# --- berth acr login: the auth files, then clients without credential flags --------------------
mkdir -p "$DOCKER_CONFIG"
echo '{"auths":{"other.example":{"auth":"dTpw"}},"psFormat":"table"}' >"$DOCKER_CONFIG/config.json"
assert_eq "Login Succeeded" "$(berth acr login -n "$ACR")" "berth acr login"
assert_eq "dTpw table" "$(jq -r '[.auths["other.example"].auth, .psFormat] | join(" ")' "$DOCKER_CONFIG/config.json")" \
  "acr login keeps the docker config's other entries"
for f in "$REGISTRY_AUTH_FILE" "$DOCKER_CONFIG/config.json"; do
  assert_eq 600 "$(stat -c %a "$f")" "$(basename "$f") is private (0600)"
  entry="$(jq -r --arg s "$LS" '.auths[$s].auth' "$f" | base64 -d)"
  assert_match "^$REFRESH_USER:[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$" "$entry" \
    "$(basename "$f"): auths[$LS] = $REFRESH_USER:<refresh token>"
done
client "skopeo inspect with no credential flags (auth file from acr login)" \
  sk inspect --cert-dir "$CERTS" --raw "docker://$LS/e2e/app:v1"
assert_eq "$APP_DIGEST" "$(sha256_file "$CLIENT_OUT")" "the manifest is the one pushed"
build_image "$L" second 1 64 amd64
client "skopeo push with no credential flags (the operator is Owner)" \
  sk copy -q --dest-cert-dir "$CERTS" "oci:$L:second" "docker://$LS/e2e/second:v1"
pm rmi -a -f >/dev/null 2>&1 || true
client "podman pull with no credential flags (auth file from acr login)" pm pull "${PM_TRUST[@]}" "docker://$LS/e2e/app:v1"
TOKEN="$(berth acr login -n "$ACR" --expose-token --query accessToken -o tsv --only-show-errors)"
assert_eq "$LS" "$(berth acr login -n "$ACR" --expose-token --query loginServer -o tsv --only-show-errors)" "--expose-token names the login server"
ctr_ images rm "$LS/e2e/app:v1" "$LS/e2e/ctr:v1" >/dev/null 2>&1 || true
# shellcheck disable=SC2046
ctr_ content rm $(layout_closure "$L" "$APP_DIGEST") >/dev/null 2>&1 || true
client "ctr images pull --user $REFRESH_USER:<token from --expose-token>" \
  ctr_ images pull --tlscacert "$CA" --user "$REFRESH_USER:$TOKEN" "$LS/e2e/app:v1"
assert_ctr_has_image

# --- a repository-scoped token -----------------------------------------------------------------
berth acr token create --registry "$ACR" --name token1 --repository allowed content/read content/write --only-show-errors >"$E2E_TMP/t1.json"
T1_PW="$(jq -r '.credentials.passwords[0].value' "$E2E_TMP/t1.json")"
assert_match '^.{16,}$' "$T1_PW" "acr token create prints a password"
T1="token1:$T1_PW"
client "token1 pushes to 'allowed'" \
  sk copy -q --dest-cert-dir "$CERTS" --dest-creds "$T1" "oci:$L:app" "docker://$LS/allowed:v1"
client "token1 pulls from 'allowed'" sk inspect --cert-dir "$CERTS" --creds "$T1" --raw "docker://$LS/allowed:v1"
assert_eq "$APP_DIGEST" "$(sha256_file "$CLIENT_OUT")" "the manifest is the one pushed"
expect_refused "token1 pushing to 'other'" sk copy -q --dest-cert-dir "$CERTS" --dest-creds "$T1" "oci:$L:app" "docker://$LS/other:v1"
expect_refused "token1 pulling 'e2e/app'" sk inspect --cert-dir "$CERTS" --creds "$T1" --raw "docker://$LS/e2e/app:v1"
dp GET /v2/_catalog -u "$T1"
assert_status 403 "token1 (Basic) lists the catalog"
assert_error_code DENIED "catalog refused to token1"
dp GET /v2/e2e/app/manifests/v1 -u "$T1" -H 'Accept: application/vnd.oci.image.manifest.v1+json'
assert_status 403 "token1 (Basic) reads another repository"
assert_error_code DENIED "another repository refused to token1"
dp GET "/oauth2/token?service=$LS&scope=repository:allowed:pull,push&scope=repository:other:pull&scope=registry:catalog:*" -u "$T1"
assert_status 200 "token1 asks /oauth2/token for more than it has"
assert_eq '[{"actions":["pull","push"],"name":"allowed","type":"repository"}]' \
  "$(granted "$(jq -r .token "$HTTP_BODY")")" "the token grants exactly pull,push on 'allowed'"
dp GET /v2/_catalog -u "$ADMIN"
assert_status 200 "the admin user (Basic) lists the catalog"
assert_match '"allowed"' "$(jq -c .repositories "$HTTP_BODY")" "the catalog lists 'allowed'"

# --- anonymous pull enabled --------------------------------------------------------------------
assert_eq true "$(berth acr update -n "$ACR" --anonymous-pull-enabled true --query anonymousPullEnabled -o tsv)" "acr update --anonymous-pull-enabled true"
client "anonymous skopeo pull with anonymous pull enabled" \
  sk inspect --cert-dir "$CERTS" --no-creds --raw "docker://$LS/e2e/app:v1"
assert_eq "$APP_DIGEST" "$(sha256_file "$CLIENT_OUT")" "the manifest is the one pushed"
pm rmi -a -f >/dev/null 2>&1 || true
client "anonymous podman pull with anonymous pull enabled" pm pull "${PM_TRUST[@]}" --authfile "$EMPTY_AUTH" "docker://$LS/e2e/app:v1"
expect_refused "anonymous skopeo push with anonymous pull enabled" \
  sk copy -q --dest-cert-dir "$CERTS" --dest-no-creds "oci:$L:app" "docker://$LS/e2e/anon:v1"
dp GET "/oauth2/token?service=$LS&scope=repository:e2e/app:pull,push&scope=registry:catalog:*"
assert_status 200 "anonymous token request with anonymous pull enabled"
assert_eq '[{"actions":["pull"],"name":"e2e/app","type":"repository"}]' \
  "$(granted "$(jq -r .token "$HTTP_BODY")")" "an anonymous token grants pull only, and never the catalog"
berth acr update -n "$ACR" --anonymous-pull-enabled false -o none

# --- the token endpoints -----------------------------------------------------------------------
dp GET "/oauth2/token?service=$LS&scope=repository:e2e/app:pull" -u "$ADMIN"
assert_status 200 "GET /oauth2/token with the admin user"
for k in token access_token expires_in issued_at; do
  [[ "$(jq -r --arg k "$k" 'has($k)' "$HTTP_BODY")" == true ]] || fail "the token response lacks $k: $(head -c 300 "$HTTP_BODY")"
done
ok "the token response has token, access_token, expires_in, issued_at"
ADMIN_TOKEN="$(jq -r .token "$HTTP_BODY")"
assert_eq ES256 "$(jwt_part "$ADMIN_TOKEN" 0 | jq -r .alg)" "tokens are ES256"
assert_eq "$LS" "$(jwt_part "$ADMIN_TOKEN" 1 | jq -r .aud)" "the audience is the login server"
dp GET /v2/e2e/app/manifests/v1 -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Accept: application/vnd.oci.image.manifest.v1+json'
assert_status 200 "GET manifest with the bearer token"
dp HEAD /v2/e2e/app/manifests/v1 -u "$ADMIN" -H 'Accept: application/vnd.oci.image.manifest.v1+json'
assert_status 200 "HEAD manifest with Basic admin credentials directly on /v2/"

# Refresh tokens go to identities (the management operator), as ACR gives them to AAD users.
OP_USER="$(jq -r .username "$E2E_DATA/operator-credentials.json")"
OP_PW="$(jq -r .password "$E2E_DATA/operator-credentials.json")"
dp POST /oauth2/token --data-urlencode grant_type=password --data-urlencode "username=$OP_USER" \
  --data-urlencode "password=$OP_PW" --data-urlencode "service=$LS" \
  --data-urlencode "scope=repository:e2e/app:pull" --data-urlencode access_type=offline
assert_status 200 "POST /oauth2/token grant_type=password access_type=offline (the operator)"
REFRESH="$(jq -r '.refresh_token // empty' "$HTTP_BODY")"
[[ -n "$REFRESH" ]] || fail "no refresh_token with access_type=offline: $(head -c 300 "$HTTP_BODY")"
dp POST /oauth2/token --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$REFRESH" \
  --data-urlencode "service=$LS" --data-urlencode "scope=repository:e2e/app:pull"
assert_status 200 "POST /oauth2/token grant_type=refresh_token"
R_TOKEN="$(jq -r .access_token "$HTTP_BODY")"
dp GET /v2/e2e/app/manifests/v1 -H "Authorization: Bearer $R_TOKEN" -H 'Accept: application/vnd.oci.image.manifest.v1+json'
assert_status 200 "the access token from a refresh token works"

MGMT_TOKEN="$(jq -r .accessToken "$BERTH_CONFIG_DIR/profile.json")"
dp POST /oauth2/exchange --data-urlencode grant_type=access_token --data-urlencode "service=$LS" \
  --data-urlencode "access_token=$MGMT_TOKEN"
assert_status 200 "POST /oauth2/exchange with the CLI's management token"
EXCHANGED="$(jq -r .refresh_token "$HTTP_BODY")"
dp GET "/oauth2/token?service=$LS&scope=repository:e2e/app:pull" -u "$REFRESH_USER:$EXCHANGED"
assert_status 200 "GET /oauth2/token as $REFRESH_USER with the exchanged refresh token"

# --- refusals (each counts toward the rate limit: at most 9 before the 429 check) -------------
IFS=. read -r H P S <<<"$ADMIN_TOKEN"
TAMPERED_P="$(jwt_part "$ADMIN_TOKEN" 1 | jq -c '.access[0].actions = ["pull","push","delete"]' | base64 -w0 | tr '+/' '-_' | tr -d '=')"
dp GET /v2/e2e/app/manifests/v1 -H "Authorization: Bearer $H.$TAMPERED_P.$S"   # 1
assert_status 401 "a token whose payload was changed"
assert_error_code UNAUTHORIZED "tampered token body"
[[ -n "$(hdr WWW-Authenticate)" ]] || fail "no challenge with the 401 for a tampered token"
NONE_H="$(printf '{"alg":"none","typ":"JWT"}' | base64 -w0 | tr '+/' '-_' | tr -d '=')"
dp GET /v2/e2e/app/manifests/v1 -H "Authorization: Bearer $NONE_H.$P."               # 2
assert_status 401 "an alg:none token"
assert_error_code UNAUTHORIZED "alg:none token body"
dp GET "/oauth2/token?service=$LS&scope=repository:e2e/app:pull" -u "$ADMIN_USER:wrong-password"  # 3
assert_status 401 "GET /oauth2/token with a wrong password"
assert_error_code UNAUTHORIZED "wrong password body"
dp GET /v2/ -u "$ADMIN_USER:wrong-password"                                            # 4
assert_status 401 "GET /v2/ with a wrong Basic password"
assert_error_code UNAUTHORIZED "wrong Basic password body"
dp POST /oauth2/exchange --data-urlencode grant_type=access_token --data-urlencode "service=$LS" \
  --data-urlencode "access_token=not-a-management-token"                              # 5
assert_status 401 "POST /oauth2/exchange with a bad management token"
assert_error_code UNAUTHORIZED "bad exchange body"
expect_cli_error 1 "acr login with a wrong password" berth acr login -n "$ACR" -u "$ADMIN_USER" -p wrong-password  # 6
assert_match "refused" "$CLI_ERR" "acr login says the login was refused"

# --- 429 after repeated failures: last, it blocks 127.0.0.1 for the cool-down ------------------
got429=""
for ((i = 7; i <= 15; i++)); do
  dp GET "/oauth2/token?service=$LS" -u "$ADMIN_USER:wrong-$i"
  if [[ "$HTTP_STATUS" == 429 ]]; then got429=$i; break; fi
  [[ "$HTTP_STATUS" == 401 ]] || fail "failure $i: expected 401 or 429, got $HTTP_STATUS"
done
[[ -n "$got429" ]] || fail "no 429 after 15 failed authentications"
assert_match '^[1-9][0-9]*$' "$(hdr Retry-After)" "429 after $got429 failures, with Retry-After"
dp GET "/oauth2/token?service=$LS" -u "$ADMIN"
assert_status 429 "while blocked, even the right password gets 429 (checked before the password)"

berth group delete -n "$RG" --yes
e2e_done
