#include "daemon/tls_certificates.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace berth::daemon {
namespace {

mgmt::RegistrySettings managed(std::string name, std::string location) {
  mgmt::RegistrySettings s;
  s.name = std::move(name);
  s.location = std::move(location);
  return s;
}

TEST(CertificateNamesTest, CoversLoginServersPrivateLinkAndDataEndpoints) {
  Config config;
  config.registries = {"default", "myregistry"};
  config.tls.listen = {"10.1.2.3:443", "0.0.0.0:5443"};
  config.tls.managementListen = {"[::]:5444"};
  CertificateNames names =
      certificateNames(config, {managed("TlsReg01", "WestEurope"), managed("other01", "a.b")});
  const std::set<std::string> dns = {
      "*.cr.internal",
      "*.privatelink.cr.internal",
      "*.westeurope.data.cr.internal",
      "localhost",
      "default.cr.internal",
      "default.privatelink.cr.internal",
      "myregistry.cr.internal",
      "myregistry.privatelink.cr.internal",
      "tlsreg01.cr.internal",
      "tlsreg01.privatelink.cr.internal",
      "tlsreg01.westeurope.data.cr.internal",
      "other01.cr.internal",  // a location that is not one label makes no data endpoint name
      "other01.privatelink.cr.internal",
  };
  EXPECT_EQ(names.dns, dns);
  // Loopback always; a specific listen address too, never the unspecified ones.
  EXPECT_EQ(names.ips, (std::set<std::string>{"127.0.0.1", "::1", "10.1.2.3"}));
}

TEST(CertificateNamesTest, ManyRegistriesRelyOnWildcardsToKeepTheCertificateSmall) {
  Config config;
  config.registries = {};
  std::vector<mgmt::RegistrySettings> many;
  for (int i = 0; i < 500; ++i)
    many.push_back(managed("registry" + std::to_string(1000 + i), "eastus"));
  CertificateNames names = certificateNames(config, many);
  EXPECT_LT(names.dns.size(), 64u * 3 + 10);
  EXPECT_TRUE(names.dns.contains("*.eastus.data.cr.internal"));
  EXPECT_TRUE(names.dns.contains("*.cr.internal"));
}

class TlsCertificatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-tlscerts-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    config_.dataDir = tmpl;
    config_.tls.listen = {"127.0.0.1:0"};
  }
  void TearDown() override { std::filesystem::remove_all(config_.dataDir); }

  Config config_;
  SystemClock clock_;
  Logger log_{LogLevel::kError};
};

TEST_F(TlsCertificatesTest, LocalCaReissuesOnlyWhenTheNamesChange) {
  auto tls = TlsCertificates::open(config_, clock_, log_);
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  EXPECT_TRUE(std::filesystem::exists(config_.dataDir / "tls" / "ca.pem"));
  auto provider = (*tls)->provider();
  ASSERT_TRUE(provider.ok()) << provider.error().message;
  auto first = (*provider)->current();

  ASSERT_TRUE((*tls)->registriesChanged({}).ok());
  EXPECT_EQ((*provider)->current(), first) << "same names: no new certificate";

  ASSERT_TRUE((*tls)->registriesChanged({managed("newreg01", "eastus")}).ok());
  auto second = (*provider)->current();
  EXPECT_NE(second, first);
  ASSERT_TRUE((*tls)->registriesChanged({managed("newreg01", "eastus")}).ok());
  EXPECT_EQ((*provider)->current(), second);
}

class MovableClock final : public Clock {
 public:
  std::int64_t nowUnixSeconds() const override { return now; }
  std::int64_t now = 1'790'000'000;
};

TEST_F(TlsCertificatesTest, RenewsTheLeafBeforeItExpires) {
  MovableClock clock;
  auto tls = TlsCertificates::open(config_, clock, log_);
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  auto provider = (*tls)->provider();
  ASSERT_TRUE(provider.ok());
  auto first = (*provider)->current();
  ASSERT_TRUE((*tls)->renewIfDue().ok());
  EXPECT_EQ((*provider)->current(), first);
  clock.now += (net::LocalCa::kLeafValidityDays - 31) * 86400LL;
  ASSERT_TRUE((*tls)->renewIfDue().ok());
  EXPECT_EQ((*provider)->current(), first) << "31 days left: not yet";
  clock.now += 2 * 86400LL;
  ASSERT_TRUE((*tls)->renewIfDue().ok());
  EXPECT_NE((*provider)->current(), first) << "29 days left: renewed";
}

