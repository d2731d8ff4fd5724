// TLS verification and client certificates in the libcurl transport,
// against an HTTPS server on 127.0.0.1 with certificates made at run time.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "herald/config.h"
#include "herald/transport.h"
#include "testing/https_test_server.h"
#include "testing/test_pki.h"

namespace herald {
namespace {

using test::HttpsTestServer;
using test::TestPki;
using ::testing::HasSubstr;

class TlsTransportTest : public ::testing::Test {
 protected:
  HttpResponse Get(const std::string& url, const TlsSettings& tls) {
    HttpRequest request;
    request.method = "GET";
    request.url = url;
    request.timeout = std::chrono::seconds(5);
    request.tls = &tls;
    return transport_->Send(request);
  }

  TestPki pki_;
  std::unique_ptr<Transport> transport_ = MakeCurlTransport();
};

TEST_F(TlsTransportTest, TrustedCaPasses) {
  HttpsTestServer server(pki_.server_cert(), pki_.server_key());
  TlsSettings tls;
  tls.ca_file = pki_.ca_cert();

  const HttpResponse response = Get(server.url("/hook"), tls);
  EXPECT_EQ(response.error, TransportError::kNone) << response.error_message;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ok");
  EXPECT_EQ(server.request_count(), 1u);
}

TEST_F(TlsTransportTest, TrustedCaPassesByName) {
  HttpsTestServer server(pki_.server_cert(), pki_.server_key());
  TlsSettings tls;
  tls.ca_file = pki_.ca_cert();
  HttpRequest request;
  request.method = "GET";
  request.url = server.url("/hook", "localhost");
  request.tls = &tls;
  request.resolve_overrides = {"localhost:" + std::to_string(server.port()) + ":127.0.0.1"};

  const HttpResponse response = transport_->Send(request);
  EXPECT_EQ(response.error, TransportError::kNone) << response.error_message;
  EXPECT_EQ(response.status, 200);
}

TEST_F(TlsTransportTest, UnknownCaFails) {
  HttpsTestServer server(pki_.server_cert(), pki_.server_key());
  TlsSettings tls;
  tls.ca_file = pki_.other_ca_cert();

  const HttpResponse response = Get(server.url("/hook"), tls);
  EXPECT_EQ(response.error, TransportError::kTlsFailed) << response.error_message;
  EXPECT_EQ(response.status, 0);
  EXPECT_EQ(server.request_count(), 0u);
}

TEST_F(TlsTransportTest, SystemStoreRejectsTestCa) {
  HttpsTestServer server(pki_.server_cert(), pki_.server_key());
  const HttpResponse response = Get(server.url("/hook"), TlsSettings{});
  EXPECT_EQ(response.error, TransportError::kTlsFailed) << response.error_message;
  EXPECT_EQ(server.request_count(), 0u);
}

TEST_F(TlsTransportTest, WrongHostNameFails) {
  HttpsTestServer server(pki_.other_name_cert(), pki_.other_name_key());
  TlsSettings tls;
  tls.ca_file = pki_.ca_cert();

  const HttpResponse response = Get(server.url("/hook"), tls);
  EXPECT_EQ(response.error, TransportError::kTlsFailed) << response.error_message;
  EXPECT_THAT(response.error_message, HasSubstr("127.0.0.1"));
  EXPECT_EQ(server.request_count(), 0u);
}

TEST_F(TlsTransportTest, ClientCertificatePasses) {
  HttpsTestServer server(pki_.server_cert(), pki_.server_key(), pki_.ca_cert());
  TlsSettings tls;
  tls.ca_file = pki_.ca_cert();
  tls.cert_file = pki_.client_cert();
  tls.key_file = pki_.client_key();

  const HttpResponse response = Get(server.url("/hook"), tls);
  EXPECT_EQ(response.error, TransportError::kNone) << response.error_message;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(server.request_count(), 1u);
}

TEST_F(TlsTransportTest, MissingClientCertificateFails) {
  HttpsTestServer server(pki_.server_cert(), pki_.server_key(), pki_.ca_cert());
  TlsSettings tls;
  tls.ca_file = pki_.ca_cert();

  const HttpResponse response = Get(server.url("/hook"), tls);
  // With TLS 1.3 the server checks the client certificate only after the
  // client's handshake is done. The rejection then arrives as an alert
  // (kTlsFailed) or, if the server closed first, as a failed send.
  EXPECT_TRUE(response.error == TransportError::kTlsFailed ||
              response.error == TransportError::kSendFailed)
      << TransportErrorName(response.error) << ": " << response.error_message;
  EXPECT_EQ(response.status, 0);
  EXPECT_EQ(server.request_count(), 0u);
}

TEST_F(TlsTransportTest, InsecureSkipVerifyPassesAndWarns) {
  HttpsTestServer server(pki_.server_cert(), pki_.server_key());
  const std::string yaml =
      "webhooks:\n"
      "  enabled: true\n"
      "  tls: {caFile: " +
      pki_.other_ca_cert() +
      "}\n"
      "  config:\n"
      "    on-model-version-deployed:\n"
      "      - name: notify\n"
      "        url: " +
      server.url("/hook") +
      "\n"
      "        async: true\n"
      "        tls: {insecureSkipVerify: true}\n";
  const LoadResult loaded = LoadConfigString(yaml);
  ASSERT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors[0].ToString());
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_THAT(loaded.warnings[0].message,
              HasSubstr("certificate verification is disabled for webhook notify"));
  const WebhookConfig& webhook = loaded.config->FindEvent("on-model-version-deployed")->webhooks[0];

  const HttpResponse response = Get(webhook.url, webhook.tls);
  EXPECT_EQ(response.error, TransportError::kNone) << response.error_message;
  EXPECT_EQ(response.status, 200);
}

// A connection opened without verification stays in the shared cache; the
// next request, which requires verification, must not reuse it.
TEST_F(TlsTransportTest, NoReuseAcrossTlsSettings) {
  HttpsTestServer server(pki_.server_cert(), pki_.server_key());
  TlsSettings insecure;
  insecure.insecure_skip_verify = true;
  TlsSettings strict;
  strict.ca_file = pki_.other_ca_cert();

  const HttpResponse first = Get(server.url("/hook"), insecure);
  ASSERT_EQ(first.error, TransportError::kNone) << first.error_message;
  const HttpResponse second = Get(server.url("/hook"), strict);
  EXPECT_EQ(second.error, TransportError::kTlsFailed) << second.error_message;
  EXPECT_EQ(server.request_count(), 1u);
}

}  // namespace
}  // namespace herald
