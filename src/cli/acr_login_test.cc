// berth acr login: the auth files it merges into (modes, other entries kept, malformed files left
// alone) and the command against a fake management API and data plane over a real socket.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/cli_app.h"
#include "cli/http_client.h"
#include "common/base64.h"
#include "cli/registry_auth_files.h"
#include "cli/test_http_server.h"

namespace berth::cli {
namespace {

namespace fs = std::filesystem;
using testing::CannedResponse;
using testing::SeenRequest;
using testing::TestHttpServer;

constexpr std::string_view kSub = "00000000-0000-0000-0000-000000000001";
constexpr std::string_view kRefreshUser = "00000000-0000-0000-0000-000000000000";

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/berth-acr-login-test.XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

unsigned modeOf(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

std::string authOf(std::string_view user, std::string_view password) {
  return base64Encode(std::string(user) + ":" + std::string(password));
}

Status prepareAndWrite(const fs::path& file, std::string_view server, std::string_view user,
                       std::string_view password) {
  auto update = prepareAuthFileUpdate(file, server, user, password);
  if (!update.ok()) return update.error();
  return writeAuthFile(*update);
}

// --- the files ---------------------------------------------------------------------------------

TEST(RegistryAuthFiles, Locations) {
  EXPECT_EQ(dockerConfigFile("/d", "/home/u"), fs::path("/d/config.json"));
  EXPECT_EQ(dockerConfigFile(nullptr, "/home/u"), fs::path("/home/u/.docker/config.json"));
  EXPECT_EQ(dockerConfigFile("", "/home/u"), fs::path("/home/u/.docker/config.json"));
  EXPECT_EQ(containersAuthFile("/a/auth.json", "/run/user/7", 7), fs::path("/a/auth.json"));
  EXPECT_EQ(containersAuthFile(nullptr, "/run/user/7", 7),
            fs::path("/run/user/7/containers/auth.json"));
  EXPECT_EQ(containersAuthFile("", "", 7), fs::path("/run/containers/7/auth.json"));
}

TEST(RegistryAuthFiles, CreatesPrivateDirectoriesAndFile) {
  TempDir tmp;
  const fs::path file = tmp.path() / "home" / ".docker" / "config.json";
  ASSERT_TRUE(prepareAndWrite(file, "reg.cr.internal", "u", "p:w").ok());
  EXPECT_EQ(modeOf(file), 0600u);
  EXPECT_EQ(modeOf(tmp.path() / "home" / ".docker"), 0700u);
  EXPECT_EQ(modeOf(tmp.path() / "home"), 0700u);
  auto doc = nlohmann::json::parse(readFile(file));
  EXPECT_EQ(doc["auths"]["reg.cr.internal"]["auth"], authOf("u", "p:w"));
  EXPECT_EQ(doc["auths"]["reg.cr.internal"].size(), 1u);
  // Nothing but the file is left in the directory (no temporary files).
  EXPECT_EQ(std::distance(fs::directory_iterator(file.parent_path()), fs::directory_iterator()), 1);
}

TEST(RegistryAuthFiles, KeepsOtherEntriesAndKeysTightensMode) {
  TempDir tmp;
  const fs::path file = tmp.path() / "config.json";
  std::ofstream(file) << R"({"auths":{"other.io":{"auth":"b3RoZXI6eA=="},
    "reg.cr.internal":{"auth":"b2xkOm9sZA==","identitytoken":"old"}},
    "HttpHeaders":{"User-Agent":"x"},"psFormat":"table"})";
  ::chmod(file.c_str(), 0644);
  ASSERT_TRUE(prepareAndWrite(file, "reg.cr.internal", "u", "p").ok());
  EXPECT_EQ(modeOf(file), 0600u);
  auto doc = nlohmann::json::parse(readFile(file));
  EXPECT_EQ(doc["auths"]["other.io"]["auth"], "b3RoZXI6eA==");
  EXPECT_EQ(doc["HttpHeaders"]["User-Agent"], "x");
  EXPECT_EQ(doc["psFormat"], "table");
  // The old entry is replaced whole: a stale identitytoken would win over the new auth.
  EXPECT_EQ(doc["auths"]["reg.cr.internal"], nlohmann::json({{"auth", authOf("u", "p")}}));
}

