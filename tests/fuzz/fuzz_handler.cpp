// F8: the hub's request handler, whole. Pistache 0.0.5's ResponseWriter
// cannot be faked (it writes through a concrete Transport bound to a
// reactor), so the real HubHandler runs in a real Pistache endpoint on
// loopback over a real SQLite store, and each input becomes one well-formed
// HTTP request on a kept-alive connection: method, route, headers, query and
// body are chosen by the input. Pistache's own parser is not the target
// (reliability-plan §4.7), so the request line and header values carry no
// CR, LF or NUL. Invariant: every request gets a complete answer with a
// status in 2xx..5xx and never 500 (500 is what an exception inside the
// handler turns into).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "server/hub_handler.h"
#include "server/pistache.h"
#include "store/sqlite_store.h"
#include "support/hub_parts.h"
#include "support/store_writes.h"
#include "util/clock.h"

namespace {

using namespace hubbub;

constexpr const char* k_admin_token = "fuzz-admin-token-0123456789";
constexpr const char* k_publisher_token = "fuzz-publisher-token-0123456789";

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("bind");
    std::abort();
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

// The hub's HTTP face with no workers behind it: requests are committed
// and answered, nothing is verified, fetched or delivered.
struct Hub {
  Hub() {
    char dir[] = "/tmp/hubbub-fuzz-handler-XXXXXX";
    if (::mkdtemp(dir) == nullptr) {
      std::abort();
    }
    store = std::move(SqliteStore::open(std::string(dir) + "/hub.db", test::store_clock()).value());
    port = free_port();
    test::HubPartsSettings settings;
    settings.public_url = "http://127.0.0.1:" + std::to_string(port) + "/";
    settings.caps.max_pending_per_callback_host = 1000000;
    settings.caps.max_subscriptions_per_topic = 1000000;
    settings.admin_token = k_admin_token;
    settings.publisher_tokens = {k_publisher_token};
    parts = std::make_unique<test::HubParts>(*store, clock, std::move(settings));
    endpoint = std::make_unique<Pistache::Http::Endpoint>(Pistache::Address("127.0.0.1:" + std::to_string(port)));
    endpoint->init(Pistache::Http::Endpoint::options()
                       .threads(1)
                       .flags(Pistache::Tcp::Options::ReuseAddr)
                       .maxRequestSize(1 << 20)
                       .maxResponseSize(8 << 20));
    endpoint->setHandler(std::make_shared<HubHandler>(parts->context));
    endpoint->serveThreaded();
  }

  SystemClock clock;
  std::unique_ptr<SqliteStore> store;
  std::uint16_t port = 0;
  std::unique_ptr<test::HubParts> parts;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint;
};

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval wait{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  for (int i = 0; i < 200; ++i) {  // the endpoint may still be starting
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      return fd;
    }
    ::usleep(10000);
  }
  std::perror("connect");
  std::abort();
}

// Bytes the request line and header values may not carry.
std::string clean(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c != '\r' && c != '\n' && c != '\0' && c != ' ') {
      out.push_back(c);
    }
  }
  return out;
}

// One answer: its status, or -1 when the connection ended first.
int read_answer(int fd, bool head) {
  std::string in;
  char buf[65536];
  std::size_t header_end = std::string::npos;
  while ((header_end = in.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      return -1;
    }
    in.append(buf, static_cast<std::size_t>(n));
  }
  if (!in.starts_with("HTTP/1.1 ") || in.size() < 12) {
    std::fprintf(stderr, "not an HTTP answer: %.80s\n", in.c_str());
    std::abort();
  }
  const int status = std::atoi(in.c_str() + 9);
  std::size_t length = 0;
  const std::string headers = in.substr(0, header_end);
  if (const auto at = headers.find("Content-Length: "); at != std::string::npos) {
    length = std::strtoul(headers.c_str() + at + 16, nullptr, 10);
  }
  if (!head) {
    while (in.size() - header_end - 4 < length) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) {
        return -1;
      }
      in.append(buf, static_cast<std::size_t>(n));
    }
  }
  return status;
}

constexpr const char* k_methods[] = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"};
constexpr const char* k_routes[] = {"/",
                                    "/requests/",
                                    "/publishes/",
                                    "/metrics",
                                    "/stats",
                                    "/healthz",
                                    "/readyz",
                                    "/dashboard.js",
                                    "/dashboard.css",
                                    "/admin/subscriptions",
                                    "/admin/subscriptions/",
                                    "/admin/topics",
                                    "/admin/dead-letters",
                                    "/admin/dead-letters/",
                                    "/admin/failures",
                                    "/nowhere"};
constexpr const char* k_content_types[] = {"application/x-www-form-urlencoded",
                                           "application/x-www-form-urlencoded; charset=UTF-8", "application/json",
                                           "text/plain", ""};
constexpr const char* k_accepts[] = {"*/*", "text/html", "text/plain", "application/json"};

}  // namespace

// The hub lives as long as the process, its Pistache threads and their
// OpenSSL state included, which the leak check would report at exit; the
// ASan suite checks the real hub for leaks when it exits.
extern "C" const char* __asan_default_options() {
  return "detect_leaks=0";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Hub hub;
  static int fd = connect_to(hub.port);
  if (size < 3) {
    return 0;
  }
  const std::string method = k_methods[data[0] % std::size(k_methods)];
  const std::string route = k_routes[data[1] % std::size(k_routes)];
  const std::uint8_t flags = data[2];
  std::string_view rest(reinterpret_cast<const char*>(data + 3), size - 3);
  // Up to the first '\n': appended to the route (ids, sub-routes, a query).
  const auto newline = rest.find('\n');
  const std::string suffix = clean(rest.substr(0, newline));
  const std::string_view body = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);

  std::string request = method + " " + route + suffix + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (const std::string type = k_content_types[flags % std::size(k_content_types)]; !type.empty()) {
    request += "Content-Type: " + type + "\r\n";
  }
  request += std::string("Accept: ") + k_accepts[(flags >> 3) % std::size(k_accepts)] + "\r\n";
  switch ((flags >> 5) % 4) {
    case 1:
      request += std::string("Authorization: Bearer ") + k_admin_token + "\r\n";
      break;
    case 2:
      request += std::string("Authorization: Bearer ") + k_publisher_token + "\r\n";
      break;
    case 3:
      request += "Authorization: Bearer wrong\r\n";
      break;
    default:
      break;
  }
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  request.append(body);

  for (int attempt = 0; attempt < 2; ++attempt) {
    std::size_t sent = 0;
    while (sent < request.size()) {
      const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        break;
      }
      sent += static_cast<std::size_t>(n);
    }
    const int status = sent == request.size() ? read_answer(fd, method == "HEAD") : -1;
    if (status >= 0) {
      if (status < 200 || status > 599 || status == 500) {
        std::fprintf(stderr, "status %d for %s %s%s\n", status, method.c_str(), route.c_str(), suffix.c_str());
        std::abort();
      }
      return 0;
    }
    // The hub ended the connection (it does after some errors): once more on
    // a fresh one.
    ::close(fd);
    fd = connect_to(hub.port);
  }
  std::fprintf(stderr, "no answer to %s %s%s\n", method.c_str(), route.c_str(), suffix.c_str());
  std::abort();
}
