#pragma once
// The ManifestCatalog conformance suite: the contract of manifest_catalog.h as GoogleTest cases.
// Every driver runs it; a driver is done when it passes. A driver's test file instantiates it:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, ManifestCatalogConformance,
//                            ::testing::Values(ManifestCatalogConformanceParam{
//                                "Sqlite", [] { return std::make_unique<MyHarness>(); }}),
//                            catalogParamName);
//
// The suite's object file must be linked into the test executable directly (an OBJECT library or
// a source), since nothing references its tests and a static library would drop them.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "common/result.h"
#include "metadata/manifest_catalog.h"

namespace berth::metadata::conformance {

/// Owns one test's backing storage: empty when made, removed when destroyed.
class ManifestCatalogHarness {
 public:
  virtual ~ManifestCatalogHarness() = default;
  /// Opens a store over this harness's storage. The suite calls it again after destroying the
  /// previous store, to check that what was acknowledged survives a restart, and while another
  /// store is open, to check that two stores over the same storage (two processes, two nodes)
  /// see each other's writes.
  virtual Result<std::unique_ptr<ManifestCatalog>> open() = 0;
};

struct ManifestCatalogConformanceParam {
  std::string name;  // suffix of the test names: letters, digits and '_' only
  std::function<std::unique_ptr<ManifestCatalogHarness>()> makeHarness;
};

inline void PrintTo(const ManifestCatalogConformanceParam& param, std::ostream* out) {
  *out << param.name;
}

inline std::string catalogParamName(
    const ::testing::TestParamInfo<ManifestCatalogConformanceParam>& info) {
  return info.param.name;
}

class ManifestCatalogConformance
    : public ::testing::TestWithParam<ManifestCatalogConformanceParam> {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// Destroys the store and opens a new one over the same storage.
  void reopen();
  /// A second store over the same storage, open alongside catalog(); null (after a test failure)
  /// if it cannot be opened.
  std::unique_ptr<ManifestCatalog> openSecond();
  ManifestCatalog& catalog() { return *catalog_; }

 private:
  std::unique_ptr<ManifestCatalogHarness> harness_;
  std::unique_ptr<ManifestCatalog> catalog_;
};

}  // namespace berth::metadata::conformance
