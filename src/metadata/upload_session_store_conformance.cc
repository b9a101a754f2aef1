#include "metadata/upload_session_store_conformance.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace berth::metadata::conformance {
namespace {

constexpr std::string_view kRegistry = "alpha.registry.test";
constexpr std::string_view kOtherRegistry = "beta.registry.test";

template <typename R>
::testing::AssertionResult isOk(const R& result) {
  if (result.ok()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "failed: " << result.error().message << " [" << result.error().detail << "]";
}

template <typename R>
::testing::AssertionResult failsWith(const R& result, Errc code) {
  if (result.ok()) {
    return ::testing::AssertionFailure()
           << "succeeded; expected error code " << static_cast<int>(code);
  }
  if (result.error().code != code) {
    return ::testing::AssertionFailure()
           << "error code " << static_cast<int>(result.error().code) << " ("
           << result.error().message << "); expected " << static_cast<int>(code);
  }
  return ::testing::AssertionSuccess();
}

UploadSession makeSession(std::string id, std::string_view registry = kRegistry,
                          std::string repository = "team/app",
                          std::int64_t started = 1'700'000'000) {
  return UploadSession{std::move(id), std::string(registry), std::move(repository), started};
}

void expectSame(const UploadSession& actual, const UploadSession& expected) {
  EXPECT_EQ(actual.id, expected.id);
  EXPECT_EQ(actual.registry, expected.registry);
  EXPECT_EQ(actual.repository, expected.repository);
  EXPECT_EQ(actual.startedUnixSeconds, expected.startedUnixSeconds);
}

std::vector<UploadSession> list(UploadSessionStore& store, std::string_view registry) {
  std::vector<UploadSession> sessions;
  EXPECT_TRUE(isOk(store.listSessions(
      registry, [&](const UploadSession& session) { sessions.push_back(session); })));
  std::sort(sessions.begin(), sessions.end(),
            [](const UploadSession& a, const UploadSession& b) { return a.id < b.id; });
  return sessions;
}

std::vector<std::string> ids(const std::vector<UploadSession>& sessions) {
  std::vector<std::string> out;
  for (const UploadSession& session : sessions) {
    out.push_back(session.id);
  }
  return out;
}

}  // namespace

void UploadSessionStoreConformance::SetUp() {
  harness_ = GetParam().makeHarness();
  ASSERT_NE(harness_, nullptr);
  auto opened = harness_->open();
  ASSERT_TRUE(isOk(opened));
  store_ = std::move(opened).value();
}

void UploadSessionStoreConformance::TearDown() {
  store_.reset();  // before the harness removes the storage under it
  harness_.reset();
}

void UploadSessionStoreConformance::reopen() {
  store_.reset();
  auto opened = harness_->open();
  ASSERT_TRUE(isOk(opened));
  store_ = std::move(opened).value();
}

TEST_P(UploadSessionStoreConformance, CreateThenGetRoundTrips) {
  UploadSession session = makeSession("0f3c1a7e-5b2d-4c8e-9a41-d2b7e6f01234", kRegistry,
                                      "deeply/nested/repo-name_1.x", 1'234'567'890);
  ASSERT_TRUE(isOk(store().createSession(session)));
  auto loaded = store().getSession(session.id);
  ASSERT_TRUE(isOk(loaded));
  expectSame(*loaded, session);
}

TEST_P(UploadSessionStoreConformance, DuplicateIdIsConflictAndKeepsOriginal) {
  UploadSession original = makeSession("dup", kRegistry, "first", 100);
  ASSERT_TRUE(isOk(store().createSession(original)));
  EXPECT_TRUE(failsWith(store().createSession(makeSession("dup", kOtherRegistry, "second", 200)),
                        Errc::kConflict));
  EXPECT_TRUE(failsWith(store().createSession(original), Errc::kConflict));
  auto loaded = store().getSession("dup");
  ASSERT_TRUE(isOk(loaded));
  expectSame(*loaded, original);
  EXPECT_TRUE(list(store(), kOtherRegistry).empty());
}

TEST_P(UploadSessionStoreConformance, GetUnknownIsBlobUploadUnknown) {
  EXPECT_TRUE(failsWith(store().getSession("never-created"), Errc::kBlobUploadUnknown));
  ASSERT_TRUE(isOk(store().createSession(makeSession("abc"))));
  // Ids are exact: no prefix or case folding.
  EXPECT_TRUE(failsWith(store().getSession("ab"), Errc::kBlobUploadUnknown));
  EXPECT_TRUE(failsWith(store().getSession("ABC"), Errc::kBlobUploadUnknown));
  EXPECT_TRUE(failsWith(store().getSession(""), Errc::kBlobUploadUnknown));
}

TEST_P(UploadSessionStoreConformance, RemoveIsIdempotent) {
  ASSERT_TRUE(isOk(store().createSession(makeSession("gone"))));
  ASSERT_TRUE(isOk(store().createSession(makeSession("kept"))));
  ASSERT_TRUE(isOk(store().removeSession("gone")));
  ASSERT_TRUE(isOk(store().removeSession("gone")));
  ASSERT_TRUE(isOk(store().removeSession("never-created")));
  EXPECT_TRUE(failsWith(store().getSession("gone"), Errc::kBlobUploadUnknown));
  EXPECT_TRUE(isOk(store().getSession("kept")));
  // A removed id may be used again.
  UploadSession reborn = makeSession("gone", kOtherRegistry, "elsewhere", 42);
  ASSERT_TRUE(isOk(store().createSession(reborn)));
  auto loaded = store().getSession("gone");
  ASSERT_TRUE(isOk(loaded));
  expectSame(*loaded, reborn);
}

TEST_P(UploadSessionStoreConformance, ListVisitsEverySessionOfOnlyThatRegistry) {
  std::vector<UploadSession> mine = {makeSession("a1", kRegistry, "x", 30),
                                     makeSession("a2", kRegistry, "y", 10),
                                     makeSession("a3", kRegistry, "x", 20)};
  for (const UploadSession& session : mine) {
    ASSERT_TRUE(isOk(store().createSession(session)));
  }
  ASSERT_TRUE(isOk(store().createSession(makeSession("b1", kOtherRegistry, "x", 15))));

  std::vector<UploadSession> listed = list(store(), kRegistry);
  ASSERT_EQ(ids(listed), (std::vector<std::string>{"a1", "a2", "a3"}));
  for (std::size_t i = 0; i < mine.size(); ++i) {
    expectSame(listed[i], mine[i]);
  }
  EXPECT_EQ(ids(list(store(), kOtherRegistry)), std::vector<std::string>{"b1"});
  EXPECT_TRUE(list(store(), "no.registry.test").empty());
}

TEST_P(UploadSessionStoreConformance, ListEmptyRegistryVisitsNothing) {
  int visits = 0;
  EXPECT_TRUE(isOk(store().listSessions(kRegistry, [&](const UploadSession&) { ++visits; })));
  EXPECT_EQ(visits, 0);
}

TEST_P(UploadSessionStoreConformance, SessionsSurviveReopen) {
  UploadSession kept = makeSession("kept", kRegistry, "repo", 77);
  ASSERT_TRUE(isOk(store().createSession(kept)));
  ASSERT_TRUE(isOk(store().createSession(makeSession("removed"))));
  ASSERT_TRUE(isOk(store().removeSession("removed")));
  reopen();
  auto loaded = store().getSession("kept");
  ASSERT_TRUE(isOk(loaded));
  expectSame(*loaded, kept);
  EXPECT_TRUE(failsWith(store().getSession("removed"), Errc::kBlobUploadUnknown));
  EXPECT_EQ(ids(list(store(), kRegistry)), std::vector<std::string>{"kept"});
  EXPECT_TRUE(failsWith(store().createSession(kept), Errc::kConflict));
}

TEST_P(UploadSessionStoreConformance, ConcurrentCreateGetRemove) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 12;
  std::atomic<int> failures{0};
  std::atomic<int> contestedWins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        UploadSession session = makeSession(id, kRegistry, "repo", i);
        auto loaded = store().createSession(session).ok() ? store().getSession(id)
                                                          : Result<UploadSession>(Error{});
        if (!loaded.ok() || loaded->id != id) {
          ++failures;
        }
        if (i % 3 == 0 && !store().removeSession(id).ok()) {
          ++failures;
        }
        // Every thread races for the same id; exactly one create may win each round.
        Status contested = store().createSession(makeSession("contested-" + std::to_string(i)));
        if (contested.ok()) {
          ++contestedWins;
        } else if (contested.error().code != Errc::kConflict) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(contestedWins.load(), kPerThread);
  std::size_t removedPerThread = (kPerThread + 2) / 3;
  EXPECT_EQ(list(store(), kRegistry).size(),
            kThreads * (kPerThread - removedPerThread) + kPerThread);
}

}  // namespace berth::metadata::conformance
