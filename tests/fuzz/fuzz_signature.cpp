// F7: the signer equals a one-shot OpenSSL HMAC for every algorithm.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "websub/signature.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) {
    return 0;
  }
  const std::size_t key_size = data[0] % 64;
  if (size < 1 + key_size) {
    return 0;
  }
  const std::string_view key(reinterpret_cast<const char*>(data + 1), key_size);
  const std::string_view body(reinterpret_cast<const char*>(data + 1 + key_size), size - 1 - key_size);
  const std::pair<hubbub::SignatureAlgorithm, const EVP_MD*> algorithms[] = {
      {hubbub::SignatureAlgorithm::sha1, EVP_sha1()},
      {hubbub::SignatureAlgorithm::sha256, EVP_sha256()},
      {hubbub::SignatureAlgorithm::sha384, EVP_sha384()},
      {hubbub::SignatureAlgorithm::sha512, EVP_sha512()}};
  for (const auto& [algorithm, md] : algorithms) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(body.data()), body.size(),
         mac, &length);
    std::string expected = std::string(hubbub::to_string(algorithm)) + "=";
    for (unsigned int i = 0; i < length; ++i) {
      char hex[3];
      std::snprintf(hex, sizeof hex, "%02x", mac[i]);
      expected += hex;
    }
    if (hubbub::sign(algorithm, key, body) != expected) {
      std::abort();
    }
  }
  return 0;
}
