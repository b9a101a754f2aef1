// The CLI end to end against a fake management API over a real socket: login writes the
// profile, commands shape output like az, errors are one line with az's exit codes.

#include "cli/cli_app.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli/test_http_server.h"

namespace berth::cli {
namespace {

using testing::CannedResponse;
using testing::SeenRequest;
using testing::TestHttpServer;

constexpr std::string_view kSub = "00000000-0000-0000-0000-000000000001";

std::string registryBody(std::string_view name) {
  return std::string(R"({"id":"/subscriptions/)") + std::string(kSub) +
         R"(/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/)" +
         std::string(name) + R"(","name":")" + std::string(name) +
         R"(","type":"Microsoft.ContainerRegistry/registries","location":"eastus","tags":{},
           "sku":{"name":"Premium","tier":"Premium"},
           "properties":{"loginServer":")" +
         std::string(name) + R"(.cr.internal","adminUserEnabled":true,
           "publicNetworkAccess":"Disabled","creationDate":"2026-01-01T00:00:00Z"}})";
}

CannedResponse fakeApi(const SeenRequest& r) {
  const std::string path = r.target.substr(0, r.target.find('?'));
  if (path == "/auth/token") {
    if (r.authorization != "Basic YWRtaW46c2VjcmV0") {  // admin:secret
      return {401, R"({"error":{"code":"AuthenticationFailed","message":"Bad credentials."}})", {}};
    }
    return {
        200,
        R"({"accessToken":"tok","tokenType":"Bearer","expiresOn":"2099-01-01T00:00:00Z","expiresIn":100})",
        {}};
  }
  if (r.authorization != "Bearer tok") {
    return {401, R"({"error":{"code":"AuthenticationFailed","message":"No token."}})", {}};
  }
  if (path == "/providers/Berth.Management/info") {
    return {
        200,
        std::string(
            R"({"version":"0.1.0","domain":"cr.internal","dataPlane":["127.0.0.1:1"],"defaultSubscription":")") +
            std::string(kSub) + "\"}",
        {}};
  }
  if (path == "/subscriptions") {
    return {200,
            std::string(R"({"value":[{"id":"/subscriptions/)") + std::string(kSub) +
                R"(","subscriptionId":")" + std::string(kSub) +
                R"(","displayName":"Default","state":"Enabled","tenantId":"t1"}]})",
            {}};
  }
  const std::string sub = "/subscriptions/" + std::string(kSub);
  if (path == sub + "/providers/Microsoft.ContainerRegistry/registries") {
    return {200, R"({"value":[)" + registryBody("reg1") + "]}", {}};
  }
  if (path == sub + "/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/reg1") {
    return {200, registryBody("reg1"), {}};
  }
  if (path ==
      sub +
          "/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/reg1/listUsages") {
    return {200,
            R"({"value":[{"name":"Size","currentValue":0,"limit":536870912000,"unit":"Bytes"}]})",
            {}};
  }
  if (path == sub + "/resourcegroups/rg1" && r.method == "PUT") {
    return {
        201,
        std::string(R"({"id":")") + sub +
            R"(/resourceGroups/rg1","name":"rg1","type":"Microsoft.Resources/resourceGroups","location":"eastus","tags":{"env":"dev"},"managedBy":null,"properties":{"provisioningState":"Succeeded"}})",
        {}};
  }
  return {404, R"({"error":{"code":"ResourceNotFound","message":"Not here."}})", {}};
}

class CliAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-cli-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    env_.configDir = tmpl;
    env_.in = &in_;
    env_.out = &out_;
    env_.err = &err_;
  }
  void TearDown() override { std::filesystem::remove_all(env_.configDir); }

  int run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return runCommandLine(table_, args, env_);
  }
  int login() { return run({"login", "--server", server_.url(), "-u", "admin", "-p", "secret"}); }

  TestHttpServer server_{fakeApi};
  CommandTable table_ = buildCommandTable();
  std::istringstream in_;
  std::ostringstream out_, err_;
  Environment env_;
};

