#!/usr/bin/env bash
# The berth CLI against a real daemon, driven as a user drives az: login from the operator
# credentials file, account/provider/group/acr commands with --query and -o tsv/table, an image
# pushed with skopeo to the registry's login server and inspected with `berth acr repository`,
# bad input answered with one ERROR line, and `group delete` taking everything with it.
#
# How skopeo reaches <name>.cr.internal: the test runs in a network namespace of its own
# (e2e_enter_netns) whose /etc/hosts maps the first registry's login server to 127.0.0.1, where
# the daemon listens; skopeo sends `Host: <login server>:<port>` and the daemon routes by it.
# The second registry is deliberately not in that hosts file, so the CLI's other route -- the
# profile's data-plane address with a Host header -- is exercised too.
source "$(dirname "$0")/lib.sh"
need_pkgs skopeo umoci jq curl python3 iproute2

ACR_NAME="${ACR_NAME:-acr${RANDOM}${RANDOM}}"
ACR2_NAME="${ACR2_NAME:-second${RANDOM}}"
RG="${RG:-e2e-rg-${RANDOM}}"
DOMAIN=cr.internal  # the daemon's default `domain`
export ACR_NAME ACR2_NAME RG
E2E_NETNS_HOSTS="$ACR_NAME.$DOMAIN" e2e_enter_netns "$@"
e2e_setup "$@"

start_registry
start_management
DP_PORT="${REG##*:}"
export BERTH_CONFIG_DIR="$E2E_TMP/berth-config"
berth() { "$BERTH_BIN" "$@" </dev/null; }

# --- before login ---------------------------------------------------------------------------
expect_cli_error 1 "acr list before login" berth acr list
assert_eq "ERROR: Please run 'berth login' to set up an account." "$CLI_ERR" "asks to log in"

# --- login ----------------------------------------------------------------------------------
berth login --server "$MGMT_URL" --credentials-file "$E2E_DATA/operator-credentials.json" >"$E2E_TMP/login.json"
SUB_ID="$(jq -r '.[] | select(.isDefault) | .id' "$E2E_TMP/login.json")"
assert_match '^[0-9a-f-]{36}$' "$SUB_ID" "login prints the subscriptions, the default one marked isDefault"
assert_eq 600 "$(stat -c %a "$BERTH_CONFIG_DIR/profile.json")" "profile.json is private (0600)"
assert_eq 700 "$(stat -c %a "$BERTH_CONFIG_DIR")" "profile directory is private (0700)"
assert_eq "127.0.0.1:$DP_PORT" "$(jq -r '.dataPlane[0]' "$BERTH_CONFIG_DIR/profile.json")" "profile records the data-plane address"
assert_eq "$SUB_ID" "$(berth account show --query id -o tsv)" "account show --query id -o tsv"
SUB_NAME="$(berth account show --query name -o tsv)"
berth account set --subscription "$SUB_NAME"
ok "account set --subscription by name"
expect_cli_error 1 "account set to an unknown subscription" berth account set -s no-such-subscription

# --- provider and group ---------------------------------------------------------------------
berth provider register --namespace Microsoft.ContainerRegistry
assert_eq Registered "$(berth provider show -n Microsoft.ContainerRegistry --query registrationState -o tsv)" "provider register, then show"
assert_eq Succeeded "$(berth group create -n "$RG" -l eastus --tags env=e2e owner --query properties.provisioningState -o tsv)" "group create"
assert_eq "e2e" "$(berth group show -n "$RG" --query tags.env -o tsv)" "group tags"
assert_eq true "$(berth group exists -n "$RG")" "group exists"
assert_eq false "$(berth group exists -n "nope-$RG")" "group exists (missing)"
assert_eq prod "$(berth group update -n "$RG" --set tags.env=prod --query tags.env -o tsv)" "group update --set"
assert_eq '{"a":"1","b":""}' "$(berth group update -n "$RG" --tags a=1 b --query tags | jq -c .)" "group update --tags replaces the tags"
assert_match "^$RG[[:space:]]+eastus[[:space:]]+Succeeded" "$(berth group list -o table | grep "^$RG ")" "group list -o table"

