#include "cli/resource_view.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace berth::cli {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::vector<std::string_view> splitPath(std::string_view id) {
  std::vector<std::string_view> parts;
  while (!id.empty()) {
    if (id.front() == '/') {
      id.remove_prefix(1);
      continue;
    }
    std::size_t slash = id.find('/');
    parts.push_back(id.substr(0, slash));
    id = slash == std::string_view::npos ? std::string_view{} : id.substr(slash);
  }
  return parts;
}

}  // namespace

std::optional<ResourceId> parseResourceId(std::string_view id) {
  auto parts = splitPath(id);
  if (parts.size() < 4 || !iequals(parts[0], "subscriptions") ||
      !iequals(parts[2], "resourceGroups")) {
    return std::nullopt;
  }
  ResourceId out;
  out.subscription = std::string(parts[1]);
  out.resourceGroup = std::string(parts[3]);
  if (parts.size() >= 8 && iequals(parts[4], "providers")) {
    out.provider = std::string(parts[5]);
    out.type = std::string(parts[6]);
    out.name = std::string(parts[7]);
  } else {
    out.name = out.resourceGroup;
  }
  return out;
}

void addResourceGroups(Json& value) {
  std::vector<Json*> stack{&value};
  while (!stack.empty()) {
    Json* node = stack.back();
    stack.pop_back();
    if (node->is_object()) {
      bool hasGroup = false;
      for (auto it = node->begin(); it != node->end(); ++it) {
        if (iequals(it.key(), "resourceGroup")) hasGroup = true;
      }
      if (!hasGroup) {
        auto id = node->find("id");
        if (id != node->end() && id->is_string()) {
          // Only ids with a provider segment: a resource group's own id names no group it is in.
          auto parsed = parseResourceId(id->get<std::string>());
          if (parsed && !parsed->provider.empty()) (*node)["resourceGroup"] = parsed->resourceGroup;
        }
      }
      for (auto& child : *node) {
        if (child.is_structured()) stack.push_back(&child);
      }
    } else if (node->is_array()) {
      for (auto& child : *node) {
        if (child.is_structured()) stack.push_back(&child);
      }
    }
  }
}

Json flattenResource(Json resource) {
  if (!resource.is_object()) return resource;
  auto props = resource.find("properties");
  if (props != resource.end() && props->is_object()) {
    Json properties = std::move(*props);
    resource.erase("properties");
    for (auto it = properties.begin(); it != properties.end(); ++it) {
      if (!resource.contains(it.key())) resource[it.key()] = std::move(it.value());
    }
  }
  addResourceGroups(resource);
  return resource;
}

Json flattenResourceList(const Json& body) {
  const Json* items = &body;
  if (body.is_object() && body.contains("value")) items = &body["value"];
  Json out = Json::array();
  if (!items->is_array()) return out;
  for (const auto& item : *items) out.push_back(flattenResource(item));
  return out;
}

Json parseTags(const std::vector<std::string>& items) {
  Json tags = Json::object();
  for (const auto& item : items) {
    if (item.empty()) continue;
    std::size_t eq = item.find('=');
    if (eq == std::string::npos) {
      tags[item] = "";
    } else {
      tags[item.substr(0, eq)] = item.substr(eq + 1);
    }
  }
  return tags;
}

}  // namespace berth::cli
