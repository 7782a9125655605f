// F1, F5 and F8's parsing half: a form body through the whole request parser
// (modes, URLs, leases, secrets). No crash; an accepted subscription has
// normalised URLs and a lease inside the policy's clamp; a refusal has a
// reason.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "util/form.h"
#include "util/url.h"
#include "websub/hub_request.h"
#include "websub/limits.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto form = hubbub::Form::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!form) {
    return 0;
  }
  const hubbub::LeasePolicy leases;
  const auto parsed = hubbub::parse_hub_request(*form, leases);
  if (!parsed) {
    if (parsed.error().message.empty()) {
      std::abort();
    }
    return 0;
  }
  if (const auto* request = std::get_if<hubbub::NewRequest>(&*parsed)) {
    for (const auto& url : {request->topic, request->callback}) {
      const auto again = hubbub::normalize_http_url(url, hubbub::k_max_url_bytes);
      if (!again || *again != url) {
        std::abort();
      }
    }
    if (request->lease_granted && (*request->lease_granted < leases.min || *request->lease_granted > leases.max)) {
      std::abort();
    }
    if (request->secret && request->secret->size() > hubbub::k_max_secret_bytes) {
      std::abort();
    }
  }
  return 0;
}
