#!/usr/bin/env bash
# Who may do what: every kind of principal against every kind of data-plane operation, on the
# repository it was granted and on another one, with Basic credentials sent straight to /v2/ and
# again with a bearer token from the token server. A denied operation must be refused (401 for
# anonymous or bad credentials and for a bearer token lacking the scope, 403 for Basic
# credentials lacking the right) and must change nothing; an allowed one must succeed.
#
# Principals: anonymous, a wrong password, the registry's admin user, repository-scoped tokens
# (read on app; read+write on app; a disabled one), operators holding Reader at the registry,
# AcrPull at the resource group, AcrPush at the subscription, AcrDelete at the registry, no role
# at all, and the first operator (Owner at /). Then anonymous pull switched on, and the admin user
# switched off. Plain HTTP on 127.0.0.1 with Host routing; TLS and real clients are covered by
# test_auth_clients.sh.
export E2E_TIMEOUT="${E2E_TIMEOUT:-400}"  # ~30 principals x 11 operations x (Basic + bearer)
source "$(dirname "$0")/lib.sh"
need_pkgs jq curl python3
e2e_setup "$@"
is_berth || { skip "authorization is a berth feature"; e2e_done; }

# Every refused credential counts against 127.0.0.1; the matrix refuses a known number of them
# (fewer than 60) before the throttling section pushes the count over the limit on purpose.
cat >"$E2E_TMP/berth.yaml" <<'YAML'
auth:
  max_failures: 60
  failure_window_seconds: 3600
  lockout_seconds: 120
YAML
BERTH_ARGS="--config $E2E_TMP/berth.yaml"
E2E_AUTH=required start_registry
start_management
export BERTH_CONFIG_DIR="$E2E_TMP/berth-config"
berth() { "$BERTH_BIN" "$@" </dev/null; }
berth login --server "$MGMT_URL" --credentials-file "$E2E_DATA/operator-credentials.json" >/dev/null
OP_PW="$(jq -r .password "$E2E_DATA/operator-credentials.json")"
MGMT_AUTH="admin:$OP_PW"

REG_NAME="matrix${RANDOM}"
RG="matrix-rg-${RANDOM}"
LOGIN="$REG_NAME.cr.internal"
DP_PORT="${REG##*:}"
berth group create -n "$RG" -l eastus >/dev/null
berth acr create -g "$RG" -n "$REG_NAME" --sku Standard --admin-enabled true >/dev/null
REG_ID="$(berth acr show -n "$REG_NAME" --query id -o tsv)"
RG_ID="$(berth group show -n "$RG" --query id -o tsv)"
SUB_ID="$(berth account show --query id -o tsv)"
ADMIN_PW="$(berth acr credential show -n "$REG_NAME" --query 'passwords[0].value' -o tsv)"
ok "registry $REG_NAME (Standard, admin user on) in $RG"

# Operators with one role each (and one with none).
declare -A OPW
for who in reader pusher deleter nobody; do
  body="$(curl -sS -u "$MGMT_AUTH" -X PUT "$MGMT_URL/providers/Berth.Management/operators/${who}op")"
  OPW[$who]="$(jq -r .password <<<"$body")"
  [[ -n "${OPW[$who]}" && "${OPW[$who]}" != null ]] || fail "creating operator ${who}op: $body"
done
berth role assignment create --assignee readerop --role Reader --scope "$REG_ID" >/dev/null
# A service principal, as a cluster's pull secret would use: made with its role in one step.
OPW[puller]="$(berth ad sp create-for-rbac --name pullerop --role AcrPull --scopes "$RG_ID" --query password -o tsv 2>/dev/null)"
[[ -n "${OPW[puller]}" ]] || fail "ad sp create-for-rbac printed no password"
expect_cli_error 1 "ad sp create-for-rbac with an unknown role" berth ad sp create-for-rbac --name badrole01 --role Superuser --scopes "$RG_ID"
curl -sS -u "$MGMT_AUTH" "$MGMT_URL/providers/Berth.Management/operators" | jq -e '[.value[].username] | index("badrole01") == null' >/dev/null ||
  fail "a failed create-for-rbac left its operator behind"
berth role assignment create --assignee pusherop --role AcrPush --scope "/subscriptions/$SUB_ID" >/dev/null
berth role assignment create --assignee deleterop --role AcrDelete --scope "$REG_ID" >/dev/null
ok "operators with Reader (registry), AcrPull (group, a service principal), AcrPush (subscription), AcrDelete, none"

