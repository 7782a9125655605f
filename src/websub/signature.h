#pragma once
// X-Hub-Signature (WebSub 7.1): "<algorithm>=<lowercase hex HMAC of the body>".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hubbub {

enum class SignatureAlgorithm { sha1, sha256, sha384, sha512 };

const char* to_string(SignatureAlgorithm algorithm);
std::optional<SignatureAlgorithm> parse_signature_algorithm(std::string_view name);

// The header value for `body` signed with `secret`.
std::string sign(SignatureAlgorithm algorithm, std::string_view secret, std::string_view body);

// The Standard Webhooks signature (standardwebhooks.com, "Symmetric
// signatures"): "v1," and the base64 HMAC-SHA256 of "<id>.<timestamp>.<body>",
// keyed with `secret`'s bytes as given (a receiver's library that expects
// "whsec_<base64>" is given the base64 of those bytes). The header
// webhook-signature carries it, with webhook-id and webhook-timestamp.
std::string standard_webhooks_signature(std::string_view secret, std::string_view id, std::int64_t unix_seconds,
                                        std::string_view body);

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace hubbub
