#include "websub/signature.h"

#include <catch2/catch.hpp>

using namespace hubbub;

TEST_CASE("signs with lowercase hex HMAC, reference vector", "[websub][signature][SIG-02][SIG-03]") {
  CHECK(sign(SignatureAlgorithm::sha256, "s3cr3t", "<feed>hello</feed>") ==
        "sha256=fb577bc884012e4afd3bfdf1ea31b7a7a15a2d4fd76d70e636d2dc6bc92e9890");
  // RFC 4231 test case 2 ("Jefe"), and RFC 2202 for SHA-1.
  CHECK(sign(SignatureAlgorithm::sha256, "Jefe", "what do ya want for nothing?") ==
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(sign(SignatureAlgorithm::sha1, "Jefe", "what do ya want for nothing?") ==
        "sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  CHECK(sign(SignatureAlgorithm::sha384, "Jefe", "what do ya want for nothing?") ==
        "sha384=af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649");
  CHECK(
      sign(SignatureAlgorithm::sha512, "Jefe", "what do ya want for nothing?") ==
      "sha512=164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a3"
      "4d4a6b4b636e070a38bce737");
}

TEST_CASE("names the four algorithms", "[websub][signature][SIG-04]") {
  for (const char* name : {"sha1", "sha256", "sha384", "sha512"}) {
    auto a = parse_signature_algorithm(name);
    REQUIRE(a);
    CHECK(std::string(to_string(*a)) == name);
  }
  CHECK_FALSE(parse_signature_algorithm("md5"));
  CHECK_FALSE(parse_signature_algorithm("SHA256"));
}

TEST_CASE("Standard Webhooks signatures match the specification's published test vector",
          "[websub][signature][standard_webhooks]") {
  // The specification's vector: secret "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
  // (the key is the base64 after "whsec_"), id "msg_p5jXN8AQM9LWM0D4loKWxJek",
  // timestamp 1614265330, body {"test": 2432232314}.
  const unsigned char key[] = {0x31, 0xf2, 0x90, 0xf6, 0xbf, 0x06, 0x29, 0x8a, 0xab, 0x4f, 0x08, 0xd4,
                               0x3c, 0x3f, 0x08, 0x2c, 0xf6, 0x48, 0xa3, 0x62, 0xda, 0x2d, 0xa4, 0xb0};
  const std::string secret(reinterpret_cast<const char*>(key), sizeof key);
  CHECK(standard_webhooks_signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}") ==
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  // Every part is signed: another id, timestamp or body changes it.
  const std::string base = standard_webhooks_signature("s3cr3t", "d1", 100, "body");
  CHECK(base.starts_with("v1,"));
  CHECK(base.size() == 3 + 44);  // 32 bytes in padded base64
  CHECK(standard_webhooks_signature("s3cr3t", "d2", 100, "body") != base);
  CHECK(standard_webhooks_signature("s3cr3t", "d1", 101, "body") != base);
  CHECK(standard_webhooks_signature("s3cr3t", "d1", 100, "bodY") != base);
  CHECK(standard_webhooks_signature("s3cr3T", "d1", 100, "body") != base);
}
