#include "net/curl_http_client.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>

#include "util/text.h"
#include "util/thread_name.h"
#include "util/url.h"

namespace hubbub {

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) {
      return v;
    }
  }
  return std::nullopt;
}

namespace {

constexpr std::size_t k_max_response_headers = 100;
constexpr std::size_t k_max_header_bytes = 16 * 1024;
constexpr long k_poll_timeout_ms = 1000;

}  // namespace

struct CurlHttpClient::Transfer {
  HttpRequest request;
  HttpCallback done;
  std::string origin;
  const EgressPolicy* policy = nullptr;
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  HttpResponse response;
  std::size_t header_bytes = 0;
  std::optional<std::string> blocked;  // set by the open-socket guard
  bool oversize = false;
  char error_buffer[CURL_ERROR_SIZE] = {};

  ~Transfer() { curl_slist_free_all(header_list); }

  static curl_socket_t open_socket(void* clientp, curlsocktype, curl_sockaddr* address) {
    auto* t = static_cast<Transfer*>(clientp);
    if (auto why = t->policy->refusal(&address->addr)) {
      t->blocked = std::move(why);
      return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  }

  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    const std::size_t len = size * n;
    const std::size_t room =
        t->request.max_response_bytes - std::min(t->request.max_response_bytes, t->response.body.size());
    if (len > room) {
      // Either way the transfer ends here (CURLE_WRITE_ERROR): finish() turns
      // a truncated one into the response it began.
      t->oversize = true;
      if (t->request.oversize == OversizeBody::truncate) {
        t->response.body.append(data, room);
      }
      return 0;
    }
    t->response.body.append(data, len);
    return len;
  }

  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    const std::size_t len = size * n;
    const std::string_view line(data, len);
    if (line.starts_with("HTTP/")) {  // a new response (after 1xx): start over
      t->response.headers.clear();
      t->header_bytes = 0;
      return len;
    }
    const auto colon = line.find(':');
    t->header_bytes += len;
    if (colon == std::string_view::npos || t->response.headers.size() >= k_max_response_headers ||
        t->header_bytes > k_max_header_bytes) {
      return len;
    }
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    t->response.headers.emplace_back(std::move(name), trim_blanks(line.substr(colon + 1)));
    return len;
  }
};

CurlHttpClient::CurlHttpClient(std::shared_ptr<const EgressPolicy> policy, HttpClientLimits limits)
    : m_policy(std::move(policy)), m_limits(std::move(limits)), m_multi(curl_multi_init()) {
  curl_multi_setopt(m_multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(m_limits.max_in_flight));
  curl_multi_setopt(m_multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(m_limits.max_per_origin));
  for (const auto& entry : m_limits.resolve) {
    m_resolve = curl_slist_append(m_resolve, entry.c_str());
  }
  m_thread = std::thread([this] {
    name_this_thread("hub-http");
    run();
  });
}

CurlHttpClient::~CurlHttpClient() {
  stop();
  for (CURL* easy : m_idle_handles) {
    curl_easy_cleanup(easy);
  }
  curl_multi_cleanup(m_multi);
  curl_slist_free_all(m_resolve);
}

void CurlHttpClient::send(HttpRequest request, HttpCallback done) {
  auto t = std::make_unique<Transfer>();
  t->request = std::move(request);
  t->done = std::move(done);
  t->policy = m_policy.get();
  {
    std::lock_guard lock(m_mutex);
    if (!m_stopping) {
      m_incoming.push_back(std::move(t));
      ++m_outstanding;
    }
  }
  if (t) {  // stopping: never queued
    t->done(std::unexpected(HttpError{HttpFailure::cancelled, "the HTTP client is stopping"}));
    return;
  }
  curl_multi_wakeup(m_multi);
}

bool CurlHttpClient::running() const {
  std::lock_guard lock(m_mutex);
  return !m_stopping;
}

std::size_t CurlHttpClient::outstanding() const {
  std::lock_guard lock(m_mutex);
  return m_outstanding;
}

void CurlHttpClient::stop() {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) {
      return;
    }
    m_stopping = true;
  }
  curl_multi_wakeup(m_multi);
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

void CurlHttpClient::run() {
  for (;;) {
    std::vector<std::unique_ptr<Transfer>> incoming;
    bool stopping = false;
    {
      std::lock_guard lock(m_mutex);
      incoming.swap(m_incoming);
      stopping = m_stopping;
    }
    for (auto& t : incoming) {
      auto origin = url_origin(t->request.url);
      if (!origin) {
        const HttpError err{HttpFailure::bad_url, "cannot parse URL: " + origin.error().message};
        t->done(std::unexpected(err));
        std::lock_guard lock(m_mutex);
        --m_outstanding;
        continue;
      }
      t->origin = origin->key();
      m_waiting[t->origin].push_back(std::move(t));
    }
    if (stopping) {
      break;
    }
    start_ready();
    int running = 0;
    curl_multi_perform(m_multi, &running);
    int queued = 0;
    bool finished_any = false;
    while (CURLMsg* msg = curl_multi_info_read(m_multi, &queued)) {
      if (msg->msg == CURLMSG_DONE) {
        auto it = m_active.find(msg->easy_handle);
        if (it != m_active.end()) {
          finish(it->second.get(), msg->data.result);
          finished_any = true;
        }
      }
    }
    if (finished_any && !m_waiting.empty()) {
      continue;  // slots were freed: start what waits before sleeping
    }
    curl_multi_poll(m_multi, nullptr, 0, k_poll_timeout_ms, nullptr);
  }
  // Stopping: fail everything still owed.
  const HttpError cancelled{HttpFailure::cancelled, "the HTTP client stopped"};
  for (auto& [easy, t] : m_active) {
    curl_multi_remove_handle(m_multi, easy);
    curl_easy_cleanup(easy);
    t->done(std::unexpected(cancelled));
  }
  m_active.clear();
  for (auto& [origin, queue] : m_waiting) {
    for (auto& t : queue) {
      t->done(std::unexpected(cancelled));
    }
  }
  m_waiting.clear();
  std::vector<std::unique_ptr<Transfer>> late;
  {
    std::lock_guard lock(m_mutex);
    late.swap(m_incoming);
    m_outstanding = 0;
  }
  for (auto& t : late) {
    t->done(std::unexpected(cancelled));
  }
}

