#pragma once
// The account objects `az login`, `az account list` and `az account show` print, built from a
// management-API subscription.

#include <string>

#include "cli/output/output_format.h"

namespace berth::cli {

enum class AccountField { kCloudName, kEnvironmentName };

/// {cloudName|environmentName, homeTenantId, id, isDefault, managedByTenants, name, state,
/// tenantId, user:{name,type}}; `id` is the bare subscription id, as az prints it.
Json accountView(const Json& subscription, bool isDefault, const std::string& username,
                 AccountField cloudField);

}  // namespace berth::cli
