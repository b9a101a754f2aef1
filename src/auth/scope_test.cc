#include "auth/scope.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace berth::auth {
namespace {

TEST(ScopeTest, ParsesRepositoryScopes) {
  auto s = parseScope("repository:samples/hello-world:pull,push");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->type, ResourceType::kRepository);
  EXPECT_EQ(s->name, "samples/hello-world");
  EXPECT_EQ(s->actions, (ActionSet{Action::kPull, Action::kPush}));
  EXPECT_TRUE(s->resourceClass.empty());

  auto all = parseScope("repository:app:*");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->actions, ActionSet::allRepository());
  EXPECT_FALSE(all->actions.has(Action::kCatalog));

  auto meta = parseScope("repository:app:metadata_read,delete");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->actions, (ActionSet{Action::kMetadataRead, Action::kDelete}));
}

TEST(ScopeTest, ParsesResourceClassAndCatalog) {
  auto plugin = parseScope("repository(plugin):vieux/sshfs:pull");
  ASSERT_TRUE(plugin.ok()) << plugin.error().message;
  EXPECT_EQ(plugin->resourceClass, "plugin");
  EXPECT_EQ(plugin->name, "vieux/sshfs");

  auto catalog = parseScope("registry:catalog:*");
  ASSERT_TRUE(catalog.ok());
  EXPECT_EQ(catalog->type, ResourceType::kRegistry);
  EXPECT_EQ(catalog->actions, ActionSet{Action::kCatalog});
}

TEST(ScopeTest, UnknownActionWordsAreIgnoredNotGranted) {
  auto s = parseScope("repository:app:pull,admin,catalog");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->actions, ActionSet{Action::kPull});
  auto none = parseScope("repository:app:frobnicate");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->actions.empty());
  auto catalogPull = parseScope("registry:catalog:pull");
  ASSERT_TRUE(catalogPull.ok());
  EXPECT_TRUE(catalogPull->actions.empty());
}

TEST(ScopeTest, RejectsMalformed) {
  const std::string tooLong = "repository:" + std::string(600, 'a') + ":pull";
  for (const std::string& bad : std::vector<std::string>{"",
                                                         "repository",
                                                         "repository:app",
                                                         "repository:app:",
                                                         "repository::pull",
                                                         ":app:pull",
                                                         "repo:app:pull",
                                                         "Repository:app:pull",
                                                         "repository:App:pull",
                                                         "repository:app:Pull",
                                                         "repository:app:pull,",
                                                         "repository:app:,pull",
                                                         "repository:app:pull push",
                                                         "repository:/app:pull",
                                                         "repository:app/:pull",
                                                         "repository:a//b:pull",
                                                         "repository:host:5000/app:pull",
                                                         "repository(:app:pull",
                                                         "repository():app:pull",
                                                         "repository(Plugin):app:pull",
                                                         "repository(a)(b):app:pull",
                                                         "registry:foo:*",
                                                         "registry(plugin):catalog:*",
                                                         "registry::*",
                                                         "repository:app:pu-ll",
                                                         tooLong}) {
    auto s = parseScope(bad);
    EXPECT_FALSE(s.ok()) << bad;
    if (!s.ok()) {
      EXPECT_EQ(s.error().code, Errc::kInvalidParameter) << bad;
      EXPECT_LE(s.error().detail.size(), kMaxScopeBytes);
    }
  }
}

TEST(ScopeTest, ListsAndLimits) {
  auto list = parseScopeList("  repository:a:pull   repository:b:push registry:catalog:* ");
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[1].name, "b");
  EXPECT_TRUE(parseScopeList("")->empty());
  EXPECT_TRUE(parseScopeList("   ")->empty());
  EXPECT_FALSE(parseScopeList("repository:a:pull bogus").ok());

  std::string many;
  for (std::size_t i = 0; i <= kMaxScopes; ++i) {
    many += "repository:r" + std::to_string(i) + ":pull ";
  }
  EXPECT_FALSE(parseScopeList(many).ok());
}

TEST(ScopeTest, FormatRoundTrips) {
  for (const char* text :
       {"repository:a/b:pull,push", "repository(plugin):p:pull", "registry:catalog:*",
        "repository:x:pull,push,delete,metadata_read,"
        "metadata_write"}) {
    auto s = parseScope(text);
    ASSERT_TRUE(s.ok()) << text;
    EXPECT_EQ(formatScope(*s), text);
    EXPECT_EQ(*parseScope(formatScope(*s)), *s);
  }
  EXPECT_EQ(formatScope(*parseScope("repository:x:push,pull,pull")), "repository:x:pull,push");
}

TEST(ScopeTest, MergeUnitesDuplicatesAndDropsEmpty) {
  auto list = parseScopeList(
      "repository:a:pull repository:b:frob repository:a:push repository(plugin):a:delete");
  ASSERT_TRUE(list.ok());
  auto merged = mergeScopes(*list);
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].name, "a");
  EXPECT_EQ(merged[0].actions, (ActionSet{Action::kPull, Action::kPush}));
  EXPECT_EQ(merged[1].resourceClass, "plugin");
}

TEST(ScopeTest, AccessClaimJsonRoundTrip) {
  auto list =
      parseScopeList("repository:a/b:pull,push repository(plugin):p:pull registry:catalog:*");
  ASSERT_TRUE(list.ok());
  const auto json = accessToJson(*list);
  EXPECT_EQ(json, nlohmann::json::parse(R"([
    {"type":"repository","name":"a/b","actions":["pull","push"]},
    {"type":"repository","class":"plugin","name":"p","actions":["pull"]},
    {"type":"registry","name":"catalog","actions":["*"]}])"));
  auto back = accessFromJson(json);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, *list);
}

TEST(ScopeTest, AccessClaimRejectsBadShapes) {
  for (const char* bad : {R"({})", R"("x")", R"([1])", R"([{"type":"repository","name":"a"}])",
                          R"([{"type":"repository","name":"a","actions":"pull"}])",
                          R"([{"type":"repository","name":"a","actions":[1]}])",
                          R"([{"type":"repository","name":"A","actions":["pull"]}])",
                          R"([{"type":"blob","name":"a","actions":["pull"]}])",
                          R"([{"type":"repository","name":"a","class":5,"actions":["pull"]}])",
                          R"([{"type":"registry","name":"other","actions":["*"]}])",
                          R"([{"type":"repository","name":"a","actions":["Pull"]}])"}) {
    auto parsed = accessFromJson(nlohmann::json::parse(bad));
    EXPECT_FALSE(parsed.ok()) << bad;
  }
  nlohmann::json tooMany = nlohmann::json::array();
  for (std::size_t i = 0; i <= kMaxScopes; ++i) {
    tooMany.push_back({{"type", "repository"}, {"name", "a"}, {"actions", {"pull"}}});
  }
  EXPECT_FALSE(accessFromJson(tooMany).ok());
}

}  // namespace
}  // namespace berth::auth