token_password() {  # token_password NAME ARGS...: creates the token, prints password1
  berth acr token create -r "$REG_NAME" -n "$@" --query 'credentials.passwords[0].value' -o tsv 2>/dev/null
}
TOK_READ_PW="$(token_password tokread --repository app content/read)"
TOK_PUSH_PW="$(token_password tokpush --repository app content/read content/write)"
TOK_OFF_PW="$(token_password tokoff --repository app content/read)"
berth acr token update -r "$REG_NAME" -n tokoff --status disabled >/dev/null
for pw in "$TOK_READ_PW" "$TOK_PUSH_PW" "$TOK_OFF_PW"; do
  [[ "$pw" =~ ^[A-Za-z0-9+/=]{20,}$ ]] || fail "token create printed no password: '$pw'"
done
ok "tokens: tokread (app read), tokpush (app read+write), tokoff (disabled)"

# --- content, pushed by the admin user --------------------------------------------------------
CURL=(curl -sS --resolve "$LOGIN:$DP_PORT:127.0.0.1")
BASE="http://$LOGIN:$DP_PORT"
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
CONFIG='{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
CONFIG_DIGEST="sha256:$(sha "$CONFIG")"
LAYER="layer bytes for the matrix"
LAYER_DIGEST="sha256:$(sha "$LAYER")"
MANIFEST="$(jq -cn --arg c "$CONFIG_DIGEST" --arg l "$LAYER_DIGEST" --argjson cs "${#CONFIG}" --argjson ls "${#LAYER}" \
  '{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$c,size:$cs},layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar",digest:$l,size:$ls}]}')"
MT=application/vnd.oci.image.manifest.v1+json
for repo in app other; do
  for pair in "$CONFIG_DIGEST|$CONFIG" "$LAYER_DIGEST|$LAYER"; do
    code="$("${CURL[@]}" -u "$REG_NAME:$ADMIN_PW" -o /dev/null -w '%{http_code}' -X POST \
      --data-binary "${pair#*|}" -H 'Content-Type: application/octet-stream' \
      "$BASE/v2/$repo/blobs/uploads/?digest=${pair%%|*}")"
    assert_eq 201 "$code" "admin pushes a blob to $repo"
  done
  code="$("${CURL[@]}" -u "$REG_NAME:$ADMIN_PW" -o /dev/null -w '%{http_code}' -X PUT \
    -H "Content-Type: $MT" --data-binary "$MANIFEST" "$BASE/v2/$repo/manifests/v1")"
  assert_eq 201 "$code" "admin pushes $repo:v1"
done

# --- the matrix -------------------------------------------------------------------------------
# op name -> method, path, and the status that means "allowed".
OPS=(base catalog tags-app pull-app head-blob-app push-app put-app delete-app pull-other push-other mount)
declare -A OP_ALLOWED=(
  [base]=200 [catalog]=200 [tags-app]=200 [pull-app]=200 [head-blob-app]=200 [push-app]=202
  [put-app]=201 [delete-app]=404 [pull-other]=200 [push-other]=202 [mount]=201)

# do_op OP AUTH_ARGS...: prints the HTTP status.
do_op() {
  local op="$1"; shift
  local args=("${CURL[@]}" "$@" -o "$E2E_TMP/op.body" -w '%{http_code}')
  case "$op" in
    base)          "${args[@]}" "$BASE/v2/" ;;
    catalog)       "${args[@]}" "$BASE/v2/_catalog" ;;
    tags-app)      "${args[@]}" "$BASE/v2/app/tags/list" ;;
    pull-app)      "${args[@]}" -H "Accept: $MT" "$BASE/v2/app/manifests/v1" ;;
    head-blob-app) "${args[@]}" -I "$BASE/v2/app/blobs/$LAYER_DIGEST" ;;
    push-app)      "${args[@]}" -X POST "$BASE/v2/app/blobs/uploads/" ;;
    put-app)       "${args[@]}" -X PUT -H "Content-Type: $MT" --data-binary "$MANIFEST" "$BASE/v2/app/manifests/v2" ;;
    delete-app)    "${args[@]}" -X DELETE "$BASE/v2/app/manifests/no-such-tag" ;;
    pull-other)    "${args[@]}" -H "Accept: $MT" "$BASE/v2/other/manifests/v1" ;;
    push-other)    "${args[@]}" -X POST "$BASE/v2/other/blobs/uploads/" ;;
    mount)         "${args[@]}" -X POST "$BASE/v2/app/blobs/uploads/?mount=$LAYER_DIGEST&from=other" ;;
  esac
}

