#include "net/tls_context.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "common/clock.h"
#include "net/local_ca.h"

namespace berth::net {
namespace {

/// What a client saw after a handshake: the leaf's first DNS SAN and the ALPN protocol.
struct HandshakeResult {
  bool ok = false;
  std::string firstSan;
  std::string alpn;
};

class TlsContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-tls-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    auto ca = LocalCa::openOrCreate(root_, clock_);
    ASSERT_TRUE(ca.ok()) << ca.error().message;
    ca_.emplace(std::move(*ca));
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  TlsIdentity identityFor(const std::string& dns) {
    auto issued = ca_->issue({dns}, {});
    EXPECT_TRUE(issued.ok());
    return TlsIdentity{issued->certificateChainPem, issued->privateKeyPem};
  }

  /// Drives a full handshake in memory: a client with SNI `serverName` (empty: none) that
  /// trusts our CA and offers `alpn` (wire format), against a server SSL from `set`.
  HandshakeResult handshake(const TlsContextSet& set, const std::string& serverName,
                            std::string_view alpn = std::string_view("\x02h2\x08http/1.1", 12),
                            int clientMaxVersion = 0) {
    HandshakeResult result;
    SslCtxPtr clientCtx(SSL_CTX_new(TLS_client_method()));
    const std::string caPem = ca_->certificatePem();
    BioPtr caBio = memoryBio(caPem);
    X509Ptr caCert(PEM_read_bio_X509(caBio.get(), nullptr, nullptr, nullptr));
    X509_STORE_add_cert(SSL_CTX_get_cert_store(clientCtx.get()), caCert.get());
    SSL_CTX_set_verify(clientCtx.get(), SSL_VERIFY_PEER, nullptr);
    if (clientMaxVersion != 0) {
      SSL_CTX_set_min_proto_version(clientCtx.get(), 0);
      SSL_CTX_set_max_proto_version(clientCtx.get(), clientMaxVersion);
      SSL_CTX_set_security_level(clientCtx.get(), 0);
    }
    SslPtr client(SSL_new(clientCtx.get()));
    SslPtr server(SSL_new(set.defaultContext().native_handle()));
    if (!serverName.empty()) {
      SSL_set_tlsext_host_name(client.get(), serverName.c_str());
      SSL_set1_host(client.get(), serverName.c_str());
    }
    if (!alpn.empty()) {
      SSL_set_alpn_protos(client.get(), reinterpret_cast<const unsigned char*>(alpn.data()),
                          static_cast<unsigned>(alpn.size()));
    }
    BIO* clientBio = nullptr;
    BIO* serverBio = nullptr;
    BIO_new_bio_pair(&clientBio, 0, &serverBio, 0);
    SSL_set_bio(client.get(), clientBio, clientBio);
    SSL_set_bio(server.get(), serverBio, serverBio);
    SSL_set_connect_state(client.get());
    SSL_set_accept_state(server.get());
    for (int round = 0; round < 20; ++round) {
      const int c = SSL_do_handshake(client.get());
      const int s = SSL_do_handshake(server.get());
      if (c == 1 && s == 1) {
        result.ok = true;
        break;
      }
      const int ce = SSL_get_error(client.get(), c);
      const int se = SSL_get_error(server.get(), s);
      const bool cWaits = c == 1 || ce == SSL_ERROR_WANT_READ || ce == SSL_ERROR_WANT_WRITE;
      const bool sWaits = s == 1 || se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE;
      if (!cWaits || !sWaits) break;
    }
    ERR_clear_error();
    if (!result.ok) return result;
    X509* peer = SSL_get0_peer_certificate(client.get());
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(peer, NID_subject_alt_name, nullptr, nullptr)));
    const GENERAL_NAME* first = sk_GENERAL_NAME_value(names.get(), 0);
    result.firstSan.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(first->d.dNSName)),
                           static_cast<std::size_t>(ASN1_STRING_length(first->d.dNSName)));
    const unsigned char* proto = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(client.get(), &proto, &len);
    result.alpn.assign(reinterpret_cast<const char*>(proto), len);
    return result;
  }

  std::filesystem::path root_;
  SystemClock clock_;
  std::optional<LocalCa> ca_;
};

TEST_F(TlsContextTest, SelectPrefersExactOverWildcardAndMatchesOneLabel) {
  auto provider = TlsContextProvider::create(
      identityFor("default.test"),
      {SniCertificate{{"exact.example.com"}, identityFor("exact.example.com")},
       SniCertificate{{"*.example.com"}, identityFor("*.example.com")}});
  ASSERT_TRUE(provider.ok()) << provider.error().message;
  auto set = (*provider)->current();
  SSL_CTX* exact = set->select("exact.example.com");
  SSL_CTX* wildcard = set->select("other.example.com");
  ASSERT_NE(exact, nullptr);
  ASSERT_NE(wildcard, nullptr);
  EXPECT_NE(exact, wildcard);
  EXPECT_EQ(set->select("EXACT.Example.COM."), exact);  // case and a trailing dot do not matter
  EXPECT_EQ(set->select("x.example.com"), wildcard);
  EXPECT_EQ(set->select("a.b.example.com"), nullptr);  // a wildcard covers one label
  EXPECT_EQ(set->select("example.com"), nullptr);
  EXPECT_EQ(set->select("unknown.test"), nullptr);
  EXPECT_EQ(set->select(""), nullptr);
}

