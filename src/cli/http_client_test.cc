#include "cli/http_client.h"

#include <gtest/gtest.h>

#include "cli/management_client.h"
#include "cli/registry_client.h"
#include "cli/test_http_server.h"

namespace berth::cli {
namespace {

using testing::CannedResponse;
using testing::SeenRequest;
using testing::TestHttpServer;

TEST(Url, ParsesHttpAndKeepsHttpsForLater) {
  auto u = Url::parse("http://127.0.0.1:5001/base?x=1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, Scheme::kHttp);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 5001);
  EXPECT_EQ(u->target, "/base?x=1");
  EXPECT_EQ(u->origin(), "http://127.0.0.1:5001");
  auto s = Url::parse("HTTPS://mgmt.example");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->scheme, Scheme::kHttps);
  EXPECT_EQ(s->port, 443);
  auto v6 = Url::parse("http://[::1]:8080");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->origin(), "http://[::1]:8080");
  auto bare = Url::parse("localhost:5001");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->port, 5001);
  EXPECT_FALSE(Url::parse("ftp://x").ok());
  EXPECT_FALSE(Url::parse("http://x:0").ok());
  EXPECT_FALSE(Url::parse("http://x:99999").ok());
  EXPECT_FALSE(Url::parse("http://user:pw@x").ok());
  EXPECT_FALSE(Url::parse("http://:80").ok());
}

TEST(Url, SplitHostPort) {
  auto a = splitHostPort("reg.cr.internal", 5000);
  EXPECT_EQ(a->first, "reg.cr.internal");
  EXPECT_EQ(a->second, 5000);
  auto b = splitHostPort("127.0.0.1:5000", 80);
  EXPECT_EQ(b->second, 5000);
  EXPECT_FALSE(splitHostPort("host:abc", 80).ok());
}

TEST(Auth, Headers) {
  EXPECT_EQ(basicAuthorization("admin", "pw"), "Basic YWRtaW46cHc=");
  EXPECT_EQ(bearerAuthorization("t"), "Bearer t");
}

TEST(Redaction, MasksTokensAndPasswords) {
  EXPECT_EQ(redactSecrets(R"({"accessToken":"abc","expiresIn":5})"),
            R"({"accessToken":"*****","expiresIn":5})");
  EXPECT_EQ(redactSecrets(R"({"passwords":[{"name":"password","value":"s"}],"username":"u"})"),
            R"({"passwords":[{"name":"password","value":"*****"}],"username":"u"})");
  EXPECT_EQ(redactSecrets("not json"), "not json");
}

TEST(HttpClient, SendsHostHeaderSeparateFromAddress) {
  TestHttpServer server([](const SeenRequest&) { return CannedResponse{200, "{}", {}}; });
  HttpClient client;
  Endpoint ep{Scheme::kHttp, "127.0.0.1", server.port(), "reg1.cr.internal"};
  HttpRequest req;
  req.target = "/v2/";
  auto res = client.send(ep, req);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  ASSERT_EQ(server.seen().size(), 1u);
  EXPECT_EQ(server.seen()[0].host, "reg1.cr.internal");
  EXPECT_EQ(ep.describe("/v2/"),
            "http://reg1.cr.internal/v2/ via 127.0.0.1:" + std::to_string(server.port()));
}

TEST(HttpClient, HeadDoesNotWaitForABody) {
  TestHttpServer server([](const SeenRequest&) {
    return CannedResponse{200, std::string(100, 'x'), {{"Docker-Content-Digest", "sha256:abc"}}};
  });
  HttpClient client;
  HttpRequest req;
  req.method = "HEAD";
  auto res = client.send(Endpoint{Scheme::kHttp, "127.0.0.1", server.port(), {}}, req);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->header("docker-content-digest").value_or(""), "sha256:abc");
  EXPECT_TRUE(res->body.empty());
}

TEST(HttpClient, ConnectionRefusedIsAConnectError) {
  unsigned short port;
  {
    TestHttpServer closed([](const SeenRequest&) { return CannedResponse{}; });
    port = closed.port();
  }
  HttpClient client;
  auto res = client.send(Endpoint{Scheme::kHttp, "127.0.0.1", port, {}}, HttpRequest{});
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().detail, kConnectFailed);
}

TEST(HttpClient, RequestTimeout) {
  // A listener that never accepts: the connection completes (backlog) but nobody answers.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor silent(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  HttpOptions options;
  options.requestTimeout = std::chrono::milliseconds(200);
  HttpClient client(options);
  auto res = client.send(Endpoint{Scheme::kHttp, "127.0.0.1", silent.local_endpoint().port(), {}},
                         HttpRequest{});
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().detail, kTimedOut);
}

TEST(HttpClient, HttpsToAPlainHttpServerFailsInTheHandshake) {
  TestHttpServer server([](const SeenRequest&) { return CannedResponse{}; });
  HttpClient client;
  auto res = client.send(Endpoint{Scheme::kHttps, "127.0.0.1", server.port(), {}}, HttpRequest{});
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("TLS with 127.0.0.1"), std::string::npos) << res.error().message;
  EXPECT_NE(res.error().message.find("REQUESTS_CA_BUNDLE"), std::string::npos)
      << "the hint names the way to trust berth's CA";
}