# --- registry lifecycle ---------------------------------------------------------------------
assert_eq true "$(berth acr check-name -n "$ACR_NAME" --query nameAvailable -o tsv)" "check-name before create"
berth acr create -g "$RG" -n "$ACR_NAME" --sku Premium --public-network-enabled false --admin-enabled true >"$E2E_TMP/create.json"
assert_eq Disabled "$(jq -r .publicNetworkAccess "$E2E_TMP/create.json")" "acr create output is flattened (publicNetworkAccess)"
assert_eq "$RG" "$(jq -r .resourceGroup "$E2E_TMP/create.json")" "acr create output has resourceGroup"
REGISTRY_ID=$(berth acr show -n $ACR_NAME --query 'id' -o tsv)
assert_eq "/subscriptions/$SUB_ID/resourceGroups/$RG/providers/Microsoft.ContainerRegistry/registries/$ACR_NAME" "$REGISTRY_ID" "REGISTRY_ID=\$(berth acr show -n ... --query id -o tsv)"
LOGIN_SERVER="$(berth acr show -n "$ACR_NAME" --query loginServer -o tsv)"
assert_eq "$ACR_NAME.$DOMAIN" "$LOGIN_SERVER" "acr show --query loginServer"
assert_eq "$ACR_NAME" "$(berth acr show -n "$LOGIN_SERVER" -g "$RG" --query name -o tsv --only-show-errors)" "acr show accepts the login server as name"
assert_eq false "$(berth acr check-name -n "$ACR_NAME" --query nameAvailable -o tsv)" "check-name after create"
assert_eq "$ACR_NAME" "$(berth acr list -g "$RG" --query '[].name' -o tsv)" "acr list -g"
assert_eq "$ACR_NAME" "$(berth acr list --subscription "$SUB_NAME" --query '[].name' -o tsv)" "--subscription by name"
expect_cli_error 1 "--subscription that does not exist" berth acr list --subscription nope
assert_match "^$ACR_NAME[[:space:]]+$RG[[:space:]]+eastus[[:space:]]+Premium[[:space:]]+$LOGIN_SERVER" "$(berth acr list -o table | sed -n 3p)" "acr list -o table (az columns)"

berth acr update -n "$ACR_NAME" --public-network-enabled true --default-action Deny --tags team=e2e >"$E2E_TMP/update.json"
assert_eq "Enabled Deny e2e" "$(jq -r '[.publicNetworkAccess, .networkRuleSet.defaultAction, .tags.team] | join(" ")' "$E2E_TMP/update.json")" "acr update (public network, default action, tags)"
assert_eq Allow "$(berth acr update -n "$ACR_NAME" -g "$RG" --default-action Allow --query networkRuleSet.defaultAction -o tsv)" "acr update -g"

assert_eq 2 "$(berth acr credential show -n "$ACR_NAME" --query 'length(passwords)' -o tsv)" "credential show lists two passwords"
OLD_PW2="$(berth acr credential show -n "$ACR_NAME" --query 'passwords[1].value' -o tsv)"
NEW_PW2="$(berth acr credential renew -n "$ACR_NAME" --password-name password2 --query 'passwords[1].value' -o tsv)"
assert_ne "$OLD_PW2" "$NEW_PW2" "credential renew --password-name password2 changes password2"
berth acr update -n "$ACR_NAME" --admin-enabled false >/dev/null
expect_cli_error 1 "credential show with the admin user disabled" berth acr credential show -n "$ACR_NAME"
berth acr update -n "$ACR_NAME" --admin-enabled true >/dev/null

