#include "net/local_ca.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace berth::net {
namespace {

class FixedClock final : public Clock {
 public:
  std::int64_t nowUnixSeconds() const override { return now; }
  std::int64_t now = 1'750'000'000;  // 2025-06-15
};

class LocalCaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-ca-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ / "tls";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::filesystem::path root_;
  std::filesystem::path dir_;
  FixedClock clock_;
};

X509Ptr parseCert(const std::string& pem) {
  BioPtr bio = memoryBio(pem);
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

std::string readText(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Verifies `leaf` against `ca` as a TLS client would for `host` (empty: no name check).
int verify(X509* leaf, X509* ca, const std::string& host, std::time_t at) {
  X509StorePtr store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca);
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM_set_time(param, at);
  if (!host.empty()) X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  if (X509_verify_cert(ctx.get()) == 1) return X509_V_OK;
  return X509_STORE_CTX_get_error(ctx.get());
}

std::vector<std::string> sanStrings(X509* cert) {
  std::vector<std::string> out;
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
    if (gn->type == GEN_DNS) {
      out.push_back("DNS:" +
                    std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gn->d.dNSName)),
                                static_cast<std::size_t>(ASN1_STRING_length(gn->d.dNSName))));
    } else if (gn->type == GEN_IPADD) {
      out.push_back("IP:" + std::to_string(ASN1_STRING_length(gn->d.iPAddress)) + " bytes");
    }
  }
  return out;
}

TEST_F(LocalCaTest, CreatesCaFilesWithCaExtensionsAndPrivateKeyMode) {
  auto ca = LocalCa::openOrCreate(dir_, clock_);
  ASSERT_TRUE(ca.ok()) << ca.error().message;
  EXPECT_TRUE(ca->created());
  EXPECT_EQ(ca->certificatePath(), dir_ / "ca.pem");

  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "ca.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ / "ca.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  X509Ptr cert = parseCert(readText(dir_ / "ca.pem"));
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_TRUE(X509_get_key_usage(cert.get()) & KU_KEY_CERT_SIGN);
  EXPECT_TRUE(X509_get_extension_flags(cert.get()) & EXFLAG_SS);  // self-signed
  EVP_PKEY* pub = X509_get0_pubkey(cert.get());
  ASSERT_NE(pub, nullptr);
  EXPECT_TRUE(EVP_PKEY_is_a(pub, "EC"));
  char group[64] = {};
  size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(pub, group, sizeof group, &len), 1);
  EXPECT_STREQ(group, "prime256v1");
  int days = 0;
  int secs = 0;
  ASSERT_EQ(
      ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert.get()), X509_get0_notAfter(cert.get())),
      1);
  EXPECT_GE(days, 3650);
  EXPECT_LE(days, 3651);
}

TEST_F(LocalCaTest, ReopensTheSameCa) {
  auto first = LocalCa::openOrCreate(dir_, clock_);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = LocalCa::openOrCreate(dir_, clock_);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_FALSE(second->created());
  EXPECT_EQ(first->certificatePem(), second->certificatePem());
  // A leaf from the reopened CA verifies against the certificate written the first time.
  auto leaf = second->issue({"localhost"}, {});
  ASSERT_TRUE(leaf.ok()) << leaf.error().message;
  X509Ptr ca = parseCert(first->certificatePem());
  X509Ptr cert = parseCert(leaf->certificateChainPem);
  EXPECT_EQ(verify(cert.get(), ca.get(), "localhost", clock_.now), X509_V_OK);
}

TEST_F(LocalCaTest, RefusesHalfACa) {
  ASSERT_TRUE(LocalCa::openOrCreate(dir_, clock_).ok());
  std::filesystem::remove(dir_ / "ca.pem");
  auto reopened = LocalCa::openOrCreate(dir_, clock_);
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.error().message.find("remove both"), std::string::npos)
      << reopened.error().message;
}

TEST_F(LocalCaTest, RejectsAKeyOfAnotherCertificate) {
  ASSERT_TRUE(LocalCa::openOrCreate(dir_, clock_).ok());
  const auto other = root_ / "other";
  ASSERT_TRUE(LocalCa::openOrCreate(other, clock_).ok());
  std::filesystem::copy_file(other / "ca.key", dir_ / "ca.key",
                             std::filesystem::copy_options::overwrite_existing);
  auto reopened = LocalCa::openOrCreate(dir_, clock_);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().code, Errc::kInvalidParameter);
}

