#include "websub/signature.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "util/hex.h"

namespace hubbub {
namespace {

const EVP_MD* digest(SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case SignatureAlgorithm::sha1:
      return EVP_sha1();
    case SignatureAlgorithm::sha256:
      return EVP_sha256();
    case SignatureAlgorithm::sha384:
      return EVP_sha384();
    case SignatureAlgorithm::sha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

}  // namespace

const char* to_string(SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case SignatureAlgorithm::sha1:
      return "sha1";
    case SignatureAlgorithm::sha256:
      return "sha256";
    case SignatureAlgorithm::sha384:
      return "sha384";
    case SignatureAlgorithm::sha512:
      return "sha512";
  }
  return "sha256";
}

std::optional<SignatureAlgorithm> parse_signature_algorithm(std::string_view name) {
  for (auto a :
       {SignatureAlgorithm::sha1, SignatureAlgorithm::sha256, SignatureAlgorithm::sha384, SignatureAlgorithm::sha512}) {
    if (name == to_string(a)) {
      return a;
    }
  }
  return std::nullopt;
}

std::string sign(SignatureAlgorithm algorithm, std::string_view secret, std::string_view body) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(digest(algorithm), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), out, &size);
  return std::string(to_string(algorithm)) + "=" + to_hex(out, size);
}

std::string standard_webhooks_signature(std::string_view secret, std::string_view id, std::int64_t unix_seconds,
                                        std::string_view body) {
  // HMAC over the three parts in turn: no copy of the body.
  const std::string prefix = std::string(id) + "." + std::to_string(unix_seconds) + ".";
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t size = 0;
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = hmac != nullptr ? EVP_MAC_CTX_new(hmac) : nullptr;
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_construct_end()};
  const bool ok =
      ctx != nullptr &&
      EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), params) == 1 &&
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(prefix.data()), prefix.size()) == 1 &&
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(body.data()), body.size()) == 1 &&
      EVP_MAC_final(ctx, mac, &size, sizeof mac) == 1;
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(hmac);
  if (!ok) {
    return "";  // OpenSSL without HMAC-SHA256: no signature rather than a wrong one
  }
  unsigned char text[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(text, mac, static_cast<int>(size));
  return "v1," + std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(n));
}

std::string sha256_hex(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out, &size, EVP_sha256(), nullptr);
  return to_hex(out, size);
}

}  // namespace hubbub
