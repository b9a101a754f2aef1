// acr scope-map, acr token and role assignment against a fake management API over a real socket:
// the requests they send, what they print, and their usage errors.

#include <gtest/gtest.h>

#include <sstream>

#include "cli/cli_app.h"
#include "cli/test_http_server.h"

namespace berth::cli {
namespace {

using testing::CannedResponse;
using testing::SeenRequest;
using testing::TestHttpServer;

const std::string kSubPath = "/subscriptions/00000000-0000-0000-0000-000000000001";
const std::string kRegistry =
    kSubPath + "/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/reg01";
const std::string kAssignment =
    kSubPath + "/resourceGroups/rg1/providers/Microsoft.Authorization/roleAssignments/"
               "11111111-2222-4333-8444-555555555555";

Json tokenDoc() {
  return {{"id", kRegistry + "/tokens/tok01"},
          {"name", "tok01"},
          {"type", "Microsoft.ContainerRegistry/registries/tokens"},
          {"properties",
           {{"creationDate", "2026-01-01T00:00:00Z"},
            {"credentials",
             {{"certificates", Json::array()},
              {"passwords",
               {{{"name", "password1"}, {"creationTime", "2026-01-01T00:00:00Z"}},
                {{"name", "password2"}, {"creationTime", "2026-01-01T00:00:00Z"}}}}}},
            {"provisioningState", "Succeeded"},
            {"scopeMapId", kRegistry + "/scopeMaps/tok01-scope-map"},
            {"status", "enabled"}}}};
}

CannedResponse json(int status, const Json& body) { return {status, body.dump(), {}}; }

CannedResponse fakeApi(const SeenRequest& r) {
  const std::string path = r.target.substr(0, r.target.find('?'));
  if (path == "/auth/token") {
    return json(200, {{"accessToken", "tok"}, {"tokenType", "Bearer"},
                      {"expiresOn", "2099-01-01T00:00:00Z"}, {"expiresIn", 100}});
  }
  if (path == "/providers/Berth.Management/info") {
    return json(200, {{"version", "0"}, {"domain", "cr.internal"}, {"dataPlane", {"127.0.0.1:1"}},
                      {"defaultSubscription", "00000000-0000-0000-0000-000000000001"}});
  }
  if (path == "/subscriptions") {
    Json sub = {{"id", kSubPath},
                {"subscriptionId", "00000000-0000-0000-0000-000000000001"},
                {"displayName", "Default"},
                {"state", "Enabled"},
                {"tenantId", "t"}};
    return json(200, {{"value", Json::array({sub})}});
  }
  if (path == kSubPath + "/providers/Microsoft.ContainerRegistry/registries") {
    Json reg = {{"id", kRegistry},
                {"name", "reg01"},
                {"properties", {{"loginServer", "reg01.cr.internal"}}}};
    return json(200, {{"value", Json::array({reg})}});
  }
  Json body = r.body.empty() ? Json() : Json::parse(r.body);
  if (path.starts_with(kRegistry + "/scopeMaps")) {
    if (r.method == "GET" && path == kRegistry + "/scopeMaps") {
      return json(200, {{"value",
                         {{{"id", kRegistry + "/scopeMaps/_repositories_pull"},
                           {"name", "_repositories_pull"},
                           {"type", "Microsoft.ContainerRegistry/registries/scopeMaps"},
                           {"properties",
                            {{"actions", {"repositories/*/content/read"}},
                             {"type", "SystemDefined"}}}}}}});
    }
    if (r.method == "GET") {
      return json(404, {{"error", {{"code", "ResourceNotFound"}, {"message", "no map"}}}});
    }
    if (r.method == "PUT") {
      body["id"] = path;
      body["properties"]["type"] = "UserDefined";
      return json(201, body);
    }
  }
  if (path == kRegistry + "/tokens/tok01") {
    if (r.method == "PUT") return json(201, tokenDoc());
    if (r.method == "GET") return json(200, tokenDoc());
    if (r.method == "PATCH") {
      Json doc = tokenDoc();
      doc["properties"]["credentials"]["passwords"] =
          body["properties"]["credentials"]["passwords"];
      return json(200, doc);
    }
  }
  if (path == kRegistry + "/generateCredentials") {
    return json(200, {{"username", "tok01"},
                      {"passwords",
                       {{{"name", "password1"}, {"value", "secret-one"}},
                        {{"name", "password2"}, {"value", "secret-two"}}}}});
  }
  if (path.ends_with("/providers/Microsoft.Authorization/roleAssignments")) {
    return json(200, {{"value",
                       {{{"id", kAssignment},
                         {"name", "11111111-2222-4333-8444-555555555555"},
                         {"properties",
                          {{"principalId", "alice"},
                           {"principalName", "alice"},
                           {"roleDefinitionName", "AcrPull"},
                           {"scope", kSubPath + "/resourceGroups/rg1"}}}},
                        {{"id", "/providers/Microsoft.Authorization/roleAssignments/x"},
                         {"name", "x"},
                         {"properties",
                          {{"principalId", "admin"},
                           {"roleDefinitionName", "Owner"},
                           {"scope", "/"}}}}}}});
  }
  if (path.find("/providers/Microsoft.Authorization/roleAssignments/") != std::string::npos) {
    if (r.method == "PUT") {
      body["id"] = path;
      body["properties"]["scope"] = path.substr(0, path.find("/providers/Microsoft.Authorization"));
      return json(201, body);
    }
    if (r.method == "DELETE") return json(200, Json::object());
  }
  return json(404, {{"error", {{"code", "ResourceNotFound"}, {"message", "Not here."}}}});
}

class AcrTokenCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-cli-token-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    env_.configDir = tmpl;
    env_.in = &in_;
    env_.out = &out_;
    env_.err = &err_;
    ASSERT_EQ(run({"login", "--server", server_.url(), "-u", "admin", "-p", "x"}), 0) << err_.str();
  }
  void TearDown() override { std::filesystem::remove_all(env_.configDir); }