TEST_F(LocalCaTest, IssuedLeafVerifiesAndCoversItsNames) {
  auto ca = LocalCa::openOrCreate(dir_, clock_);
  ASSERT_TRUE(ca.ok()) << ca.error().message;
  auto issued =
      ca->issue({"*.cr.internal", "*.privatelink.cr.internal", "myreg.cr.internal",
                 "myreg.privatelink.cr.internal", "myreg.eastus.data.cr.internal", "LocalHost"},
                {"127.0.0.1", "::1"});
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  X509Ptr caCert = parseCert(ca->certificatePem());
  X509Ptr leaf = parseCert(issued->certificateChainPem);
  ASSERT_TRUE(caCert && leaf);

  // The chain PEM carries the CA after the leaf.
  EXPECT_NE(issued->certificateChainPem.find(ca->certificatePem()), std::string::npos);

  for (const char* host :
       {"myreg.cr.internal", "other.cr.internal", "myreg.privatelink.cr.internal",
        "new.privatelink.cr.internal", "myreg.eastus.data.cr.internal", "localhost"}) {
    EXPECT_EQ(verify(leaf.get(), caCert.get(), host, clock_.now), X509_V_OK) << host;
  }
  // Wildcards match one label only.
  EXPECT_EQ(verify(leaf.get(), caCert.get(), "a.b.cr.internal", clock_.now),
            X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(verify(leaf.get(), caCert.get(), "other.westus.data.cr.internal", clock_.now),
            X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "10.0.0.1", 0), 0);

  std::vector<std::string> sans = sanStrings(leaf.get());
  EXPECT_EQ(sans, (std::vector<std::string>{
                      "DNS:*.cr.internal", "DNS:*.privatelink.cr.internal", "DNS:myreg.cr.internal",
                      "DNS:myreg.privatelink.cr.internal", "DNS:myreg.eastus.data.cr.internal",
                      "DNS:localhost", "IP:4 bytes", "IP:16 bytes"}));

  EXPECT_EQ(X509_check_ca(leaf.get()), 0);
  EXPECT_TRUE(X509_get_extension_flags(leaf.get()) & EXFLAG_XKUSAGE);
  EXPECT_TRUE(X509_get_extended_key_usage(leaf.get()) & XKU_SSL_SERVER);
  EXPECT_FALSE(X509_get_extended_key_usage(leaf.get()) & XKU_SSL_CLIENT);
  EXPECT_TRUE(X509_get_key_usage(leaf.get()) & KU_DIGITAL_SIGNATURE);
  EXPECT_FALSE(X509_get_key_usage(leaf.get()) & KU_KEY_CERT_SIGN);

  BioPtr keyBio = memoryBio(issued->privateKeyPem);
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(key);
  EXPECT_EQ(X509_check_private_key(leaf.get(), key.get()), 1);
  EXPECT_TRUE(EVP_PKEY_is_a(key.get(), "EC"));

  int days = 0;
  int secs = 0;
  ASSERT_EQ(
      ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(leaf.get()), X509_get0_notAfter(leaf.get())),
      1);
  EXPECT_EQ(days, 397);  // plus the one-hour backdate
  EXPECT_EQ(issued->notAfterUnixSeconds, clock_.now + 397LL * 86400);
}

TEST_F(LocalCaTest, LeafIsNotValidPastItsLifetime) {
  auto ca = LocalCa::openOrCreate(dir_, clock_);
  ASSERT_TRUE(ca.ok());
  auto issued = ca->issue({"localhost"}, {});
  ASSERT_TRUE(issued.ok());
  X509Ptr caCert = parseCert(ca->certificatePem());
  X509Ptr leaf = parseCert(issued->certificateChainPem);
  EXPECT_EQ(verify(leaf.get(), caCert.get(), "", clock_.now + 398LL * 86400),
            X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST_F(LocalCaTest, EachLeafHasItsOwnKeyAndSerial) {
  auto ca = LocalCa::openOrCreate(dir_, clock_);
  ASSERT_TRUE(ca.ok());
  auto a = ca->issue({"localhost"}, {});
  auto b = ca->issue({"localhost"}, {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->privateKeyPem, b->privateKeyPem);
  X509Ptr ca1 = parseCert(a->certificateChainPem);
  X509Ptr ca2 = parseCert(b->certificateChainPem);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(ca1.get()), X509_get0_serialNumber(ca2.get())),
            0);
}

TEST_F(LocalCaTest, RejectsMalformedNames) {
  auto ca = LocalCa::openOrCreate(dir_, clock_);
  ASSERT_TRUE(ca.ok());
  for (const char* bad : {"", "bad name", "a..b", "-a.example", "a.*.example", "*", "x/y"}) {
    auto issued = ca->issue({bad}, {});
    ASSERT_FALSE(issued.ok()) << bad;
    EXPECT_EQ(issued.error().code, Errc::kInvalidParameter) << bad;
  }
  for (const char* bad : {"300.1.1.1", "localhost", "1.2.3"}) {
    auto issued = ca->issue({}, {bad});
    ASSERT_FALSE(issued.ok()) << bad;
    EXPECT_EQ(issued.error().code, Errc::kInvalidParameter) << bad;
  }
  EXPECT_FALSE(ca->issue({}, {}).ok());
}

}  // namespace
}  // namespace berth::net