# The scope a bearer token is requested with for an operation (what docker would ask for).
scope_of() {
  case "$1" in
    base) echo "" ;;
    catalog) echo "registry:catalog:*" ;;
    tags-app|pull-app|head-blob-app) echo "repository:app:pull" ;;
    push-app|put-app) echo "repository:app:pull,push" ;;
    delete-app) echo "repository:app:delete" ;;
    pull-other) echo "repository:other:pull" ;;
    push-other) echo "repository:other:pull,push" ;;
    mount) echo "repository:app:pull,push repository:other:pull" ;;
  esac
}

# check_principal LABEL "USER:PASSWORD"|"" DENIED_STATUS "allowed ops..." [mount-fallback]
# mount-fallback: the principal may push app but not pull other, so a mount becomes an upload.
check_principal() {
  local label="$1" creds="$2" denied="$3" allowed=" $4 " fallback="${5:-}"
  local op want got auth=()
  [[ -n "$creds" ]] && auth=(-u "$creds")
  for op in "${OPS[@]}"; do
    if [[ "$allowed" == *" $op "* ]]; then want="${OP_ALLOWED[$op]}"; else want="$denied"; fi
    [[ "$op" == mount && -n "$fallback" ]] && want=202
    got="$(do_op "$op" "${auth[@]}")"
    [[ "$got" == "$want" ]] || fail "$label: $op answered $got, expected $want ($(head -c 200 "$E2E_TMP/op.body"))"
    if [[ ( "$want" == 401 || "$want" == 403 ) && "$op" != head-blob-app ]]; then  # HEAD has no body
      jq -e '.errors[0].code | test("UNAUTHORIZED|DENIED")' "$E2E_TMP/op.body" >/dev/null ||
        fail "$label: $op: no distribution error body: $(head -c 200 "$E2E_TMP/op.body")"
    fi
  done
  ok "$label (Basic): allowed [${4:-nothing}], the rest $denied"

  # The same through the token server: each operation with a token for what it needs (only for
  # credentials that verify: the others never get a token).
  [[ -n "$creds" && "$denied" == 403 ]] || return 0
  local tok scope s
  for op in "${OPS[@]}"; do
    scope="$(scope_of "$op")"
    local form=(-G --data-urlencode "service=$LOGIN")
    local -a scopes
    read -r -a scopes <<<"$scope"
    for s in "${scopes[@]}"; do form+=(--data-urlencode "scope=$s"); done
    tok="$("${CURL[@]}" -u "$creds" "${form[@]}" "$BASE/oauth2/token" | jq -r .token)"
    [[ -n "$tok" && "$tok" != null ]] || fail "$label: no token for $op"
    if [[ "$allowed" == *" $op "* ]]; then want="${OP_ALLOWED[$op]}"; else want=401; fi
    [[ "$op" == mount && -n "$fallback" ]] && want=202
    got="$(do_op "$op" -H "Authorization: Bearer $tok")"
    [[ "$got" == "$want" ]] || fail "$label: $op with a bearer token answered $got, expected $want ($(head -c 200 "$E2E_TMP/op.body"))"
  done
  ok "$label (bearer): the token server grants exactly the same"
}

ALL="base catalog tags-app pull-app head-blob-app push-app put-app delete-app pull-other push-other mount"
check_principal "anonymous" "" 401 ""
check_principal "wrong password" "$REG_NAME:not-the-password" 401 ""
check_principal "admin user" "$REG_NAME:$ADMIN_PW" 403 "$ALL"
check_principal "first operator (Owner at /)" "$MGMT_AUTH" 403 "$ALL"
check_principal "token tokread (app: read)" "tokread:$TOK_READ_PW" 403 "base tags-app pull-app head-blob-app"
check_principal "token tokpush (app: read, write)" "tokpush:$TOK_PUSH_PW" 403 "base tags-app pull-app head-blob-app push-app put-app mount" fallback
check_principal "disabled token" "tokoff:$TOK_OFF_PW" 401 ""
check_principal "Reader at the registry" "readerop:${OPW[reader]}" 403 "base catalog tags-app pull-app head-blob-app pull-other"
check_principal "AcrPull at the group" "pullerop:${OPW[puller]}" 403 "base tags-app pull-app head-blob-app pull-other"
check_principal "AcrPush at the subscription" "pusherop:${OPW[pusher]}" 403 "base tags-app pull-app head-blob-app push-app put-app pull-other push-other mount"
check_principal "AcrDelete at the registry" "deleterop:${OPW[deleter]}" 403 "base delete-app"
check_principal "operator without a role" "nobodyop:${OPW[nobody]}" 403 "base"