TEST_F(CliAppTest, CommandsWithoutProfileAskForLogin) {
  EXPECT_EQ(run({"acr", "list"}), 1);
  EXPECT_EQ(err_.str(), "ERROR: Please run 'berth login' to set up an account.\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CliAppTest, LoginStoresProfileAndPrintsSubscriptions) {
  ASSERT_EQ(login(), 0) << err_.str();
  auto printed = nlohmann::json::parse(out_.str());
  ASSERT_EQ(printed.size(), 1u);
  EXPECT_EQ(printed[0]["id"], kSub);
  EXPECT_EQ(printed[0]["isDefault"], true);
  EXPECT_EQ(printed[0]["name"], "Default");
  EXPECT_EQ(printed[0]["user"]["name"], "admin");
  auto profile = loadProfile(env_.configDir);
  ASSERT_TRUE(profile.ok() && profile->has_value());
  EXPECT_EQ((*profile)->accessToken, "tok");
  EXPECT_EQ((*profile)->subscription, kSub);
  EXPECT_EQ((*profile)->domain, "cr.internal");
  EXPECT_EQ((*profile)->dataPlane, std::vector<std::string>{"127.0.0.1:1"});
}

TEST_F(CliAppTest, LoginWithBadPasswordIsAzStyleError) {
  EXPECT_EQ(run({"login", "--server", server_.url(), "-p", "wrong"}), 1);
  EXPECT_EQ(err_.str(),
            "ERROR: (AuthenticationFailed) Bad credentials. Please run 'berth login' to sign in "
            "again.\n");
}

TEST_F(CliAppTest, LoginFromCredentialsFileAndStdin) {
  const auto file = env_.configDir / "operator-credentials.json";
  std::ofstream(file) << R"({"username":"admin","password":"secret"})";
  EXPECT_EQ(run({"login", "--server", server_.url(), "--credentials-file", file.string()}), 0)
      << err_.str();
  in_.str("secret\n");
  EXPECT_EQ(run({"login", "--server", server_.url(), "--password-stdin", "-o", "none"}), 0)
      << err_.str();
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(run({"login", "--password-stdin", "-p", "x"}), 2);
}

TEST_F(CliAppTest, AcrShowFlattensAndQueriesLikeAz) {
  ASSERT_EQ(login(), 0);
  ASSERT_EQ(run({"acr", "show", "-n", "reg1", "--query", "id", "-o", "tsv"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "/subscriptions/" + std::string(kSub) +
                            "/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/"
                            "registries/reg1\n");
  ASSERT_EQ(run({"acr", "show", "-n", "reg1", "--query", "loginServer", "-o", "tsv"}), 0);
  EXPECT_EQ(out_.str(), "reg1.cr.internal\n");
  ASSERT_EQ(run({"acr", "show", "-n", "reg1", "-g", "rg1"}), 0);
  auto shown = nlohmann::json::parse(out_.str());
  EXPECT_EQ(shown["resourceGroup"], "rg1");
  EXPECT_EQ(shown["publicNetworkAccess"], "Disabled");
  EXPECT_FALSE(shown.contains("properties"));
  ASSERT_EQ(run({"acr", "show", "-n", "reg1.cr.internal", "--query", "name", "-o", "tsv"}), 0);
  EXPECT_EQ(out_.str(), "reg1\n");
  EXPECT_NE(err_.str().find("WARNING: The login server endpoint suffix"), std::string::npos);
}

TEST_F(CliAppTest, AcrListTableUsesAzColumns) {
  ASSERT_EQ(login(), 0);
  ASSERT_EQ(run({"acr", "list", "-o", "table"}), 0) << err_.str();
  const std::string table = out_.str();
  EXPECT_EQ(
      table.substr(0, table.find('\n')),
      "NAME    RESOURCE GROUP    LOCATION    SKU      LOGIN SERVER      CREATION DATE         "
      "ADMIN ENABLED  ");
  EXPECT_NE(table.find("reg1    rg1               eastus      Premium  reg1.cr.internal"),
            std::string::npos);
}

TEST_F(CliAppTest, ShowUsageJsonAndTable) {
  ASSERT_EQ(login(), 0);
  ASSERT_EQ(run({"acr", "show-usage", "-n", "reg1", "--query", "value[0].name", "-o", "tsv"}), 0);
  EXPECT_EQ(out_.str(), "Size\n");
  ASSERT_EQ(run({"acr", "show-usage", "-n", "reg1", "-o", "table"}), 0);
  EXPECT_EQ(out_.str(),
            "NAME    USED    LIMIT         UNIT  \n"
            "------  ------  ------------  ------\n"
            "Size    0       536870912000  Bytes \n");
}

TEST_F(CliAppTest, MissingRegistryAndResources) {
  ASSERT_EQ(login(), 0);
  EXPECT_EQ(run({"acr", "show", "-n", "nope1"}), 1);
  EXPECT_EQ(err_.str(),
            "ERROR: The resource with name 'nope1' and type "
            "'Microsoft.ContainerRegistry/registries' could not be found in subscription '" +
                std::string(kSub) + "'.\n");
  EXPECT_EQ(run({"group", "show", "-n", "nope"}), 1);
  EXPECT_EQ(err_.str(), "ERROR: (ResourceNotFound) Not here.\n");
  EXPECT_EQ(run({"group", "exists", "-n", "nope"}), 0);
  EXPECT_EQ(out_.str(), "false\n");
}

TEST_F(CliAppTest, GroupCreateSendsTagsAndKeepsPropertiesNested) {
  ASSERT_EQ(login(), 0);
  ASSERT_EQ(run({"group", "create", "-n", "rg1", "-l", "eastus", "--tags", "env=dev"}), 0)
      << err_.str();
  auto created = nlohmann::json::parse(out_.str());
  EXPECT_EQ(created["properties"]["provisioningState"], "Succeeded");
  EXPECT_FALSE(created.contains("resourceGroup"));
  const auto seen = server_.seen();
  EXPECT_EQ(nlohmann::json::parse(seen.back().body),
            nlohmann::json::parse(R"({"location":"eastus","tags":{"env":"dev"}})"));
}

TEST_F(CliAppTest, UsageErrorsExitTwoWithOneLine) {
  EXPECT_EQ(run({"acr", "create", "-n", "x"}), 2);
  EXPECT_EQ(err_.str(),
            "ERROR: the following arguments are required: --resource-group/-g, --sku\n");
  EXPECT_EQ(run({"acr", "show", "-n", "x", "--bogus"}), 2);
  EXPECT_EQ(err_.str(), "ERROR: unrecognized arguments: --bogus\n");
  EXPECT_EQ(run({"acr", "create", "-n", "x", "-g", "r", "--sku", "Gold"}), 2);
  EXPECT_EQ(run({"acr", "frob"}), 2);
  EXPECT_EQ(err_.str(),
            "ERROR: 'frob' is misspelled or not recognized by the system. See "
            "'berth acr --help'.\n");
  EXPECT_EQ(run({"acr", "show", "-n", "x", "--query", "[?"}), 2);
  EXPECT_EQ(err_.str().rfind("ERROR: argument --query: invalid jmespath query", 0), 0u);
  EXPECT_EQ(run({"acr", "show", "-n", "x", "-o", "xml"}), 2);
}

TEST_F(CliAppTest, UppercaseRegistryNameRejectedBeforeAnyRequest) {
  ASSERT_EQ(login(), 0);
  const auto before = server_.seen().size();
  EXPECT_EQ(run({"acr", "create", "-n", "MyReg", "-g", "rg1", "--sku", "Basic"}), 1);
  EXPECT_EQ(err_.str(), "ERROR: argument error: Registry name must use only lowercase.\n");
  EXPECT_EQ(server_.seen().size(), before);
}

TEST_F(CliAppTest, HelpAtEveryLevel) {
  EXPECT_EQ(run({"acr", "--help"}), 0);
  EXPECT_NE(out_.str().find("berth acr : "), std::string::npos);
  EXPECT_EQ(run({"acr"}), 0);
  EXPECT_NE(out_.str().find("Subgroups:"), std::string::npos);
  EXPECT_EQ(run({"acr", "create", "-h"}), 0);
  EXPECT_NE(out_.str().find("--sku"), std::string::npos);
  EXPECT_NE(out_.str().find("[Required]"), std::string::npos);
  EXPECT_NE(out_.str().find("Global Arguments"), std::string::npos);
}

TEST_F(CliAppTest, DeleteWithoutTtyNeedsYes) {
  ASSERT_EQ(login(), 0);
  EXPECT_EQ(run({"group", "delete", "-n", "rg1"}), 1);
  EXPECT_EQ(err_.str(),
            "ERROR: Unable to prompt for confirmation as no tty available. Use --yes.\n");
}

TEST_F(CliAppTest, JpReadsStdin) {
  in_.str(R"({"a":[{"b":"x"},{"b":"y"}]})");
  EXPECT_EQ(run({"jp", "a[].b"}), 0);
  EXPECT_EQ(out_.str(), "[\n  \"x\",\n  \"y\"\n]\n");
  in_.clear();
  in_.str(R"({"a":"x"})");
  EXPECT_EQ(run({"jp", "-u", "a"}), 0);
  EXPECT_EQ(out_.str(), "x\n");
  EXPECT_EQ(run({"jp"}), 2);
}

TEST_F(CliAppTest, LogoutRemovesProfile) {
  ASSERT_EQ(login(), 0);
  EXPECT_EQ(run({"logout"}), 0);
  EXPECT_EQ(run({"account", "show"}), 1);
  EXPECT_EQ(run({"logout"}), 1);
  EXPECT_EQ(err_.str(), "ERROR: There are no active accounts.\n");
}

}  // namespace
}  // namespace berth::cli