TEST_F(TlsContextTest, HandshakeServesTheCertificateSniSelects) {
  auto provider = TlsContextProvider::create(
      identityFor("default.test"),
      {SniCertificate{{"exact.example.com"}, identityFor("exact.example.com")},
       SniCertificate{{"*.example.com"}, identityFor("*.example.com")}});
  ASSERT_TRUE(provider.ok()) << provider.error().message;
  auto set = (*provider)->current();

  auto exact = handshake(*set, "exact.example.com");
  ASSERT_TRUE(exact.ok);
  EXPECT_EQ(exact.firstSan, "exact.example.com");
  EXPECT_EQ(exact.alpn, "http/1.1");

  auto wildcard = handshake(*set, "registry.example.com");
  ASSERT_TRUE(wildcard.ok);
  EXPECT_EQ(wildcard.firstSan, "*.example.com");

  auto fallback = handshake(*set, "default.test");
  ASSERT_TRUE(fallback.ok);
  EXPECT_EQ(fallback.firstSan, "default.test");

  // A name nothing covers gets the default certificate, which the client then rejects.
  EXPECT_FALSE(handshake(*set, "a.b.example.com").ok);
}

TEST_F(TlsContextTest, RefusesOldProtocolsAndForeignAlpn) {
  auto provider = TlsContextProvider::create(identityFor("default.test"));
  ASSERT_TRUE(provider.ok());
  auto set = (*provider)->current();
  EXPECT_TRUE(handshake(*set, "default.test", "").ok);  // no ALPN at all is fine
  EXPECT_FALSE(handshake(*set, "default.test", std::string_view("\x02h2", 3)).ok);
  EXPECT_FALSE(handshake(*set, "default.test", "", TLS1_1_VERSION).ok);
  EXPECT_TRUE(handshake(*set, "default.test", "", TLS1_2_VERSION).ok);
}

TEST_F(TlsContextTest, SwapsPublishNewSnapshotsAndKeepOldOnesUsable) {
  auto provider = TlsContextProvider::create(identityFor("old.test"));
  ASSERT_TRUE(provider.ok());
  auto before = (*provider)->current();

  ASSERT_TRUE((*provider)->replaceDefault(identityFor("new.test")).ok());
  ASSERT_TRUE((*provider)->addCertificate({{"*.added.test"}, identityFor("*.added.test")}).ok());
  auto after = (*provider)->current();
  EXPECT_NE(before, after);

  EXPECT_EQ(handshake(*before, "old.test").firstSan, "old.test");  // in-flight generation intact
  EXPECT_EQ(before->select("x.added.test"), nullptr);
  EXPECT_EQ(handshake(*after, "new.test").firstSan, "new.test");
  EXPECT_EQ(handshake(*after, "x.added.test").firstSan, "*.added.test");

  // Replacing the default keeps the SNI certificates; re-adding a pattern replaces its entry.
  ASSERT_TRUE((*provider)->replaceDefault(identityFor("newer.test")).ok());
  ASSERT_TRUE((*provider)->addCertificate({{"*.added.test"}, identityFor("*.added.test")}).ok());
  EXPECT_EQ(handshake(*(*provider)->current(), "y.added.test").firstSan, "*.added.test");
}

TEST_F(TlsContextTest, RejectsBadInputAndKeepsTheCurrentSet) {
  TlsIdentity good = identityFor("good.test");
  TlsIdentity mismatched{good.certificateChainPem, identityFor("other.test").privateKeyPem};
  EXPECT_FALSE(TlsContextProvider::create(mismatched).ok());
  EXPECT_FALSE(TlsContextProvider::create(TlsIdentity{"not pem", good.privateKeyPem}).ok());

  auto provider = TlsContextProvider::create(good);
  ASSERT_TRUE(provider.ok());
  auto current = (*provider)->current();
  for (const char* bad : {"*.com", "bad host", "a.*.test", ""}) {
    Status added = (*provider)->addCertificate({{bad}, identityFor("x.test")});
    EXPECT_FALSE(added.ok()) << bad;
  }
  EXPECT_FALSE((*provider)->replaceDefault(mismatched).ok());
  EXPECT_EQ((*provider)->current(), current);
}

TEST_F(TlsContextTest, LoadsIdentityFromFiles) {
  TlsIdentity id = identityFor("file.test");
  std::FILE* f = std::fopen((root_ / "cert.pem").c_str(), "w");
  std::fputs(id.certificateChainPem.c_str(), f);
  std::fclose(f);
  f = std::fopen((root_ / "key.pem").c_str(), "w");
  std::fputs(id.privateKeyPem.c_str(), f);
  std::fclose(f);
  auto loaded = loadTlsIdentity(root_ / "cert.pem", root_ / "key.pem");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->certificateChainPem, id.certificateChainPem);
  auto missing = loadTlsIdentity(root_ / "nope.pem", root_ / "key.pem");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nope.pem"), std::string::npos);
}

}  // namespace
}  // namespace berth::net