TEST(RegistryAuthFiles, MalformedFilesAreErrorsAndStayUntouched) {
  TempDir tmp;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{not json", "not valid JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"auths":[]})", "\"auths\" is not a JSON object"},
  };
  for (const auto& [content, why] : cases) {
    const fs::path file = tmp.path() / "config.json";
    std::ofstream(file, std::ios::trunc) << content;
    ::chmod(file.c_str(), 0640);
    auto update = prepareAuthFileUpdate(file, "reg.cr.internal", "u", "p");
    ASSERT_FALSE(update.ok()) << content;
    EXPECT_NE(update.error().message.find(file.string()), std::string::npos);
    EXPECT_NE(update.error().message.find(why), std::string::npos) << update.error().message;
    EXPECT_NE(update.error().message.find("nothing was written"), std::string::npos);
    EXPECT_EQ(readFile(file), content);
    EXPECT_EQ(modeOf(file), 0640u);
  }
}

TEST(RegistryAuthFiles, EmptyFileIsAnEmptyConfig) {
  TempDir tmp;
  const fs::path file = tmp.path() / "auth.json";
  std::ofstream(file) << "\n";
  ASSERT_TRUE(prepareAndWrite(file, "reg.cr.internal", "u", "p").ok());
  EXPECT_EQ(nlohmann::json::parse(readFile(file))["auths"]["reg.cr.internal"]["auth"],
            authOf("u", "p"));
}

TEST(RegistryAuthFiles, SymlinkTargetIsUpdatedAndLinkKept) {
  TempDir tmp;
  const fs::path real = tmp.path() / "dotfiles" / "config.json";
  fs::create_directories(real.parent_path());
  std::ofstream(real) << R"({"auths":{"a.io":{"auth":"YTpi"}}})";
  const fs::path link = tmp.path() / "config.json";
  fs::create_symlink("dotfiles/config.json", link);
  ASSERT_TRUE(prepareAndWrite(link, "reg.cr.internal", "u", "p").ok());
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(link)));
  auto doc = nlohmann::json::parse(readFile(real));
  EXPECT_EQ(doc["auths"]["a.io"]["auth"], "YTpi");
  EXPECT_EQ(doc["auths"]["reg.cr.internal"]["auth"], authOf("u", "p"));
}

TEST(RegistryAuthFiles, CredentialStoreIsPointedOut) {
  TempDir tmp;
  const fs::path file = tmp.path() / "config.json";
  std::ofstream(file) << R"({"credsStore":"desktop"})";
  auto update = prepareAuthFileUpdate(file, "reg.cr.internal", "u", "p");
  ASSERT_TRUE(update.ok());
  ASSERT_EQ(update->notes.size(), 1u);
  EXPECT_NE(update->notes[0].find("credential store 'desktop'"), std::string::npos);
}

// --- the command -------------------------------------------------------------------------------

struct FakeBehaviour {
  int exchangeStatus = 200;
  bool adminEnabled = true;
  std::string lastExchangeBody;
};

std::string registryBody(bool adminEnabled) {
  return std::string(R"({"id":"/subscriptions/)") + std::string(kSub) +
         R"(/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/reg1",
         "name":"reg1","type":"Microsoft.ContainerRegistry/registries","location":"eastus",
         "sku":{"name":"Standard"},"properties":{"loginServer":"reg1.cr.internal",
         "adminUserEnabled":)" +
         (adminEnabled ? "true" : "false") + "}}";
}

CannedResponse fakeServer(FakeBehaviour& fake, const SeenRequest& r) {
  const std::string path = r.target.substr(0, r.target.find('?'));
  const std::string unauthorized =
      R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})";
  if (path == "/oauth2/exchange") {
    if (r.host != "reg1.cr.internal") return {404, R"({"errors":[{"code":"NAME_UNKNOWN"}]})", {}};
    fake.lastExchangeBody = r.body;
    if (fake.exchangeStatus != 200) return {fake.exchangeStatus, unauthorized, {}};
    return {200, R"({"refresh_token":"refresh.jwt.sig"})", {}};
  }
  if (path == "/oauth2/token") {
    if (r.authorization == basicAuthorization("t1", "good")) {
      return {200, R"({"token":"a","access_token":"a","expires_in":300})", {}};
    }
    return {401, unauthorized, {}};
  }
  if (r.authorization != "Bearer tok") {
    return {401, R"({"error":{"code":"AuthenticationFailed","message":"No token."}})", {}};
  }
  const std::string reg = "/subscriptions/" + std::string(kSub) +
                          "/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries";
  if (path ==
      "/subscriptions/" + std::string(kSub) + "/providers/Microsoft.ContainerRegistry/registries") {
    return {200, "{\"value\":[" + registryBody(fake.adminEnabled) + "]}", {}};
  }
  if (path == reg + "/reg1/listCredentials" && r.method == "POST") {
    if (!fake.adminEnabled) return {400, R"({"error":{"code":"Disabled","message":"x"}})", {}};
    return {200, R"({"username":"reg1","passwords":[{"name":"password","value":"adminpw"}]})", {}};
  }
  return {404, R"({"error":{"code":"ResourceNotFound","message":"Not here."}})", {}};
}

class AcrLoginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.configDir = tmp_.path() / "berth";
    env_.in = &in_;
    env_.out = &out_;
    env_.err = &err_;
    ::setenv("DOCKER_CONFIG", (tmp_.path() / "docker").c_str(), 1);
    ::setenv("REGISTRY_AUTH_FILE", containersFile().c_str(), 1);
    saveProfileFor("127.0.0.1:" + std::to_string(server_.port()));
  }
  void TearDown() override {
    ::unsetenv("DOCKER_CONFIG");
    ::unsetenv("REGISTRY_AUTH_FILE");
  }

  void saveProfileFor(const std::string& dataPlane) {
    Profile p;
    p.server = server_.url();
    p.accessToken = "tok";
    p.expiresOn = "2099-01-01T00:00:00Z";
    p.username = "admin";
    p.subscription = std::string(kSub);
    p.domain = "cr.internal";
    p.dataPlane = {dataPlane};
    ASSERT_TRUE(saveProfile(env_.configDir, p).ok());
  }

  fs::path dockerFile() const { return tmp_.path() / "docker" / "config.json"; }
  fs::path containersFile() const { return tmp_.path() / "containers" / "auth.json"; }
  std::string storedAuth(const fs::path& file) const {
    auto doc = nlohmann::json::parse(readFile(file), nullptr, false);
    if (!doc.is_object()) return "<unreadable>";
    return doc["auths"]["reg1.cr.internal"].value("auth", "<none>");
  }

  int run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return runCommandLine(table_, args, env_);
  }

  TempDir tmp_;
  FakeBehaviour fake_;
  TestHttpServer server_{[this](const SeenRequest& r) { return fakeServer(fake_, r); }};
  CommandTable table_ = buildCommandTable();
  std::istringstream in_;
  std::ostringstream out_, err_;
  Environment env_;
};