assert_eq 536870912000 "$(berth acr show-usage -n "$ACR_NAME" --query "value[?name=='Size'].limit | [0]" -o tsv)" "show-usage: Premium size limit"
assert_match '^NAME +USED +LIMIT +UNIT' "$(berth acr show-usage -n "$ACR_NAME" -o table | head -1)" "show-usage -o table prints the rows"
assert_eq "$LOGIN_SERVER" "$(berth acr show-endpoints -n "$ACR_NAME" --query loginServer -o tsv)" "show-endpoints"
berth acr show -n "$ACR_NAME" -o yaml >"$E2E_TMP/show.yaml"
assert_eq "loginServer: $LOGIN_SERVER" "$(grep '^loginServer:' "$E2E_TMP/show.yaml")" "-o yaml"
berth acr show -n "$ACR_NAME" >"$E2E_TMP/show.json"
assert_eq "$LOGIN_SERVER" "$("$BERTH_BIN" jp -u loginServer <"$E2E_TMP/show.json")" "berth jp -u over saved output"

TMP_ACR="tmp${RANDOM}${RANDOM}"
berth acr create -g "$RG" -n "$TMP_ACR" --sku Standard --anonymous-pull-enabled -o none
assert_eq "Standard true" "$(berth acr show -n "$TMP_ACR" --query '[sku.name, anonymousPullEnabled]' -o tsv | xargs)" "acr create --sku Standard --anonymous-pull-enabled"
berth acr delete -n "$TMP_ACR" --yes
expect_cli_error 1 "acr delete removed the registry" berth acr show -n "$TMP_ACR" -g "$RG"

# --- content through the data plane ---------------------------------------------------------
L="$E2E_TMP/layout"
build_image "$L" one 1 64 amd64
build_image "$L" two 1 64 amd64
ONE_DIGEST="$(layout_digest "$L" one)"
# Registries made through the management API require credentials: the first operator's.
OP_CREDS="admin:$(jq -r .password "$E2E_DATA/operator-credentials.json")"
rc=0; skopeo_ copy -q --dest-tls-verify=false "oci:$L:one" "docker://$LOGIN_SERVER:$DP_PORT/e2e/app:v1" 2>"$E2E_TMP/anon.err" || rc=$?
[[ $rc -ne 0 ]] || fail "an anonymous push to a managed registry succeeded"
ok "an anonymous push is refused ($(grep -o 'authentication required' "$E2E_TMP/anon.err" | head -1))"
skopeo_ copy -q --dest-tls-verify=false --dest-creds "$OP_CREDS" "oci:$L:one" "docker://$LOGIN_SERVER:$DP_PORT/e2e/app:v1"
skopeo_ copy -q --dest-tls-verify=false --dest-creds "$OP_CREDS" "oci:$L:two" "docker://$LOGIN_SERVER:$DP_PORT/e2e/app:v2"
skopeo_ copy -q --dest-tls-verify=false --dest-creds "$OP_CREDS" "oci:$L:one" "docker://$LOGIN_SERVER:$DP_PORT/e2e/other:latest"
ok "skopeo pushed to $LOGIN_SERVER:$DP_PORT (name resolved by the namespace's /etc/hosts)"

# --- the audit trail --------------------------------------------------------------------------
code="$(curl -s -o /dev/null -w '%{http_code}' -u admin:wrong-password --resolve "$LOGIN_SERVER:$DP_PORT:127.0.0.1" "http://$LOGIN_SERVER:$DP_PORT/v2/e2e/app/tags/list")"
assert_eq 401 "$code" "a wrong password is refused"
berth acr audit list -n "$ACR_NAME" >"$E2E_TMP/audit.json"
assert_eq "authenticate failure 401 admin" "$(jq -r '.[0] | "\(.action) \(.outcome) \(.status) \(.principal)"' "$E2E_TMP/audit.json")" "newest audit event: the failed sign-in"
assert_eq "push success admin identity e2e/other latest" \
  "$(jq -r '[.[] | select(.action == "push")][0] | "\(.action) \(.outcome) \(.principal) \(.principalKind) \(.repository) \(.reference)"' "$E2E_TMP/audit.json")" \
  "the last push is audited with its principal, repository and tag"
