#include "websub/signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

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

std::string sha256_hex(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out, &size, EVP_sha256(), nullptr);
  return to_hex(out, size);
}

}  // namespace hubbub
