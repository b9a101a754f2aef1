#include "auth/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

namespace berth::auth {

namespace {

constexpr const char* kFileName = "audit.log";
constexpr const char* kRotatedName = "audit.log.1";

UniqueFd openForAppend(const std::filesystem::path& file) {
  return UniqueFd(::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
}

void readEvents(const std::filesystem::path& file, std::string_view registry,
                std::vector<AuditEvent>& out) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    auto event = auditEventFromJson(line);
    if (event && (registry.empty() || event->registry == registry)) out.push_back(std::move(*event));
  }
}

}  // namespace

nlohmann::ordered_json auditEventFields(const AuditEvent& e) {
  return {{"time", e.time},
          {"registry", e.registry},
          {"principal", e.principal},
          {"principalKind", e.principalKind},
          {"clientAddress", e.clientAddress},
          {"action", e.action},
          {"repository", e.repository},
          {"reference", e.reference},
          {"outcome", e.outcome},
          {"status", e.status},
          {"detail", e.detail}};
}

std::string auditEventToJson(const AuditEvent& e) {
  // Names come from clients; replace invalid UTF-8 rather than fail to record.
  return auditEventFields(e).dump(-1, ' ', false,
                                  nlohmann::ordered_json::error_handler_t::replace);
}

std::optional<AuditEvent> auditEventFromJson(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  AuditEvent e;
  try {
    e.time = j.value("time", std::int64_t{0});
    e.registry = j.value("registry", "");
    e.principal = j.value("principal", "");
    e.principalKind = j.value("principalKind", "");
    e.clientAddress = j.value("clientAddress", "");
    e.action = j.value("action", "");
    e.repository = j.value("repository", "");
    e.reference = j.value("reference", "");
    e.outcome = j.value("outcome", "");
    e.status = j.value("status", 0);
    e.detail = j.value("detail", "");
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // a field of the wrong type: not one of ours
  }
  return e;
}

Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::filesystem::path& dir,
                                                 const Logger& log, std::uint64_t maxBytes) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(Errc::kInternal, "cannot create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  UniqueFd fd = openForAppend(dir / kFileName);
  if (!fd) {
    return fail(Errc::kInternal,
                "cannot open " + (dir / kFileName).string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  std::uint64_t size = ::fstat(fd.get(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  return std::unique_ptr<AuditLog>(new AuditLog(dir, std::move(fd), size, log, maxBytes));
}

AuditLog::AuditLog(std::filesystem::path dir, UniqueFd fd, std::uint64_t size, const Logger& log,
                   std::uint64_t maxBytes)
    : dir_(std::move(dir)), log_(log), maxBytes_(maxBytes), fd_(std::move(fd)), size_(size) {}

void AuditLog::rotateLocked() {
  std::error_code ec;
  std::filesystem::rename(dir_ / kFileName, dir_ / kRotatedName, ec);
  UniqueFd next = openForAppend(dir_ / kFileName);
  if (!next) return;  // keep appending to the old descriptor; the next record tries again
  fd_ = std::move(next);
  size_ = 0;
}

void AuditLog::record(const AuditEvent& event) {
  std::string line = auditEventToJson(event);
  line.push_back('\n');
  std::lock_guard lock(mutex_);
  if (size_ + line.size() > maxBytes_) rotateLocked();
  ssize_t n = ::write(fd_.get(), line.data(), line.size());
  if (n == static_cast<ssize_t>(line.size())) {
    size_ += line.size();
    reportedFailure_ = false;
    return;
  }
  if (!reportedFailure_) {
    reportedFailure_ = true;
    log_.error("cannot append to the audit log " + (dir_ / kFileName).string() + ": " +
               (n < 0 ? std::strerror(errno) : "short write"));
  }
}

Result<std::vector<AuditEvent>> AuditLog::list(std::string_view registry, std::size_t top) const {
  std::vector<AuditEvent> events;
  {
    // Readers take the lock too, so a rotation never happens between the two reads.
    std::lock_guard lock(mutex_);
    readEvents(dir_ / kRotatedName, registry, events);
    readEvents(dir_ / kFileName, registry, events);
  }
  std::reverse(events.begin(), events.end());
  if (events.size() > top) events.resize(top);
  return events;
}

}  // namespace berth::auth