  int run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return runCommandLine(table_, args, env_);
  }
  std::vector<SeenRequest> sent(std::string_view method) {
    std::vector<SeenRequest> out;
    for (auto r : server_.seen()) {
      r.target = r.target.substr(0, r.target.find('?'));
      if (r.method == method && r.target != "/auth/token") out.push_back(r);
    }
    return out;
  }

  TestHttpServer server_{fakeApi};
  CommandTable table_ = buildCommandTable();
  std::istringstream in_;
  std::ostringstream out_, err_;
  Environment env_;
};

TEST_F(AcrTokenCommandsTest, TokenCreateWithRepositoriesMakesAMapAndShowsPasswordsOnce) {
  ASSERT_EQ(run({"acr", "token", "create", "-r", "reg01", "-n", "tok01", "--repository", "hello",
                 "content/read", "content/write", "--repository", "team/*", "content/read",
                 "--expiration-in-days", "30"}),
            0)
      << err_.str();
  auto puts = sent("PUT");
  ASSERT_EQ(puts.size(), 2u);
  EXPECT_EQ(puts[0].target, kRegistry + "/scopeMaps/tok01-scope-map");
  EXPECT_EQ(Json::parse(puts[0].body)["properties"]["actions"],
            Json({"repositories/hello/content/read", "repositories/hello/content/write",
                  "repositories/team/*/content/read"}));
  EXPECT_EQ(puts[1].target, kRegistry + "/tokens/tok01");
  EXPECT_EQ(Json::parse(puts[1].body)["properties"]["scopeMapId"],
            kRegistry + "/scopeMaps/tok01-scope-map");
  auto posts = sent("POST");
  ASSERT_EQ(posts.size(), 1u);
  Json generate = Json::parse(posts[0].body);
  EXPECT_EQ(generate["tokenId"], kRegistry + "/tokens/tok01");
  EXPECT_FALSE(generate.contains("name"));
  EXPECT_TRUE(generate["expiry"].get<std::string>().ends_with("Z"));

  Json printed = Json::parse(out_.str());
  EXPECT_EQ(printed["credentials"]["username"], "tok01");
  EXPECT_EQ(printed["credentials"]["passwords"][0]["value"], "secret-one");
  EXPECT_EQ(printed["resourceGroup"], "rg1");
  EXPECT_NE(err_.str().find("WARNING: Please store your generated credentials"), std::string::npos);
}

