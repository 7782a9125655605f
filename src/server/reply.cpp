#include "server/reply.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include <spdlog/spdlog.h>

#include "util/log_text.h"
#include "util/media_type.h"

namespace hubbub {

namespace Header = Pistache::Http::Header;

Reply text(Pistache::Http::Code code, std::string message) {
  Reply r;
  r.code = code;
  r.body = std::move(message) + "\n";
  return r;
}

Reply method_not_allowed(std::string_view allow) {
  Reply r = text(Pistache::Http::Code::Method_Not_Allowed, "this resource accepts " + std::string(allow));
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

Reply storage_unavailable(const std::string& what) {
  spdlog::error("event=storage_unavailable error={}", log_quoted(what));
  Reply r =
      text(Pistache::Http::Code::Service_Unavailable, "the hub cannot use its database right now; try again later");
  r.headers.emplace_back("Retry-After", std::to_string(k_retry_after_storage_error.count()));
  return r;
}

bool wants_keep_alive(const Pistache::Http::Request& request) {
  if (request.version() != Pistache::Http::Version::Http11) {
    return false;
  }
  const auto connection = request.headers().tryGetRaw("Connection");
  return !connection || media_type_essence(connection->value()).find("close") == std::string::npos;
}

namespace {

// Answers larger than this still go through Pistache when they end the
// connection: writing them straight to the socket could block the worker.
constexpr std::size_t k_max_direct_answer_bytes = 64 * 1024;
// How long a direct write may wait for room in the socket's send buffer.
constexpr int k_direct_write_wait_ms = 1000;

struct Answering {
  int fd;
  bool head;
};
thread_local Answering t_answering{-1, false};
thread_local bool t_answering_open = false;

// Writes all of `bytes`, waiting (bounded) for room; false if it could not.
bool write_now(int fd, std::string_view bytes) {
  std::size_t off = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{k_direct_write_wait_ms};
  while (off < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      off += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return false;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return false;
    }
    pollfd p{fd, POLLOUT, 0};
    (void)::poll(&p, 1, static_cast<int>(left.count()));
  }
  return true;
}

}  // namespace

AnsweringScope::AnsweringScope(int fd, bool head) {
  t_answering = {fd, head};
  t_answering_open = true;
}

AnsweringScope::~AnsweringScope() {
  t_answering_open = false;
}

std::string serialize(const Reply& reply, bool head_only, bool keep_alive) {
  const auto code = static_cast<int>(reply.code);
  std::string out = "HTTP/1.1 " + std::to_string(code) + " " + Pistache::Http::codeString(reply.code) + "\r\n";
  out += "Content-Type: " + reply.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  out += keep_alive ? "Connection: Keep-Alive\r\n" : "Connection: close\r\n";
  for (const auto& [name, value] : reply.headers) {
    out += name + ": " + value + "\r\n";
  }
  out += "\r\n";
  if (!head_only) {
    out += reply.body;
  }
  return out;
}

void write_and_close(int fd, const Reply& reply, bool release) {
  (void)write_now(fd, serialize(reply, false, false));
  ::shutdown(fd, release ? SHUT_RDWR : SHUT_WR);
}

void send(Pistache::Http::ResponseWriter& writer, bool keep_alive, Reply reply) {
  if (const Answering* now = t_answering_open ? &t_answering : nullptr; now != nullptr && (now->head || !keep_alive)) {
    const std::string bytes = serialize(reply, now->head, keep_alive);
    if (now->head || bytes.size() <= k_max_direct_answer_bytes) {
      const bool written = write_now(now->fd, bytes);
      if (!keep_alive || !written) {
        ::shutdown(now->fd, SHUT_WR);
      }
      return;
    }
  }
  writer.headers().remove<Header::Connection>();
  writer.headers().add<Header::Connection>(keep_alive ? Pistache::Http::ConnectionControl::KeepAlive
                                                      : Pistache::Http::ConnectionControl::Close);
  for (auto& [name, value] : reply.headers) {
    writer.headers().add(std::make_shared<ResponseField>(name, value));
  }
  writer.setMime(Pistache::Http::Mime::MediaType::fromString(reply.content_type));
  // The promise is not observed: most answers are sent from the store's
  // completion thread, and Pistache 0.0.5 resolves the promise on its
  // reactor thread without the lock that then() takes, a data race found by
  // ThreadSanitizer. A client that has gone is not an error anyway.
  (void)writer.send(reply.code, reply.body);
}

}  // namespace hubbub
