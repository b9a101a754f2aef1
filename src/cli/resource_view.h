#pragma once
// How az shows ARM resources. Its SDK models for most resource types (registries, and the
// network resources to come) are flat: the REST body's `properties` appear at the top level.
// And az adds `resourceGroup`, parsed from the id, to every object in a result that has one.
// Resource groups are the exception and keep `properties` nested.

#include <optional>
#include <string>
#include <string_view>

#include "cli/output/output_format.h"

namespace berth::cli {

struct ResourceId {
  std::string subscription;
  std::string resourceGroup;
  std::string provider;  // "Microsoft.ContainerRegistry"; empty for a resource group's id
  std::string type;      // "registries"
  std::string name;
};

/// Parses "/subscriptions/{s}/resourceGroups/{rg}[/providers/{ns}/{type}/{name}...]"; the
/// resourceGroups segment is matched case-insensitively like the API matches it.
std::optional<ResourceId> parseResourceId(std::string_view id);

/// `properties` merged into the top level (top-level fields win a clash), then resourceGroups
/// added. A non-object is returned unchanged.
Json flattenResource(Json resource);

/// flattenResource over the items of a list body ({"value":[...]}) or an array.
Json flattenResourceList(const Json& body);

/// Adds "resourceGroup" to every object, at any depth, that has an "id" naming one and no
/// resourceGroup of its own (az's global transform). Iterative, so any depth is safe.
void addResourceGroups(Json& value);

/// Parses az's `--tags a=b c` into {"a":"b","c":""}; a lone "" clears all tags.
Json parseTags(const std::vector<std::string>& items);

}  // namespace berth::cli
