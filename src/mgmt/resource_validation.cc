#include "mgmt/resource_validation.h"

#include <charconv>

#include "auth/secret_hash.h"
#include "mgmt/arm_path.h"

namespace berth::mgmt {

namespace {

bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

Error invalid(std::string message) { return makeError(Errc::kInvalidParameter, std::move(message)); }

}  // namespace

Status validateSubscriptionId(std::string_view sub) {
  if (sub.empty() || sub.size() > 64) return invalid("subscription ids are 1-64 characters");
  for (char c : sub) {
    if (!isAlnum(c) && c != '-') return invalid("subscription ids are letters, digits and '-'");
  }
  return okStatus();
}

Status validateProviderNamespace(std::string_view ns) {
  if (ns.empty() || ns.size() > 64) return invalid("provider namespaces are 1-64 characters");
  for (char c : ns) {
    if (!isAlnum(c) && c != '.') {
      return invalid("provider namespace '" + std::string(ns) +
                     "' is invalid; namespaces look like Microsoft.ContainerRegistry");
    }
  }
  return okStatus();
}

Status validateResourceGroupName(std::string_view rg) {
  bool ok = !rg.empty() && rg.size() <= 90 && rg.back() != '.';
  for (char c : rg) {
    ok = ok && (isAlnum(c) || c == '_' || c == '-' || c == '.' || c == '(' || c == ')');
  }
  if (!ok) {
    return invalid("resource group name '" + std::string(rg.substr(0, 100)) +
                   "' is invalid: use 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending "
                   "in '.'");
  }
  return okStatus();
}

Status validateRegistryName(std::string_view name) {
  bool ok = name.size() >= 5 && name.size() <= 50;
  for (char c : name) ok = ok && isAlnum(c);
  if (!ok) {
    return invalid("registry name '" + std::string(name.substr(0, 60)) +
                   "' is invalid: use 5-50 letters and digits only");
  }
  return okStatus();
}

Status validateChildName(std::string_view name, std::string_view what) {
  bool ok = name.size() >= 5 && name.size() <= 50;
  for (char c : name) ok = ok && (isAlnum(c) || c == '-' || c == '_');
  if (!ok) {
    return invalid(std::string(what) + " name '" + std::string(name.substr(0, 60)) +
                   "' is invalid: use 5-50 letters, digits, '-' and '_'");
  }
  return okStatus();
}

bool isUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex) return false;
  }
  return true;
}

std::string randomUuid() {
  std::string h = auth::randomHex(16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-a" + h.substr(17, 3) +
         "-" + h.substr(20, 12);
}

Result<std::string> normalizeLocation(const nlohmann::ordered_json& value) {
  if (!value.is_string()) return invalid("location must be a string such as 'eastus'");
  std::string out;
  for (char c : value.get<std::string>()) {
    if (c == ' ') continue;
    if (!isAlnum(c)) return invalid("location '" + value.get<std::string>() +
                                    "' is invalid: use letters and digits, e.g. 'eastus'");
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (out.empty() || out.size() > 64) return invalid("location must be 1-64 letters and digits");
  return out;
}

Result<nlohmann::ordered_json> validateTags(const nlohmann::ordered_json& value) {
  if (value.is_null()) return nlohmann::ordered_json::object();
  if (!value.is_object()) return invalid("tags must be an object of string values");
  if (value.size() > 50) return invalid("at most 50 tags are allowed");
  for (const auto& [k, v] : value.items()) {
    if (k.empty() || k.size() > 512) return invalid("tag names are 1-512 characters");
    if (!v.is_string() || v.get<std::string>().size() > 256) {
      return invalid("tag '" + k + "' must have a string value of at most 256 characters");
    }
  }
  return value;
}

Result<std::string> normalizeIpRule(std::string_view value) {
  std::string_view address = value;
  int prefix = 32;
  if (std::size_t slash = value.find('/'); slash != std::string_view::npos) {
    address = value.substr(0, slash);
    std::string_view bits = value.substr(slash + 1);
    auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (bits.empty() || ec != std::errc{} || p != bits.data() + bits.size() || prefix < 0 ||
        prefix > 32) {
      return invalid("IP rule '" + std::string(value) + "' has an invalid prefix length");
    }
  }
  unsigned octets[4];
  std::size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    std::size_t dot = i < 3 ? address.find('.', start) : address.size();
    if (dot == std::string_view::npos) {
      return invalid("IP rule '" + std::string(value) + "' is not an IPv4 address or CIDR range");
    }
    std::string_view part = address.substr(start, dot - start);
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), octets[i]);
    if (part.empty() || part.size() > 3 || ec != std::errc{} || p != part.data() + part.size() ||
        octets[i] > 255) {
      return invalid("IP rule '" + std::string(value) + "' is not an IPv4 address or CIDR range");
    }
    start = dot + 1;
  }
  std::string out = std::to_string(octets[0]) + "." + std::to_string(octets[1]) + "." +
                    std::to_string(octets[2]) + "." + std::to_string(octets[3]);
  if (prefix != 32 || value.find('/') != std::string_view::npos) out += "/" + std::to_string(prefix);
  return out;
}

Result<std::string> oneOf(const nlohmann::ordered_json& value, std::string_view field,
                          std::initializer_list<std::string_view> allowed) {
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  if (value.is_string()) {
    for (auto a : allowed) {
      if (iequals(value.get<std::string>(), a)) return std::string(a);
    }
  }
  return invalid(std::string(field) + " must be one of " + list + ", got " + value.dump());
}

Result<bool> boolField(const nlohmann::ordered_json& value, std::string_view field) {
  if (!value.is_boolean()) return invalid(std::string(field) + " must be true or false");
  return value.get<bool>();
}

}  // namespace berth::mgmt