TEST_F(TlsCertificatesTest, OperatorCertificateIsServedAndNeverReissued) {
  auto ca = net::LocalCa::openOrCreate(config_.dataDir / "elsewhere", clock_);
  ASSERT_TRUE(ca.ok());
  auto issued = ca->issue({"registry.example.com"}, {});
  ASSERT_TRUE(issued.ok());
  std::ofstream(config_.dataDir / "cert.pem") << issued->certificateChainPem;
  std::ofstream(config_.dataDir / "key.pem") << issued->privateKeyPem;
  config_.tls.certificate = config_.dataDir / "cert.pem";
  config_.tls.privateKey = config_.dataDir / "key.pem";

  auto tls = TlsCertificates::open(config_, clock_, log_);
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  EXPECT_FALSE(std::filesystem::exists(config_.dataDir / "tls"))
      << "no local CA when a certificate is given";
  auto provider = (*tls)->provider();
  ASSERT_TRUE(provider.ok());
  auto current = (*provider)->current();
  ASSERT_TRUE((*tls)->registriesChanged({managed("newreg01", "eastus")}).ok());
  EXPECT_EQ((*provider)->current(), current);
}

TEST_F(TlsCertificatesTest, MissingCertificateFileIsNamed) {
  config_.tls.certificate = config_.dataDir / "missing.pem";
  config_.tls.privateKey = config_.dataDir / "missing.key";
  auto tls = TlsCertificates::open(config_, clock_, log_);
  ASSERT_FALSE(tls.ok());
  EXPECT_NE(tls.error().message.find("missing.pem"), std::string::npos) << tls.error().message;
}

TEST(TlsConfigTest, ValidationRules) {
  Config config;
  config.tls.listen = {"127.0.0.1:5443"};
  EXPECT_TRUE(validateConfig(config).ok()) << "local CA by default";
  config.tls.localCa = false;
  EXPECT_FALSE(validateConfig(config).ok()) << "HTTPS without any certificate source";
  config.tls.certificate = "cert.pem";
  EXPECT_FALSE(validateConfig(config).ok()) << "certificate without private_key";
  config.tls.privateKey = "key.pem";
  EXPECT_TRUE(validateConfig(config).ok());
  config.tls.localCa = true;
  EXPECT_FALSE(validateConfig(config).ok()) << "local_ca: true and a certificate";
  Config tlsOnly;
  tlsOnly.listen = {};
  tlsOnly.tls.listen = {"127.0.0.1:5443"};
  EXPECT_TRUE(validateConfig(tlsOnly).ok()) << "HTTPS-only is allowed";
  tlsOnly.tls.listen = {};
  EXPECT_FALSE(validateConfig(tlsOnly).ok());
}

TEST_F(TlsCertificatesTest, LoadsTheTlsSectionOfBerthYaml) {
  const auto file = config_.dataDir / "berth.yaml";
  std::ofstream(file) << "tls:\n"
                         "  listen: [127.0.0.1:5443]\n"
                         "  management_listen: 127.0.0.1:5444\n"
                         "  certificate: /etc/berth/cert.pem\n"
                         "  private_key: /etc/berth/key.pem\n"
                         "  local_ca: false\n"
                         "  sni:\n"
                         "    - hosts: [\"*.example.com\", a.example.org]\n"
                         "      certificate: /etc/berth/example.pem\n"
                         "      private_key: /etc/berth/example.key\n";
  auto loaded = loadConfig(file);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->tls.listen, std::vector<std::string>{"127.0.0.1:5443"});
  EXPECT_EQ(loaded->tls.managementListen, std::vector<std::string>{"127.0.0.1:5444"});
  EXPECT_EQ(loaded->tls.certificate, "/etc/berth/cert.pem");
  EXPECT_EQ(loaded->tls.localCa, false);
  ASSERT_EQ(loaded->tls.sni.size(), 1u);
  EXPECT_EQ(loaded->tls.sni[0].hosts, (std::vector<std::string>{"*.example.com", "a.example.org"}));

  std::ofstream(file) << "tls:\n  certfile: x.pem\n";
  auto typo = loadConfig(file);
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("tls.certfile"), std::string::npos) << typo.error().message;
}

}  // namespace
}  // namespace berth::daemon
