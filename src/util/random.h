#pragma once
// Unpredictable tokens from the OpenSSL CSPRNG.

#include <cstddef>
#include <string>

namespace hubbub {

// `bytes` random bytes as unpadded base64url ([A-Za-z0-9_-], 4 characters per
// 3 bytes). Aborts the process if the CSPRNG fails: it is never worth going on
// with predictable challenges or ids.
std::string random_token(std::size_t bytes);

}  // namespace hubbub