TEST_F(AcrLoginTest, ExchangesTheTokenAndWritesBothFiles) {
  ASSERT_EQ(run({"acr", "login", "-n", "reg1"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "Login Succeeded\n");
  EXPECT_EQ(err_.str(), "");
  EXPECT_EQ(fake_.lastExchangeBody,
            "grant_type=access_token&service=reg1.cr.internal&access_token=tok");
  EXPECT_EQ(storedAuth(dockerFile()), authOf(kRefreshUser, "refresh.jwt.sig"));
  EXPECT_EQ(storedAuth(containersFile()), authOf(kRefreshUser, "refresh.jwt.sig"));
  EXPECT_EQ(modeOf(dockerFile()), 0600u);
  EXPECT_EQ(modeOf(containersFile()), 0600u);
}

TEST_F(AcrLoginTest, ExposeTokenPrintsAndWritesNothing) {
  ASSERT_EQ(run({"acr", "login", "-n", "reg1", "--expose-token"}), 0) << err_.str();
  auto printed = nlohmann::json::parse(out_.str());
  EXPECT_EQ(printed, nlohmann::json::parse(
                         R"({"accessToken":"refresh.jwt.sig","loginServer":"reg1.cr.internal"})"));
  EXPECT_NE(err_.str().find("WARNING: You can perform manual login"), std::string::npos);
  EXPECT_FALSE(fs::exists(dockerFile()));
  EXPECT_FALSE(fs::exists(containersFile()));
  ASSERT_EQ(run({"acr", "login", "-n", "reg1", "-t", "--query", "accessToken", "-o", "tsv",
                 "--only-show-errors"}),
            0);
  EXPECT_EQ(out_.str(), "refresh.jwt.sig\n");
  EXPECT_EQ(err_.str(), "");
  EXPECT_EQ(run({"acr", "login", "-n", "reg1", "-t", "-u", "x", "-p", "y"}), 2);
}

TEST_F(AcrLoginTest, RefusedExchangeFallsBackToTheAdminUser) {
  fake_.exchangeStatus = 401;
  ASSERT_EQ(run({"acr", "login", "-n", "reg1"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "Login Succeeded\n");
  EXPECT_NE(err_.str().find("WARNING: Unable to get a refresh token for reg1.cr.internal"),
            std::string::npos);
  EXPECT_NE(err_.str().find("admin user"), std::string::npos);
  EXPECT_EQ(storedAuth(dockerFile()), authOf("reg1", "adminpw"));
  EXPECT_EQ(storedAuth(containersFile()), authOf("reg1", "adminpw"));
}

TEST_F(AcrLoginTest, RefusedExchangeWithoutAdminIsOneLineError) {
  fake_.exchangeStatus = 401;
  fake_.adminEnabled = false;
  ASSERT_EQ(run({"acr", "login", "-n", "reg1"}), 1);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str().rfind("ERROR: Login to reg1.cr.internal was refused: (UNAUTHORIZED) "
                             "authentication required",
                             0),
            0u)
      << err_.str();
  EXPECT_NE(err_.str().find("The admin user of 'reg1' is disabled"), std::string::npos);
  const std::string err = err_.str();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_FALSE(fs::exists(dockerFile()));
  EXPECT_EQ(run({"acr", "login", "-n", "reg1", "--expose-token"}), 1);
}

TEST_F(AcrLoginTest, UsernameAndPasswordAreVerifiedThenStored) {
  ASSERT_EQ(run({"acr", "login", "-n", "reg1", "-u", "t1", "-p", "good"}), 0) << err_.str();
  EXPECT_EQ(storedAuth(dockerFile()), authOf("t1", "good"));
  EXPECT_EQ(storedAuth(containersFile()), authOf("t1", "good"));
  EXPECT_EQ(fake_.lastExchangeBody, "");  // no exchange when credentials are given

  ASSERT_EQ(run({"acr", "login", "-n", "reg1", "-u", "t1", "-p", "bad"}), 1);
  EXPECT_EQ(err_.str(),
            "ERROR: Login to reg1.cr.internal was refused: (UNAUTHORIZED) authentication "
            "required.\n");
  EXPECT_EQ(storedAuth(dockerFile()), authOf("t1", "good"));  // unchanged
  EXPECT_EQ(run({"acr", "login", "-n", "reg1", "-p", "x"}), 2);
  EXPECT_EQ(run({"acr", "login", "-n", "reg1", "-u", "t1"}), 2);  // no tty to prompt on
}

TEST_F(AcrLoginTest, MalformedExistingFileStopsTheLoginBeforeAnyWrite) {
  fs::create_directories(dockerFile().parent_path());
  std::ofstream(dockerFile()) << R"({"auths": {"x.io": )";
  ASSERT_EQ(run({"acr", "login", "-n", "reg1"}), 1);
  EXPECT_NE(err_.str().find("ERROR: " + dockerFile().string() + ": not valid JSON"),
            std::string::npos)
      << err_.str();
  EXPECT_EQ(readFile(dockerFile()), R"({"auths": {"x.io": )");
  EXPECT_FALSE(fs::exists(containersFile()));
}

TEST_F(AcrLoginTest, MissingRegistryAndUnreachableDataPlane) {
  EXPECT_EQ(run({"acr", "login", "-n", "nope1"}), 1);
  EXPECT_EQ(err_.str(),
            "ERROR: The resource with name 'nope1' and type "
            "'Microsoft.ContainerRegistry/registries' could not be found in subscription '" +
                std::string(kSub) + "'.\n");
  saveProfileFor("127.0.0.1:1");  // nothing listens on port 1
  EXPECT_EQ(run({"acr", "login", "-n", "reg1"}), 1);
  EXPECT_EQ(err_.str().rfind("ERROR: Could not reach the login server http://reg1.cr.internal", 0),
            0u)
      << err_.str();
  EXPECT_FALSE(fs::exists(dockerFile()));
}

}  // namespace
}  // namespace berth::cli
