#pragma once
// The response a handler fills. Headers go straight into one preformatted block (no per-header
// allocation on the hot path); bodies are either in memory, shared (cached manifest bytes, no
// copy) or a blob file range sent with sendfile().

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "storage/blob_store.h"

namespace berth::http {

struct FileBody {
  std::unique_ptr<storage::BlobReader> reader;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

class Response {
 public:
  int status = 200;
  /// HEAD: send the headers (Content-Length included) but no body.
  bool omitBody = false;

  void setHeader(std::string_view name, std::string_view value);
  void setHeader(std::string_view name, std::uint64_t value);
  const std::string& headerBlock() const noexcept { return headers_; }

  void setBody(std::string body, std::string_view contentType);
  void setSharedBody(std::shared_ptr<const std::string> body, std::string_view contentType);
  void setFileBody(FileBody file);
  /// For HEAD responses that advertise a length without carrying bytes.
  void setContentLengthOnly(std::uint64_t length) { declaredLength_ = length; }

  std::uint64_t contentLength() const noexcept;
  std::string_view memoryBody() const noexcept;
  FileBody* fileBody() noexcept { return std::get_if<FileBody>(&body_); }
  void reset();

 private:
  std::string headers_;  // "Name: value\r\n" lines
  std::variant<std::monostate, std::string, std::shared_ptr<const std::string>, FileBody> body_;
  std::optional<std::uint64_t> declaredLength_;
};

/// Writes the OCI error body {"errors":[{code,message,detail}]} with the status from the one
/// Errc table. Handlers never choose an error status themselves.
void writeRegistryError(Response& response, const Error& error);
/// Writes the management error body {"error":{code,message}}.
void writeManagementError(Response& response, const Error& error);

}  // namespace berth::http
