// F2: URL parsing and normalisation. An accepted URL is http(s), has no
// control characters, spaces, userinfo or fragment, and normalising it again
// changes nothing. Its origin parses, and redaction never fails.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "util/url.h"

namespace {
constexpr std::size_t k_max = 4096;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  (void)hubbub::redact_url(raw);
  const auto url = hubbub::normalize_http_url(raw, k_max);
  if (!url) {
    return 0;
  }
  // The scheme is http or https in any case ("HTTP://" is accepted as given).
  std::string scheme = url->substr(0, url->find(':'));
  for (char& c : scheme) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (scheme != "http" && scheme != "https") {
    std::abort();
  }
  for (const unsigned char c : *url) {
    if (c <= 0x20 || c == 0x7f) {
      std::abort();
    }
  }
  const std::string after_scheme = url->substr(url->find("://") + 3);
  const std::string authority = after_scheme.substr(0, after_scheme.find_first_of("/?"));
  if (authority.find('@') != std::string::npos || url->find('#') != std::string::npos || url->size() > k_max) {
    std::abort();
  }
  const auto again = hubbub::normalize_http_url(*url, k_max);
  if (!again || *again != *url) {
    std::abort();  // normalisation is idempotent
  }
  if (!hubbub::url_origin(*url)) {
    std::abort();
  }
  return 0;
}
