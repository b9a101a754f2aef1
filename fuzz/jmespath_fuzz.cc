// libFuzzer target for the --query language: compiles the input as a JMESPath expression and
// evaluates it against a fixed document shaped like the CLI's own output. Compile and search
// errors are expected; a crash, sanitizer report, leak, timeout or escaped exception is a bug.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "cli/jmespath/jmespath.h"

namespace {

const nlohmann::json& document() {
  static const nlohmann::json kDocument = nlohmann::json::parse(R"({
    "name": "prodreg", "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/prodreg",
    "loginServer": "prodreg.azurecr.io", "sku": {"name": "Premium", "tier": "Premium"},
    "adminUserEnabled": false, "tags": {"env": "prod", "team": null}, "zoneRedundancy": 0,
    "quota": {"used": 1.5e9, "limit": 5368709120, "ratio": -0.25},
    "networkProfile": {"networkInterfaces": [{"id": "/s/nic-1", "primary": true}, {"id": "/s/nic-2"}]},
    "customDnsConfigs": [
      {"fqdn": "prodreg.azurecr.io", "ipAddresses": ["10.1.0.4"]},
      {"fqdn": "prodreg.westeurope.data.azurecr.io", "ipAddresses": ["10.1.0.5", "10.1.0.6"]}
    ],
    "ipConfigurations": [
      {"privateIPAddress": "10.1.0.4",
       "privateLinkConnectionProperties": {"requiredMemberName": "registry", "fqdns": ["prodreg.azurecr.io"]}},
      {"privateIPAddress": "10.1.0.5",
       "privateLinkConnectionProperties": {"requiredMemberName": "registry_data_westeurope"}}
    ],
    "repositories": [
      {"name": "library/nginx", "tags": ["1.25", "latest"], "size": 187, "pushed": "2024-05-01"},
      {"name": "app/api", "tags": [], "size": 42.5, "pushed": "2024-06-11"},
      {"name": "app/web", "tags": ["v2", "v1", "v10"], "size": 0, "pushed": null}
    ],
    "matrix": [[1, 2, [3, [4]]], [], [true, "x", {"k": [null]}]],
    "unicode": "h\u00e9\u2713\ud83d\ude00", "empty": {}, "none": null, "list": []
  })");
  return kDocument;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto expression = berth::jmespath::Expression::compile(text);
  if (!expression.ok()) {
    return 0;
  }
  auto result = expression->search(document());
  if (result.ok()) {
    // Printing is what the CLI does next; results must always be printable.
    static_cast<void>(result->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return 0;
}
