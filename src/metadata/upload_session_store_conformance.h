#pragma once
// The UploadSessionStore conformance suite: the contract of upload_session_store.h as GoogleTest
// cases. Every driver runs it; a driver is done when it passes. A driver's test file
// instantiates it:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, UploadSessionStoreConformance,
//                            ::testing::Values(UploadSessionStoreConformanceParam{
//                                "Sqlite", [] { return std::make_unique<MyHarness>(); }}),
//                            sessionStoreParamName);
//
// Link the suite's object file into the test executable directly (see
// manifest_catalog_conformance.h for why).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "common/result.h"
#include "metadata/upload_session_store.h"

namespace berth::metadata::conformance {

/// Owns one test's backing storage: empty when made, removed when destroyed.
class UploadSessionStoreHarness {
 public:
  virtual ~UploadSessionStoreHarness() = default;
  /// Opens a store over this harness's storage. The suite calls it again after destroying the
  /// previous store, to check that sessions survive a restart.
  virtual Result<std::unique_ptr<UploadSessionStore>> open() = 0;
};

struct UploadSessionStoreConformanceParam {
  std::string name;  // suffix of the test names: letters, digits and '_' only
  std::function<std::unique_ptr<UploadSessionStoreHarness>()> makeHarness;
};

inline void PrintTo(const UploadSessionStoreConformanceParam& param, std::ostream* out) {
  *out << param.name;
}

inline std::string sessionStoreParamName(
    const ::testing::TestParamInfo<UploadSessionStoreConformanceParam>& info) {
  return info.param.name;
}

class UploadSessionStoreConformance
    : public ::testing::TestWithParam<UploadSessionStoreConformanceParam> {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// Destroys the store and opens a new one over the same storage.
  void reopen();
  UploadSessionStore& store() { return *store_; }

 private:
  std::unique_ptr<UploadSessionStoreHarness> harness_;
  std::unique_ptr<UploadSessionStore> store_;
};

}  // namespace berth::metadata::conformance