# Nothing a refused request did is visible: app has exactly v1 and v2 (v2 put by the allowed).
assert_eq '["v1","v2"]' "$("${CURL[@]}" -u "$REG_NAME:$ADMIN_PW" "$BASE/v2/app/tags/list" | jq -c '.tags|sort')" "app's tags after the matrix"

# --- switches -----------------------------------------------------------------------------------
berth acr update -n "$REG_NAME" --anonymous-pull-enabled true >/dev/null
check_principal "anonymous with anonymous pull" "" 401 "tags-app pull-app head-blob-app pull-other"
tok="$("${CURL[@]}" "$BASE/oauth2/token?service=$LOGIN&scope=repository:app:pull,push" | jq -r .token)"
assert_eq 200 "$(do_op pull-app -H "Authorization: Bearer $tok")" "an anonymous token pulls"
assert_eq 401 "$(do_op push-app -H "Authorization: Bearer $tok")" "an anonymous token does not push"
berth acr update -n "$REG_NAME" --anonymous-pull-enabled false >/dev/null
check_principal "anonymous after anonymous pull is off again" "" 401 ""

berth acr update -n "$REG_NAME" --admin-enabled false >/dev/null
check_principal "admin user while disabled" "$REG_NAME:$ADMIN_PW" 401 ""
berth acr update -n "$REG_NAME" --admin-enabled true >/dev/null
check_principal "admin user enabled again" "$REG_NAME:$ADMIN_PW" 403 "$ALL"

berth role assignment delete --assignee pullerop --role AcrPull --scope "$RG_ID" >/dev/null
check_principal "AcrPull after its assignment was deleted" "pullerop:${OPW[puller]}" 403 "base"

# --- the management API: roles decide who may change what ------------------------------------
mg_code() {  # mg_code USER:PASSWORD METHOD PATH [BODY]
  curl -sS -o "$E2E_TMP/mg.body" -w '%{http_code}' -u "$1" -X "$2" -H 'Content-Type: application/json' \
    ${4:+--data "$4"} "$MGMT_URL$3"
}
GRANT_SELF='{"properties":{"roleDefinitionName":"Owner","principalId":"nobodyop"}}'
assert_eq 403 "$(mg_code "nobodyop:${OPW[nobody]}" PUT "/providers/Microsoft.Authorization/roleAssignments/11111111-2222-3333-4444-555555555555" "$GRANT_SELF")" \
  "an operator without a role cannot make itself Owner"
jq -e '.error.code == "AuthorizationFailed"' "$E2E_TMP/mg.body" >/dev/null || fail "no AuthorizationFailed body: $(head -c 200 "$E2E_TMP/mg.body")"
assert_eq 403 "$(mg_code "pusherop:${OPW[pusher]}" PATCH "$REG_ID" '{"properties":{"adminUserEnabled":false}}')" \
  "AcrPush does not change the registry"
assert_eq 403 "$(mg_code "readerop:${OPW[reader]}" POST "$REG_ID/listCredentials")" "Reader does not read the admin passwords"
assert_eq 200 "$(mg_code "readerop:${OPW[reader]}" GET "$REG_ID")" "Reader reads the registry"
assert_eq 403 "$(mg_code "readerop:${OPW[reader]}" PUT "/providers/Berth.Management/operators/sneaky")" "only an Owner at / creates operators"
berth role assignment create --assignee readerop --role Contributor --scope "$REG_ID" >/dev/null
assert_eq 200 "$(mg_code "readerop:${OPW[reader]}" POST "$REG_ID/listCredentials")" "Contributor at the registry reads the admin passwords"
assert_eq 403 "$(mg_code "readerop:${OPW[reader]}" PUT "$RG_ID/providers/Microsoft.Authorization/roleAssignments/11111111-2222-3333-4444-555555555555" "$GRANT_SELF")" \
  "Contributor does not hand out roles"