assert_eq 1 "$(berth acr audit list -n "$ACR_NAME" --top 1 --query 'length(@)' -o tsv)" "acr audit list --top 1"
berth acr audit list -n "$ACR_NAME" -o table | grep -q "OUTCOME" || fail "acr audit list -o table has no OUTCOME column"
expect_cli_error 1 "acr audit list --top 0" berth acr audit list -n "$ACR_NAME" --top 0
ok "acr audit list shows the failed sign-in and the pushes, newest first"

assert_eq "e2e/app e2e/other" "$(berth acr repository list -n "$ACR_NAME" -o tsv | sort | xargs)" "acr repository list"
assert_eq 1 "$(berth acr repository list -n "$ACR_NAME" --top 1 --query 'length(@)' -o tsv)" "acr repository list --top"
assert_eq "v1 v2" "$(berth acr repository show-tags -n "$ACR_NAME" --repository e2e/app -o tsv | sort | xargs)" "show-tags"
assert_eq 1 "$(berth acr repository show-tags -n "$ACR_NAME" --repository e2e/app --orderby time_desc --top 1 --query 'length(@)' -o tsv)" "show-tags --orderby time_desc --top 1"
assert_eq "$ONE_DIGEST" "$(berth acr repository show-tags -n "$ACR_NAME" --repository e2e/app --detail --query "[?name=='v1'].digest | [0]" -o tsv)" "show-tags --detail digest"
assert_eq "$ONE_DIGEST" "$(berth acr repository show -n "$ACR_NAME" --image e2e/app:v1 --query digest -o tsv)" "repository show --image"
assert_eq 2 "$(berth acr repository show -n "$ACR_NAME" --repository e2e/app --query tagCount -o tsv)" "repository show --repository"
assert_eq amd64 "$(berth acr repository show -n "$ACR_NAME" --image "e2e/app@$ONE_DIGEST" --query architecture -o tsv)" "repository show --image repo@digest"
berth acr check-health -n "$ACR_NAME" 2>"$E2E_TMP/health.txt"
assert_match "DNS lookup to $LOGIN_SERVER at IP 127.0.0.1 : OK" "$(cat "$E2E_TMP/health.txt")" "check-health: DNS step"
assert_match "Challenge endpoint .* : OK" "$(cat "$E2E_TMP/health.txt")" "check-health: challenge step"

berth acr repository untag -n "$ACR_NAME" --image e2e/app:v2
assert_eq "v1" "$(berth acr repository show-tags -n "$ACR_NAME" --repository e2e/app -o tsv)" "untag removed v2 only"
expect_cli_error 1 "repository delete without --yes and no tty" berth acr repository delete -n "$ACR_NAME" --image e2e/app:v1
berth acr repository delete -n "$ACR_NAME" --image e2e/app:v1 --yes
assert_eq "" "$(berth acr repository show-tags -n "$ACR_NAME" --repository e2e/app -o tsv 2>/dev/null || true)" "repository delete --image removed the manifest and its tags"
berth acr repository delete -n "$ACR_NAME" --repository e2e/other --yes
assert_eq "" "$(berth acr repository show-tags -n "$ACR_NAME" --repository e2e/other -o tsv 2>/dev/null || true)" "repository delete --repository"

# --- a registry whose name does not resolve: reached via the data-plane address -------------
berth acr create -g "$RG" -n "$ACR2_NAME" --sku Basic -o none
LOGIN2="$ACR2_NAME.$DOMAIN"
# curl can aim a name at an address itself, which pushes a tiny image without /etc/hosts.
C=(curl -sf -u "$OP_CREDS" --resolve "$LOGIN2:$DP_PORT:127.0.0.1")
printf '{}' >"$E2E_TMP/config.json"
CFG_DIGEST="$(sha256_file "$E2E_TMP/config.json")"
"${C[@]}" -X POST -o /dev/null -D "$E2E_TMP/post.hdr" "http://$LOGIN2:$DP_PORT/v2/e2e/curl/blobs/uploads/?digest=$CFG_DIGEST" \
  -H 'Content-Type: application/octet-stream' --data-binary @"$E2E_TMP/config.json"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":2},"layers":[]}' "$CFG_DIGEST" >"$E2E_TMP/manifest.json"