TEST_F(AcrTokenCommandsTest, TokenUsageErrorsAreOneLine) {
  const std::vector<std::vector<std::string>> bad = {
      {"acr", "token", "create", "-r", "reg01", "-n", "tok01"},
      {"acr", "token", "create", "-r", "reg01", "-n", "tok01", "--scope-map", "m",
       "--repository", "a", "content/read"},
      {"acr", "token", "create", "-r", "reg01", "-n", "tok01", "--repository", "hello"},
      {"acr", "token", "create", "-r", "reg01", "-n", "tok01", "--scope-map", "m",
       "--expiration-in-days", "soon"},
      {"acr", "token", "create", "-r", "reg01", "-n", "tok01", "--scope-map", "m",
       "--expiration", "tomorrow"},
      {"acr", "token", "create", "-r", "reg01", "-n", "tok01", "--scope-map", "m", "--status",
       "paused"},
      {"acr", "token", "credential", "delete", "-r", "reg01", "-n", "tok01"},
      {"role", "assignment", "create", "--assignee", "alice", "--role", "AcrPull"},
  };
  for (const auto& args : bad) {
    const auto before = server_.seen().size();
    EXPECT_EQ(run(args), 2) << args.back();
    EXPECT_EQ(out_.str(), "");
    const std::string err = err_.str();
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_EQ(server_.seen().size(), before) << "no request for " << args.back();
  }
}

TEST_F(AcrTokenCommandsTest, CredentialDeleteKeepsTheOtherPassword) {
  ASSERT_EQ(run({"acr", "token", "credential", "delete", "-r", "reg01", "-n", "tok01",
                 "--password1"}),
            0)
      << err_.str();
  auto patches = sent("PATCH");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(Json::parse(patches[0].body)["properties"]["credentials"]["passwords"],
            Json::parse(R"([{"name":"password2"}])"));
  ASSERT_EQ(run({"acr", "token", "credential", "generate", "-r", "reg01", "-n", "tok01",
                 "--password2", "--query", "passwords[1].value", "-o", "tsv"}),
            0);
  EXPECT_EQ(Json::parse(sent("POST").back().body)["name"], "password2");
}

TEST_F(AcrTokenCommandsTest, ScopeMapsPrintLikeAz) {
  ASSERT_EQ(run({"acr", "scope-map", "list", "-r", "reg01"}), 0) << err_.str();
  Json list = Json::parse(out_.str());
  EXPECT_EQ(list[0]["typePropertiesType"], "SystemDefined");
  EXPECT_EQ(list[0]["type"], "Microsoft.ContainerRegistry/registries/scopeMaps");
  ASSERT_EQ(run({"acr", "scope-map", "list", "-r", "reg01", "-o", "table"}), 0);
  EXPECT_EQ(out_.str().substr(0, out_.str().find(' ')), "NAME");
  EXPECT_NE(out_.str().find("_repositories_pull"), std::string::npos);
  EXPECT_EQ(run({"acr", "scope-map", "create", "-r", "reg01", "-n", "map01"}), 2);
  ASSERT_EQ(run({"acr", "scope-map", "create", "-r", "reg01", "-n", "map01", "--repository",
                 "hello", "content/delete", "--description", "cleanup"}),
            0)
      << err_.str();
  EXPECT_EQ(Json::parse(sent("PUT").back().body),
            Json::parse(R"({"properties":{"actions":["repositories/hello/content/delete"],
                                          "description":"cleanup"}})"));
}

TEST_F(AcrTokenCommandsTest, RoleAssignmentsCreateListDelete) {
  ASSERT_EQ(run({"role", "assignment", "create", "--assignee", "alice", "--role", "AcrPush",
                 "--scope", kRegistry}),
            0)
      << err_.str();
  auto put = sent("PUT").back();
  EXPECT_TRUE(put.target.starts_with(kRegistry + "/providers/Microsoft.Authorization/roleAssignments/"));
  EXPECT_EQ(put.target.size(), kRegistry.size() + 51 + 36);
  EXPECT_EQ(Json::parse(put.body)["properties"],
            Json::parse(R"({"principalId":"alice","roleDefinitionName":"AcrPush"})"));
  EXPECT_EQ(Json::parse(out_.str())["scope"], kRegistry);

  ASSERT_EQ(run({"role", "assignment", "list", "--assignee", "ALICE", "--query", "[].roleDefinitionName",
                 "-o", "tsv"}),
            0);
  EXPECT_EQ(out_.str(), "AcrPull\n");

  ASSERT_EQ(run({"role", "assignment", "delete", "--assignee", "alice", "-g", "rg1"}), 0)
      << err_.str();
  ASSERT_EQ(sent("DELETE").size(), 1u);
  EXPECT_EQ(sent("DELETE")[0].target, kAssignment);
  EXPECT_EQ(run({"role", "assignment", "delete", "--assignee", "bob"}), 1);
  EXPECT_EQ(err_.str(), "ERROR: No matched assignments were found to delete\n");
  EXPECT_EQ(run({"role", "assignment", "delete", "--ids", "/subscriptions/x"}), 2);
}

}  // namespace
}  // namespace berth::cli
