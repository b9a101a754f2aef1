#pragma once
// The BlobStore conformance suite: the behaviour every driver must show, written once. A driver
// is done when the suite passes against it. To run it, a driver's test file instantiates it:
//
//   INSTANTIATE_TEST_SUITE_P(Fs, BlobStoreConformanceTest,
//                            ::testing::Values(BlobStoreDriver{"fs", makeFsHarness}),
//                            BlobStoreConformanceTest::driverName);
//
// and links the target berth_storage_conformance.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "storage/blob_store.h"

namespace berth::storage {

/// One store under test over storage of its own (a temp dir, a bucket prefix), removed when the
/// harness is destroyed. Each test gets a fresh, empty one.
class BlobStoreHarness {
 public:
  virtual ~BlobStoreHarness() = default;
  /// The store under test; valid until restart() or destruction.
  virtual BlobStore& store() = 0;
  /// Destroys the store object and opens a new one over the same storage, as a daemon restart
  /// would. Open writers and readers of the old store are closed before this is called.
  virtual ::testing::AssertionResult restart() = 0;
};

struct BlobStoreDriver {
  /// Used in test names: letters, digits and '_' only.
  std::string name;
  /// Returns a fresh harness, or nullptr (after reporting why with ADD_FAILURE) when the backing
  /// storage is unavailable.
  std::function<std::unique_ptr<BlobStoreHarness>()> makeHarness;
};

inline void PrintTo(const BlobStoreDriver& driver, std::ostream* os) { *os << driver.name; }

class BlobStoreConformanceTest : public ::testing::TestWithParam<BlobStoreDriver> {
 public:
  static std::string driverName(const ::testing::TestParamInfo<BlobStoreDriver>& info) {
    return info.param.name;
  }

 protected:
  void SetUp() override;
  void TearDown() override;

  BlobStore& store() { return harness_->store(); }
  BlobStoreHarness& harness() { return *harness_; }

 private:
  std::unique_ptr<BlobStoreHarness> harness_;
};

}  // namespace berth::storage
