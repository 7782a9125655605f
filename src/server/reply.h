#pragma once
// Answers as the hub's handlers build them, and how they go out through
// Pistache (with the 0.0.5 keep-alive workaround).

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/pistache.h"

namespace hubbub {

inline constexpr const char* k_plain = "text/plain; charset=utf-8";
inline constexpr const char* k_json = "application/json";
inline constexpr auto k_retry_after_storage_error = std::chrono::seconds{30};

struct Reply {
  Pistache::Http::Code code = Pistache::Http::Code::Ok;
  std::string body;
  std::string content_type = k_plain;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A text/plain answer: `message` and a newline.
Reply text(Pistache::Http::Code code, std::string message);

// 405 with the Allow header: "GET, HEAD", "POST", …
Reply method_not_allowed(std::string_view allow);

// 503 with Retry-After for when the database cannot be read or written;
// `what` goes to the log, never to the client.
Reply storage_unavailable(const std::string& what);

// HTTP/1.1 without "Connection: close". Pistache 0.0.5 answers such requests
// with "Connection: Close" while keeping the socket open (engineering notes,
// bug 1); clients then reconnect for every request.
bool wants_keep_alive(const Pistache::Http::Request& request);

// Sends `reply`; a client that has gone away is not an error. While a
// request is being handled on the worker that read it (an AnsweringScope is
// open), an answer to HEAD goes out with the headers of GET and no body, and
// an answer that ends the connection (Connection: close) is written straight
// to the socket, which is then closed for writing: the client sees the end of
// the connection at once instead of at the keep-alive timeout. Answers sent
// later from another thread (after a commit) go through Pistache.
void send(Pistache::Http::ResponseWriter& writer, bool keep_alive, Reply reply);

// The request being handled on this thread, for send(): set for the length
// of a handler call.
class AnsweringScope {
 public:
  AnsweringScope(int fd, bool head);
  ~AnsweringScope();
  AnsweringScope(const AnsweringScope&) = delete;
  AnsweringScope& operator=(const AnsweringScope&) = delete;
};

// `reply` as HTTP/1.1 bytes: status line, Content-Type, Content-Length (of
// the body, even when `head_only` leaves it out), Connection, its headers.
std::string serialize(const Reply& reply, bool head_only, bool keep_alive);

// Writes `reply` (with Connection: close) straight to the socket and shuts
// it for writing; with `release` for reading too, so that Pistache lets the
// connection go at once (for a connection nothing was read from yet).
void write_and_close(int fd, const Reply& reply, bool release = false);

}  // namespace hubbub