"${C[@]}" -X PUT -o /dev/null "http://$LOGIN2:$DP_PORT/v2/e2e/curl/manifests/t1" \
  -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary @"$E2E_TMP/manifest.json"
assert_eq "e2e/curl" "$(berth acr repository list -n "$ACR2_NAME" -o tsv)" "repository list via the data-plane address (Host: $LOGIN2)"
expect_cli_error 1 "check-health: the unresolvable login server is a DNS error" berth acr check-health -n "$ACR2_NAME" --only-show-errors
assert_match "CONNECTIVITY_DNS_ERROR" "$CLI_ERR" "check-health error code"
berth acr check-health -n "$ACR2_NAME" --ignore-errors 2>"$E2E_TMP/health2.txt"
assert_match "Challenge endpoint .* : OK" "$(cat "$E2E_TMP/health2.txt")" "check-health --ignore-errors goes on to the challenge"

# --- bad input: one line on stderr, non-zero exit -------------------------------------------
expect_cli_error 2 "unknown flag" berth acr list --bogus
expect_cli_error 2 "missing required flag" berth acr create -g "$RG" --sku Basic
expect_cli_error 2 "unknown SKU" berth acr create -g "$RG" -n "bad${RANDOM}x" --sku Gold
expect_cli_error 1 "invalid registry name (too short)" berth acr create -g "$RG" -n ab --sku Basic
expect_cli_error 1 "invalid registry name (characters)" berth acr create -g "$RG" -n "bad-name_$RANDOM" --sku Basic
expect_cli_error 1 "uppercase registry name" berth acr create -g "$RG" -n "Upper$RANDOM" --sku Basic
# (Re-creating in the same group is a PUT that replaces, as in ARM; the name is taken elsewhere.)
berth group create -n "$RG-other" -l westeurope -o none
expect_cli_error 1 "duplicate registry name (taken in another group)" berth acr create -g "$RG-other" -n "$ACR_NAME" --sku Basic
expect_cli_error 1 "registry in a missing group" berth acr create -g "nope-$RG" -n "fresh${RANDOM}x" --sku Basic
expect_cli_error 1 "Premium-only setting on Basic" berth acr update -n "$ACR2_NAME" --public-network-enabled false
expect_cli_error 1 "missing registry" berth acr show -n "missing${RANDOM}x"
expect_cli_error 1 "missing group" berth group show -n "nope-$RG"
expect_cli_error 2 "bad --query" berth acr list --query '[?'
expect_cli_error 2 "unknown command" berth acr frobnicate
expect_cli_error 1 "group delete without --yes and no tty" berth group delete -n "$RG-other"

# --- group delete takes the registries and their content with it ---------------------------
berth group delete -n "$RG" --yes
berth group delete -n "$RG-other" --yes --no-wait
assert_eq false "$(berth group exists -n "$RG")" "group gone"
expect_cli_error 1 "registry gone with its group" berth acr show -n "$ACR_NAME"
assert_eq 0 "$(berth acr list --query 'length(@)' -o tsv)" "no registries left"
for login in "$LOGIN_SERVER" "$LOGIN2"; do
  code="$(curl -s -o /dev/null -w '%{http_code}' --resolve "$login:$DP_PORT:127.0.0.1" "http://$login:$DP_PORT/v2/")"
  assert_eq 404 "$code" "data plane no longer serves $login"
done

berth logout
expect_cli_error 1 "commands after logout" berth group list
e2e_done
