#pragma once
// The one interface every outbound request goes through (verification,
// denial, and later topic fetch and delivery). The real implementation is
// CurlHttpClient, which applies the egress policy; tests may fake it.

#include <chrono>
#include <cstddef>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http_failure.h"

namespace hubbub {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

enum class HttpMethod { get, post };

// What to do with a response body larger than max_response_bytes.
enum class OversizeBody {
  fail,  // abort the transfer: HttpFailure::too_large
  // Stop reading there and answer with the status, the headers and the first
  // max_response_bytes: for answers whose body does not matter (deliveries,
  // denials), so that an endless body costs nothing and a 2xx stays a 2xx.
  truncate,
};

struct HttpRequest {
  HttpMethod method = HttpMethod::get;
  std::string url;
  HttpHeaders headers;  // sent as given; an empty value removes a header libcurl adds by default
  std::string body;     // POST only
  // POST body shared between requests (one notification to many subscribers);
  // used instead of `body` when set.
  std::shared_ptr<const std::string> shared_body;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{10000};  // whole transfer, counted once started
  std::size_t max_response_bytes = 64 * 1024;
  OversizeBody oversize = OversizeBody::fail;
  // Ask for compressed content (Accept-Encoding) and hand back the decoded
  // bytes, the size cap applying to them: topic fetches, whose content is
  // delivered as it would be shown, never as gzip bytes under the topic's
  // Content-Type.
  bool decode_content = false;
};

struct HttpResponse {
  long status = 0;
  HttpHeaders headers;  // names lower-cased, in arrival order
  std::string body;
  std::string peer_address;

  // The first header called `name` (lower case).
  std::optional<std::string_view> header(std::string_view name) const;
};

using HttpResult = std::expected<HttpResponse, HttpError>;
// Runs exactly once per request, on the client's own thread: keep it short and
// never call back into the client synchronously from it... except send().
using HttpCallback = std::function<void(HttpResult)>;

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Thread-safe. Queues the request; `done` runs when it completes or fails.
  virtual void send(HttpRequest request, HttpCallback done) = 0;
};

}  // namespace hubbub