void CurlHttpClient::start_ready() {
  for (auto it = m_waiting.begin(); it != m_waiting.end() && m_active.size() < m_limits.max_in_flight;) {
    auto& queue = it->second;
    std::size_t& active = m_active_per_origin[it->first];
    while (!queue.empty() && active < m_limits.max_per_origin && m_active.size() < m_limits.max_in_flight) {
      auto t = std::move(queue.front());
      queue.pop_front();
      ++active;
      start(std::move(t));
    }
    it = queue.empty() ? m_waiting.erase(it) : std::next(it);
  }
}

void CurlHttpClient::start(std::unique_ptr<Transfer> t) {
  CURL* easy = nullptr;
  if (!m_idle_handles.empty()) {
    easy = m_idle_handles.back();
    m_idle_handles.pop_back();
    curl_easy_reset(easy);
  } else {
    easy = curl_easy_init();
  }
  t->easy = easy;
  const HttpRequest& r = t->request;
  curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_USERAGENT, m_limits.user_agent.c_str());
  if (m_resolve != nullptr) {
    curl_easy_setopt(easy, CURLOPT_RESOLVE, m_resolve);
  }
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &Transfer::open_socket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, t.get());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, t.get());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error_buffer);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, t.get());
  if (r.max_response_bytes > 0 && r.oversize == OversizeBody::fail && !r.decode_content) {
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(r.max_response_bytes));
  }
  if (r.decode_content) {
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // every encoding this libcurl decodes
  }
  t->header_list = curl_slist_append(t->header_list, "Expect:");
  for (const auto& [name, value] : r.headers) {
    // "Name:" with nothing after the colon removes a header libcurl would add.
    const std::string line = value.empty() ? name + ":" : name + ": " + value;
    t->header_list = curl_slist_append(t->header_list, line.c_str());
  }
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->header_list);
  if (r.method == HttpMethod::post) {
    const std::string& body = r.shared_body ? *r.shared_body : r.body;
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.data());  // t owns the body until finish()
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  }
  curl_multi_add_handle(m_multi, easy);
  m_active.emplace(easy, std::move(t));
}

void CurlHttpClient::finish(Transfer* raw, int code) {
  CURL* easy = raw->easy;
  curl_multi_remove_handle(m_multi, easy);
  auto node = m_active.extract(easy);
  std::unique_ptr<Transfer> t = std::move(node.mapped());
  if (--m_active_per_origin[t->origin] == 0) {
    m_active_per_origin.erase(t->origin);
  }

  HttpResult result;
  const auto rc = static_cast<CURLcode>(code);
  const bool truncated = rc == CURLE_WRITE_ERROR && t->oversize && t->request.oversize == OversizeBody::truncate;
  if (rc == CURLE_OK || truncated) {
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &t->response.status);
    char* ip = nullptr;
    if (curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != nullptr) {
      t->response.peer_address = ip;
    }
    result = std::move(t->response);
  } else {
    HttpFailure kind = HttpFailure::protocol;
    std::string detail = t->error_buffer[0] != '\0' ? t->error_buffer : curl_easy_strerror(rc);
    if (t->blocked && (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)) {
      kind = HttpFailure::blocked_address;
      detail = *t->blocked;
    } else if (t->oversize || rc == CURLE_FILESIZE_EXCEEDED) {
      kind = HttpFailure::too_large;
      detail = "response body larger than " + std::to_string(t->request.max_response_bytes) + " bytes";
    } else if (rc == CURLE_COULDNT_RESOLVE_HOST) {
      kind = HttpFailure::dns;
    } else if (rc == CURLE_COULDNT_CONNECT) {
      kind = HttpFailure::connect;
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
      kind = HttpFailure::timeout;
    } else if (rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CERTPROBLEM ||
               rc == CURLE_SSL_CACERT_BADFILE) {
      kind = HttpFailure::tls;
    } else if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT) {
      // After a connection, this is a peer that does not speak HTTP (curl
      // refuses an HTTP/0.9 answer, e.g. an SMTP banner, with this code).
      char* ip = nullptr;
      const bool connected = curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != nullptr && *ip != 0;
      kind = connected ? HttpFailure::protocol : HttpFailure::bad_url;
    }
    result = std::unexpected(HttpError{kind, std::move(detail)});
  }
  m_idle_handles.push_back(easy);
  t->done(std::move(result));
  {
    std::lock_guard lock(m_mutex);
    --m_outstanding;
  }
}

}  // namespace hubbub
