#!/usr/bin/env bash
# The az command lines of the seed articles (/work/shared/seeds: "Connect privately to an Azure
# container registry using Azure Private Link" and "Using Azure Container Registry in Private
# ARO clusters") that berth implements, run as written with `az` replaced by `berth`. Setup the
# articles assume (a signed-in CLI, an existing resource group) is done first; placeholders such
# as <Name or ID of subscription> are filled in. The network/private-endpoint steps between them
# need `berth network ...`, which does not exist yet.
source "$(dirname "$0")/lib.sh"
need_pkgs jq curl python3
e2e_setup "$@"

start_registry
start_management
export BERTH_CONFIG_DIR="$E2E_TMP/berth-config"
berth() { "$BERTH_BIN" "$@" </dev/null; }

# --- what the articles assume ---------------------------------------------------------------
berth login --server "$MGMT_URL" --credentials-file "$E2E_DATA/operator-credentials.json" -o none
SUBSCRIPTION_NAME="$(berth account show --query name -o tsv)"
ok "signed in; subscription '$SUBSCRIPTION_NAME'"

# --- ARO article (003) ----------------------------------------------------------------------
export NAMESPACE=aro-acr
export AZR_RESOURCE_LOCATION=eastus
export AZR_RESOURCE_GROUP=aro-mobb-rg
# The article's line, retried in the rare case $RANDOM < 10 makes a name shorter than the
# 5 characters registry names need (the article would fail the same way on Azure).
while :; do
  export ACR_NAME=acr$((RANDOM))
  [[ ${#ACR_NAME} -ge 5 ]] && break
done
berth group create --name "$AZR_RESOURCE_GROUP" --location "$AZR_RESOURCE_LOCATION" -o none

berth provider register --namespace Microsoft.ContainerRegistry
ok "provider register --namespace Microsoft.ContainerRegistry"

berth acr create \
--resource-group $AZR_RESOURCE_GROUP \
--name $ACR_NAME \
--sku Premium \
--public-network-enabled false \
--admin-enabled true >"$E2E_TMP/create.json"
assert_eq "Premium Disabled true $AZR_RESOURCE_GROUP" \
  "$(jq -r '[.sku.name, .publicNetworkAccess, .adminUserEnabled, .resourceGroup] | map(tostring) | join(" ")' "$E2E_TMP/create.json")" \
  "acr create --sku Premium --public-network-enabled false --admin-enabled true"

REGISTRY_ID=$(berth acr show -n $ACR_NAME --query 'id' -o tsv)
SUB_ID="$(berth account show --query id -o tsv)"
assert_eq "/subscriptions/$SUB_ID/resourceGroups/$AZR_RESOURCE_GROUP/providers/Microsoft.ContainerRegistry/registries/$ACR_NAME" \
  "$REGISTRY_ID" "REGISTRY_ID=\$(berth acr show -n \$ACR_NAME --query 'id' -o tsv)"

# --- Private Link article (000) -------------------------------------------------------------
berth account set --subscription "$SUBSCRIPTION_NAME"
ok "account set --subscription <Name or ID of subscription of private link>"

berth provider register --namespace Microsoft.ContainerRegistry
ok "provider register again (idempotent)"

REGISTRY_NAME=$ACR_NAME
REGISTRY_LOCATION=$AZR_RESOURCE_LOCATION
RESOURCE_GROUP=$AZR_RESOURCE_GROUP

REGISTRY_ID=$(berth acr show --name $REGISTRY_NAME \
  --query 'id' --output tsv)
assert_match "/registries/$REGISTRY_NAME\$" "$REGISTRY_ID" "REGISTRY_ID=\$(berth acr show --name ... --query 'id' --output tsv)"

# The article turns public access back off after setting up the endpoint; turn it on first so
# the update visibly changes something.
berth acr update --name $REGISTRY_NAME --public-network-enabled true -o none
berth acr update --name $REGISTRY_NAME --public-network-enabled false >"$E2E_TMP/update.json"
assert_eq Disabled "$(jq -r .publicNetworkAccess "$E2E_TMP/update.json")" "acr update --name \$REGISTRY_NAME --public-network-enabled false"

# "Use the az acr show-usage command to see the limit for your registry."
assert_eq 200 "$(berth acr show-usage -n $REGISTRY_NAME --query "value[?name=='PrivateEndpointConnections'].limit | [0]" -o tsv)" \
  "acr show-usage: 200 private endpoints on Premium"
assert_eq "$REGISTRY_LOCATION" "$(berth acr show -n $REGISTRY_NAME --query location -o tsv)" "registry in \$REGISTRY_LOCATION"

# Clean up resources. The article's `az group delete --name $RESOURCE_GROUP` prompts; without a
# terminal berth (like az) needs --yes.
berth group delete --name $RESOURCE_GROUP --yes
assert_eq false "$(berth group exists --name $RESOURCE_GROUP)" "group delete --name \$RESOURCE_GROUP"
e2e_done
