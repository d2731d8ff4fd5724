#include "testing/test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <utility>

namespace herald::test {
namespace {

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertDeleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct ContextDeleter {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using Cert = std::unique_ptr<X509, CertDeleter>;

void Check(bool ok, const char* step) {
  if (!ok) throw std::runtime_error(std::string("test PKI: OpenSSL failed to ") + step);
}

Key GenerateKey() {
  const std::unique_ptr<EVP_PKEY_CTX, ContextDeleter> context(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  Check(context != nullptr, "create a key context");
  Check(EVP_PKEY_keygen_init(context.get()) == 1, "start key generation");
  Check(EVP_PKEY_CTX_set_group_name(context.get(), "P-256") == 1, "select P-256");
  EVP_PKEY* key = nullptr;
  Check(EVP_PKEY_generate(context.get(), &key) == 1, "generate a key");
  return Key(key);
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  Check(extension != nullptr, "build an extension");
  const int added = X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
  Check(added == 1, "add an extension");
}

// The fields of one certificate besides its key.
struct CertSpec {
  const char* common_name;
  bool is_ca = false;
  const char* subject_alt_name = nullptr;
  const char* extended_key_usage = nullptr;
};

// Issues a certificate for `key`; a null `issuer` makes it self-signed.
Cert Issue(const CertSpec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, long serial) {
  Cert cert(X509_new());
  Check(cert != nullptr, "allocate a certificate");
  Check(X509_set_version(cert.get(), 2) == 1, "set the version");
  Check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial) == 1, "set the serial");
  Check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "set notBefore");
  Check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr, "set notAfter");
  Check(X509_set_pubkey(cert.get(), key) == 1, "set the public key");

  X509_NAME* subject = X509_get_subject_name(cert.get());
  const auto* common_name = reinterpret_cast<const unsigned char*>(spec.common_name);
  Check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, common_name, -1, -1, 0) == 1,
        "set the common name");
  X509* signer = issuer != nullptr ? issuer : cert.get();
  Check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1, "set the issuer");

  AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  AddExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (spec.is_ca) {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
  }
  if (spec.subject_alt_name != nullptr) {
    AddExtension(cert.get(), signer, NID_subject_alt_name, spec.subject_alt_name);
  }
  if (spec.extended_key_usage != nullptr) {
    AddExtension(cert.get(), signer, NID_ext_key_usage, spec.extended_key_usage);
  }
  EVP_PKEY* signing_key = issuer_key != nullptr ? issuer_key : key;
  Check(X509_sign(cert.get(), signing_key, EVP_sha256()) > 0, "sign a certificate");
  return cert;
}

void WriteCert(const std::string& path, X509* cert) {
  const std::unique_ptr<BIO, BioDeleter> file(BIO_new_file(path.c_str(), "w"));
  Check(file != nullptr, "open a certificate file");
  Check(PEM_write_bio_X509(file.get(), cert) == 1, "write a certificate");
}

void WriteKey(const std::string& path, EVP_PKEY* key) {
  const std::unique_ptr<BIO, BioDeleter> file(BIO_new_file(path.c_str(), "w"));
  Check(file != nullptr, "open a key file");
  Check(PEM_write_bio_PrivateKey(file.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "write a key");
}

}  // namespace

TestPki::TestPki() {
  std::string pattern = (std::filesystem::temp_directory_path() / "herald-pki-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("test PKI: cannot create a temporary directory");
  }
  directory_ = pattern;

  const Key ca_key = GenerateKey();
  const Cert ca = Issue({"herald test CA", true}, ca_key.get(), nullptr, nullptr, 1);
  WriteCert(ca_cert(), ca.get());

  const Key other_ca_key = GenerateKey();
  const Cert other_ca =
      Issue({"herald other test CA", true}, other_ca_key.get(), nullptr, nullptr, 2);
  WriteCert(other_ca_cert(), other_ca.get());

  const Key server_key_pair = GenerateKey();
  const CertSpec server{"127.0.0.1", false, "IP:127.0.0.1,DNS:localhost", "serverAuth"};
  WriteCert(server_cert(), Issue(server, server_key_pair.get(), ca.get(), ca_key.get(), 3).get());
  WriteKey(server_key(), server_key_pair.get());

  const Key other_key = GenerateKey();
  const CertSpec other_name{"other.test", false, "DNS:other.test", "serverAuth"};
  WriteCert(other_name_cert(), Issue(other_name, other_key.get(), ca.get(), ca_key.get(), 4).get());
  WriteKey(other_name_key(), other_key.get());

  const Key client_key_pair = GenerateKey();
  const CertSpec client{"herald test client", false, nullptr, "clientAuth"};
  WriteCert(client_cert(), Issue(client, client_key_pair.get(), ca.get(), ca_key.get(), 5).get());
  WriteKey(client_key(), client_key_pair.get());
}

TestPki::~TestPki() {
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

}  // namespace herald::test
