#ifndef HERALD_TESTING_TEST_PKI_H_
#define HERALD_TESTING_TEST_PKI_H_

// Certificates for TLS tests, generated at run time with the OpenSSL API
// into a fresh temporary directory, which the destructor removes.
//
//   herald::test::TestPki pki;
//   HttpsTestServer server(pki.server_cert(), pki.server_key());
//   TlsSettings tls{.ca_file = pki.ca_cert()};
//
// Keys are ECDSA P-256, certificates are valid from one hour ago for one
// day, and every file is PEM.

#include <string>

namespace herald::test {

class TestPki {
 public:
  // Generates every file. Throws std::runtime_error when OpenSSL fails or
  // the directory cannot be written.
  TestPki();
  ~TestPki();

  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  // The CA that signs every certificate below.
  std::string ca_cert() const { return directory_ + "/ca.pem"; }
  // A second CA that signed nothing here, for "unknown CA" cases.
  std::string other_ca_cert() const { return directory_ + "/other-ca.pem"; }

  // Server certificate for 127.0.0.1 and localhost (subjectAltName).
  std::string server_cert() const { return directory_ + "/server.pem"; }
  std::string server_key() const { return directory_ + "/server.key"; }

  // Server certificate for the name other.test only.
  std::string other_name_cert() const { return directory_ + "/other-name.pem"; }
  std::string other_name_key() const { return directory_ + "/other-name.key"; }

  // Client certificate for mutual TLS.
  std::string client_cert() const { return directory_ + "/client.pem"; }
  std::string client_key() const { return directory_ + "/client.key"; }

  const std::string& directory() const { return directory_; }

 private:
  std::string directory_;
};

}  // namespace herald::test

#endif  // HERALD_TESTING_TEST_PKI_H_