ok "the management API: reads for every operator, changes for Contributor, roles for Owner"

# --- forged and malformed credentials ---------------------------------------------------------
good="$("${CURL[@]}" -u "$REG_NAME:$ADMIN_PW" "$BASE/oauth2/token?service=$LOGIN&scope=repository:app:pull" | jq -r .token)"
# alg:none with the original claims, an escalated payload under the original signature, a
# flipped signature byte, a token without signature.
mapfile -t FORGED < <(python3 - "$good" <<'PY'
import base64, json, sys
h, p, s = sys.argv[1].split(".")
def dec(x): return base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
def enc(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
claims = json.loads(dec(p))
claims["access"] = [{"type": "repository", "name": "app", "actions": ["pull", "push", "delete"]}]
sig = bytearray(dec(s)); sig[5] ^= 1
print(enc(b'{"alg":"none","typ":"JWT"}') + "." + p + ".")
print(h + "." + enc(json.dumps(claims).encode()) + "." + s)
print(h + "." + p + "." + enc(bytes(sig)))
print(h + "." + p)
PY
)
[[ ${#FORGED[@]} == 4 ]] || fail "could not forge the test tokens"
for forged in "${FORGED[@]}" "not-a-token" "$(head -c 9000 /dev/zero | tr '\0' a)"; do
  assert_eq 401 "$(do_op pull-app -H "Authorization: Bearer $forged")" "a forged bearer token is refused (${forged:0:24}...)"
done
other_reg="$("${CURL[@]}" -u "admin:$OP_PW" --resolve "default.cr.internal:$DP_PORT:127.0.0.1" "http://default.cr.internal:$DP_PORT/oauth2/token?service=default.cr.internal&scope=repository:app:pull" | jq -r .token)"
assert_eq 401 "$(do_op pull-app -H "Authorization: Bearer $other_reg")" "a token for another registry is refused (audience)"
for header in "Basic !!!" "Basic $(printf 'nocolon' | base64)" "Digest username=x" "Bearer"; do
  assert_eq 401 "$(do_op pull-app -H "Authorization: $header")" "malformed Authorization '$header' is refused"
done
assert_eq 400 "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -u "$REG_NAME:$ADMIN_PW" "$BASE/oauth2/token?service=$LOGIN&scope=repository:UPPER:pull")" "a malformed scope is a 400"
assert_eq 400 "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -u "$REG_NAME:$ADMIN_PW" "$BASE/oauth2/token?service=elsewhere.example.com")" "a token for another service is a 400"

# --- throttling -------------------------------------------------------------------------------
# Every failure above counted; keep failing until the address is locked out.
got=""
for i in $(seq 1 60); do
  got="$("${CURL[@]}" -o /dev/null -D "$E2E_TMP/throttle.hdr" -w '%{http_code}' -u "$REG_NAME:guess$i" "$BASE/v2/")"
  [[ "$got" == 429 ]] && break
done
assert_eq 429 "$got" "repeated failures from one address are throttled"
grep -qi '^Retry-After: [1-9]' "$E2E_TMP/throttle.hdr" || fail "429 without Retry-After"
assert_eq 429 "$(do_op pull-app -u "$REG_NAME:$ADMIN_PW")" "while locked out even the right password waits"
berth acr audit list -n "$REG_NAME" --top 500 >"$E2E_TMP/audit.json"
jq -e 'map(select(.outcome == "throttled")) | length > 0' "$E2E_TMP/audit.json" >/dev/null || fail "throttling is not audited"
jq -e 'map(select(.outcome == "denied")) | length > 0' "$E2E_TMP/audit.json" >/dev/null || fail "denials are not audited"
jq -e 'map(select(.action == "push" and .outcome == "success" and .principal == "tokpush")) | length > 0' "$E2E_TMP/audit.json" >/dev/null || fail "a token's push is not audited"
if grep -q -- "$ADMIN_PW\|$OP_PW\|$TOK_READ_PW" "$E2E_DATA/audit/audit.log" "$REG_LOG"; then
  fail "a password appears in the audit log or the daemon log"
fi
ok "the audit trail has the throttling, the denials and the pushes, and no secret"
e2e_done
