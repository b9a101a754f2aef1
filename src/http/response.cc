#include "http/response.h"

#include <charconv>

#include <nlohmann/json.hpp>

namespace berth::http {

void Response::setHeader(std::string_view name, std::string_view value) {
  headers_.append(name);
  headers_.append(": ");
  headers_.append(value);
  headers_.append("\r\n");
}

void Response::setHeader(std::string_view name, std::uint64_t value) {
  char digits[24];
  auto [end, ec] = std::to_chars(std::begin(digits), std::end(digits), value);
  setHeader(name, std::string_view(digits, static_cast<std::size_t>(end - digits)));
}

void Response::setBody(std::string body, std::string_view contentType) {
  if (!contentType.empty()) {
    setHeader("Content-Type", contentType);
  }
  body_ = std::move(body);
}

void Response::setSharedBody(std::shared_ptr<const std::string> body,
                             std::string_view contentType) {
  if (!contentType.empty()) {
    setHeader("Content-Type", contentType);
  }
  body_ = std::move(body);
}

void Response::setFileBody(FileBody file) { body_ = std::move(file); }

std::uint64_t Response::contentLength() const noexcept {
  if (declaredLength_) {
    return *declaredLength_;
  }
  if (const auto* file = std::get_if<FileBody>(&body_)) {
    return file->length;
  }
  return memoryBody().size();
}

std::string_view Response::memoryBody() const noexcept {
  if (const auto* s = std::get_if<std::string>(&body_)) {
    return *s;
  }
  if (const auto* shared = std::get_if<std::shared_ptr<const std::string>>(&body_)) {
    return **shared;
  }
  return {};
}

void Response::reset() {
  status = 200;
  omitBody = false;
  headers_.clear();
  body_ = std::monostate{};
  declaredLength_.reset();
}

void writeRegistryError(Response& response, const Error& error) {
  const ErrorWireInfo& info = wireInfo(error.code);
  // Internal messages name paths and database errors: for the operator's log, not the client.
  const bool internal = error.code == Errc::kInternal;
  nlohmann::json entry = {
      {"code", info.ociCode},
      {"message", internal ? std::string("the registry failed to complete the request; the "
                                         "operator can find the cause in the daemon log")
                           : error.message}};
  if (!error.detail.empty() && !internal) {
    entry["detail"] = error.detail;
  }
  nlohmann::json body = {{"errors", nlohmann::json::array({std::move(entry)})}};
  const bool keepOmit = response.omitBody;
  response.reset();
  response.omitBody = keepOmit;
  response.status = info.httpStatus;
  // Replace rather than throw on invalid UTF-8 from client-supplied detail strings.
  response.setBody(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                   "application/json; charset=utf-8");
}

void writeManagementError(Response& response, const Error& error) {
  const ErrorWireInfo& info = wireInfo(error.code);
  const std::string& message =
      error.code == Errc::kInternal
          ? std::string("the server failed to complete the request; see the daemon log")
          : error.message;
  nlohmann::json body = {{"error", {{"code", info.mgmtCode}, {"message", message}}}};
  response.reset();
  response.status = info.httpStatus;
  response.setBody(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                   "application/json; charset=utf-8");
}

}  // namespace berth::http
