// F4: the verification URL builder. For any accepted callback and challenge
// the URL keeps the callback's own query byte for byte, then the hub's
// parameters after '&', and parses back as an http(s) URL.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "util/url.h"
#include "websub/limits.h"
#include "websub/verification.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find('\n');
  const auto callback = hubbub::normalize_http_url(input.substr(0, split), hubbub::k_max_url_bytes);
  if (!callback) {
    return 0;
  }
  hubbub::RequestRecord request;
  request.mode = hubbub::RequestMode::subscribe;
  request.topic = "http://publisher.example/feed";
  request.callback = *callback;
  request.lease_granted = std::chrono::seconds{3600};
  const std::string challenge = split == std::string_view::npos ? "challenge" : std::string(input.substr(split + 1));
  const std::string url = hubbub::verification_url(request, challenge);
  const std::string& base = *callback;
  if (!url.starts_with(base)) {
    std::abort();  // the callback, its query included, comes first unchanged
  }
  // Then '?' (no query yet), '&' (after a query), or nothing when the query
  // is empty or already ends with '&'; then the hub's parameters.
  std::string_view rest = std::string_view(url).substr(base.size());
  if (base.find('?') == std::string::npos) {
    if (!rest.starts_with('?')) {
      std::abort();
    }
    rest.remove_prefix(1);
  } else if (!base.ends_with('&') && base.find('?') != base.size() - 1) {
    if (!rest.starts_with('&')) {
      std::abort();
    }
    rest.remove_prefix(1);
  }
  if (!rest.starts_with("hub.mode=subscribe&")) {
    std::abort();
  }
  if (!hubbub::url_origin(url)) {
    std::abort();
  }
  return 0;
}
