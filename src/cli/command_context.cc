#include "cli/command_context.h"

#include <cstdlib>

#include <algorithm>
#include <cctype>
#include <iostream>

#include "common/rfc3339.h"

namespace berth::cli {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

HttpOptions httpOptions(const GlobalOptions& globals, Environment& env) {
  HttpOptions options;
  if (globals.debug) options.debug = env.err;
  if (const char* bundle = std::getenv("REQUESTS_CA_BUNDLE"); bundle != nullptr) {
    options.caBundle = bundle;
  }
  return options;
}

}  // namespace

CommandContext::CommandContext(const CommandSpec& spec, ParsedOptions args, GlobalOptions globals,
                               Environment& env)
    : spec_(&spec),
      args_(std::move(args)),
      globals_(std::move(globals)),
      env_(&env),
      http_(httpOptions(globals_, env)) {}

void CommandContext::warn(std::string_view message) const {
  if (!globals_.onlyShowErrors) *env_->err << "WARNING: " << message << "\n";
}

Result<const Profile*> CommandContext::profile() {
  if (profile_) return &*profile_;
  auto loaded = loadProfile(env_->configDir);
  if (!loaded.ok()) return loaded.error();
  if (!loaded->has_value() || (*loaded)->accessToken.empty()) {
    return fail(Errc::kUnauthorized, "Please run 'berth login' to set up an account.");
  }
  if (auto expires = parseRfc3339((*loaded)->expiresOn, "expiresOn");
      expires.ok() && *expires <= std::chrono::system_clock::to_time_t(
                                      std::chrono::system_clock::now())) {
    return fail(Errc::kUnauthorized, "The access token expired on " + (*loaded)->expiresOn +
                                         ". Please run 'berth login' to set up an account.");
  }
  profile_ = std::move(**loaded);
  return &*profile_;
}

Result<const ManagementClient*> CommandContext::api() {
  if (api_) return api_.get();
  auto p = profile();
  if (!p.ok()) return p.error();
  auto url = Url::parse((*p)->server);
  if (!url.ok()) {
    return fail(Errc::kInvalidParameter, "The profile's server '" + (*p)->server +
                                             "' is not a URL; run 'berth login --server URL'.");
  }
  api_ = std::make_unique<ManagementClient>(*url, bearerAuthorization((*p)->accessToken), http_);
  return api_.get();
}

Result<std::string> CommandContext::subscriptionId() {
  if (subscription_) return *subscription_;
  if (!globals_.subscription) {
    auto p = profile();
    if (!p.ok()) return p.error();
    if ((*p)->subscription.empty()) {
      return fail(Errc::kResourceNotFound,
                  "No subscription is selected. Run 'berth account set --subscription "
                  "NAME_OR_ID'.");
    }
    subscription_ = (*p)->subscription;
    return *subscription_;
  }
  auto client = api();
  if (!client.ok()) return client.error();
  auto list = (*client)->get("/subscriptions");
  if (!list.ok()) return list.error();
  std::string wanted = lower(*globals_.subscription);
  if (wanted.starts_with("/subscriptions/")) wanted = wanted.substr(15);
  for (const auto& s : list->value("value", Json::array())) {
    const std::string id = s.value("subscriptionId", std::string());
    if (lower(id) == wanted || lower(s.value("displayName", std::string())) == wanted) {
      subscription_ = id;
      return id;
    }
  }
  return fail(Errc::kResourceNotFound, "Subscription '" + *globals_.subscription +
                                           "' not found. Check the spelling and casing and try "
                                           "again.");
}

Result<std::string> CommandContext::subscriptionPath() {
  auto id = subscriptionId();
  if (!id.ok()) return id.error();
  return "/subscriptions/" + pathSegment(*id);
}

Result<bool> CommandContext::confirm(std::string_view question) {
  if (args_.has("--yes")) return true;
  if (!env_->stdinIsTty || !env_->prompt) {
    return fail(Errc::kInvalidParameter,
                "Unable to prompt for confirmation as no tty available. Use --yes.");
  }
  for (;;) {
    auto answer = env_->prompt(std::string(question) + " (y/n): ", true);
    if (!answer) {
      return fail(Errc::kInvalidParameter,
                  "Unable to prompt for confirmation as no tty available. Use --yes.");
    }
    std::string a = lower(*answer);
    if (a == "y" || a == "yes") return true;
    if (a == "n" || a == "no") return false;
    *env_->err << "Please enter 'y' or 'n'.\n";
  }
}

}  // namespace berth::cli