TEST(HttpClient, AnUnreadableCaBundleIsNamed) {
  HttpOptions options;
  options.caBundle = "/nonexistent/berth-ca.pem";
  HttpClient client(options);
  auto res = client.send(Endpoint{Scheme::kHttps, "127.0.0.1", 443, {}}, HttpRequest{});
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("/nonexistent/berth-ca.pem"), std::string::npos);
}

TEST(ManagementClient, ArmErrorsBecomeAzStyleMessages) {
  TestHttpServer server([](const SeenRequest& r) {
    if (r.target.starts_with("/subscriptions/s/resourcegroups/missing")) {
      return CannedResponse{
          404,
          R"({"error":{"code":"ResourceGroupNotFound","message":"Resource group 'missing' could not be found."}})",
          {}};
    }
    if (r.target.starts_with("/plain")) return CannedResponse{500, "oops", {}};
    return CannedResponse{200, R"({"ok":true})", {}};
  });
  HttpClient http;
  ManagementClient api(*Url::parse(server.url()), "Bearer t", http);
  auto missing = api.get("/subscriptions/s/resourcegroups/missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message,
            "(ResourceGroupNotFound) Resource group 'missing' could not be found.");
  EXPECT_EQ(missing.error().code, Errc::kResourceNotFound);
  EXPECT_TRUE(hasApiCode(missing.error(), "ResourceGroupNotFound"));
  auto plain = api.get("/plain");
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().message,
            "Operation returned an invalid status code 'Internal Server Error'");
  auto ok = api.get("/subscriptions/s");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["ok"], true);
  auto seen = server.seen();
  EXPECT_EQ(seen.back().target, "/subscriptions/s?api-version=2022-09-01");
  EXPECT_EQ(seen.back().authorization, "Bearer t");
}

TEST(ManagementClient, ConnectionRefusedNamesServerAndLogin) {
  unsigned short port;
  {
    TestHttpServer closed([](const SeenRequest&) { return CannedResponse{}; });
    port = closed.port();
  }
  HttpClient http;
  ManagementClient api(*Url::parse("http://127.0.0.1:" + std::to_string(port)), "Bearer t", http);
  auto res = api.get("/subscriptions");
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("http://127.0.0.1:" + std::to_string(port)),
            std::string::npos);
  EXPECT_NE(res.error().message.find("berth login --server"), std::string::npos);
}

TEST(RegistryClient, FollowsLinkPaginationWithTheSameRoute) {
  TestHttpServer server([](const SeenRequest& r) {
    if (r.target == "/v2/_catalog?n=100") {
      return CannedResponse{200,
                            R"({"repositories":["a","b"]})",
                            {{"Link", "</v2/_catalog?last=b&n=100>; rel=\"next\""}}};
    }
    if (r.target == "/v2/_catalog?last=b&n=100") {
      return CannedResponse{200, R"({"repositories":["c"]})", {}};
    }
    return CannedResponse{404, R"({"errors":[{"code":"NAME_UNKNOWN","message":"no"}]})", {}};
  });
  HttpClient http;
  Profile profile;
  profile.dataPlane = {"127.0.0.1:" + std::to_string(server.port())};
  // .invalid never resolves (RFC 6761), so the route goes through the data-plane address.
  auto route = routeToLoginServer("reg1.berth-test.invalid", profile);
  ASSERT_TRUE(route.ok()) << route.error().message;
  EXPECT_FALSE(route->resolvedAddress);
  RegistryClient client(*route, http);
  auto repos = client.repositories(std::nullopt);
  ASSERT_TRUE(repos.ok()) << repos.error().message;
  EXPECT_EQ(*repos, (std::vector<std::string>{"a", "b", "c"}));
  auto limited = client.repositories(2);
  EXPECT_EQ(limited->size(), 2u);
  for (const auto& seen : server.seen()) EXPECT_EQ(seen.host, "reg1.berth-test.invalid");
  auto tags = client.tags("nope");
  ASSERT_FALSE(tags.ok());
  EXPECT_EQ(tags.error().code, Errc::kResourceNotFound);
  EXPECT_NE(tags.error().message.find("(NAME_UNKNOWN) no"), std::string::npos);
}

TEST(RegistryClient, ResolvableLoginServerIsUsedDirectly) {
  Profile profile;
  profile.dataPlane = {"127.0.0.1:5999"};
  auto route = routeToLoginServer("localhost", profile);
  ASSERT_TRUE(route.ok());
  ASSERT_TRUE(route->resolvedAddress);
  EXPECT_EQ(route->endpoint.connectHost, "localhost");
  EXPECT_EQ(route->endpoint.port, 5999);
  EXPECT_EQ(route->endpoint.effectiveHost(), "localhost:5999");
  Profile none;
  EXPECT_FALSE(routeToLoginServer("reg.berth-test.invalid", none).ok());
}

TEST(ImageReference, Parses) {
  auto a = parseImageReference("team/app:v1");
  EXPECT_EQ(a->repository, "team/app");
  EXPECT_EQ(a->reference, "v1");
  EXPECT_FALSE(a->isDigest);
  auto b = parseImageReference("app@sha256:abc");
  EXPECT_EQ(b->repository, "app");
  EXPECT_EQ(b->reference, "sha256:abc");
  EXPECT_TRUE(b->isDigest);
  auto c = parseImageReference("team/app");
  EXPECT_EQ(c->reference, "latest");
  EXPECT_FALSE(parseImageReference(":v1").ok());
}

}  // namespace
}  // namespace berth::cli
