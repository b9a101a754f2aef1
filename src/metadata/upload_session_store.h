#pragma once
// UploadSessionStore: the durable record of blob upload sessions, so that a session survives a
// daemon restart. The bytes themselves live in the BlobStore under the same id. Thread-safe.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::metadata {

struct UploadSession {
  std::string id;
  std::string registry;
  std::string repository;
  std::int64_t startedUnixSeconds = 0;
};

class UploadSessionStore {
 public:
  virtual ~UploadSessionStore() = default;
  /// Records a new session; kConflict if the id exists. Durable when it returns OK.
  virtual Status createSession(const UploadSession& session) = 0;
  /// The session, or kBlobUploadUnknown.
  virtual Result<UploadSession> getSession(std::string_view id) = 0;
  /// Forgets a session; idempotent.
  virtual Status removeSession(std::string_view id) = 0;
  /// Visits every session of the registry.
  virtual Status listSessions(std::string_view registry,
                              const std::function<void(const UploadSession&)>& visit) = 0;
};

}  // namespace berth::metadata
