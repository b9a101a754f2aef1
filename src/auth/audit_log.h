#pragma once
// The audit trail: every authentication failure and every push or delete, with who, from where,
// on what, and how it ended. One JSON object per line in <data_dir>/audit/audit.log, appended with
// O_APPEND under a mutex; when the file passes `maxBytes` it becomes audit.log.1 (the previous .1
// is dropped), so the trail is bounded on disk.
//
// Lines are written, not fsynced: an audit record must never make a push slower than the push
// itself, and a crash loses at most what the kernel had not written back. Recording never fails a
// request; a write error is logged once per burst.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "common/result.h"
#include "common/unique_fd.h"

namespace berth::auth {

struct AuditEvent {
  std::int64_t time = 0;       // Unix seconds
  std::string registry;        // lowercase registry name
  std::string principal;       // user, token or operator name; empty when unknown
  std::string principalKind;   // admin | token | identity | anonymous | unknown
  std::string clientAddress;
  std::string action;          // authenticate | push | delete | token
  std::string repository;      // empty when none applies
  std::string reference;       // tag or digest, when one applies
  std::string outcome;         // success | failure | denied | throttled
  int status = 0;              // HTTP status sent
  std::string detail;          // short, never a secret
};

class AuditLog {
 public:
  static constexpr std::uint64_t kDefaultMaxBytes = 64ull * 1024 * 1024;

  /// Creates `dir` (0700) and opens its audit.log for appending.
  static Result<std::unique_ptr<AuditLog>> open(const std::filesystem::path& dir,
                                                const Logger& log,
                                                std::uint64_t maxBytes = kDefaultMaxBytes);

  void record(const AuditEvent& event);
  /// The newest `top` events of `registry` (all registries when empty), newest first.
  Result<std::vector<AuditEvent>> list(std::string_view registry, std::size_t top) const;

 private:
  AuditLog(std::filesystem::path dir, UniqueFd fd, std::uint64_t size, const Logger& log,
           std::uint64_t maxBytes);
  void rotateLocked();

  std::filesystem::path dir_;
  const Logger& log_;
  std::uint64_t maxBytes_;
  mutable std::mutex mutex_;
  UniqueFd fd_;
  std::uint64_t size_ = 0;
  bool reportedFailure_ = false;
};

/// The event as a JSON object, fields in this order; `time` in Unix seconds.
nlohmann::ordered_json auditEventFields(const AuditEvent& event);
std::string auditEventToJson(const AuditEvent& event);
/// nullopt for a line that is not an audit event (a torn last line after a crash).
std::optional<AuditEvent> auditEventFromJson(std::string_view line);

}  // namespace berth::auth
