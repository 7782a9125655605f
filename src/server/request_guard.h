#pragma once
// What the hub checks of a request before Pistache 0.0.5's parser acts on it
// (its bugs: engineering-notes.md §1.4). Each connection gets a
// GuardedRequestParser, whose steps look at the whole request line and the
// whole header block first, and refuse, with a clear text/plain reason and a
// closed connection:
// - a request line longer than k_max_request_line_bytes (414) and a header
//   block larger than k_max_header_block_bytes (431);
// - a Content-Length that is not plain digits ("-5", "0x10", "1 2", "12abc"),
//   or two that differ (400), where Pistache answered 500 with an exception's
//   text or took the first;
// - a body larger than the connection may send (413), declared or chunked,
//   before anything is reserved for it: k_max_unauthenticated_body_bytes
//   unless the request carries a publisher's bearer token (a fat ping), and
//   k_max_fat_ping_bytes with one. So a client without a token can make the
//   hub hold at most that much per connection.
// A refusal is written straight to the socket, which is then shut for
// writing: the client reads the answer and the end of the connection, and
// Pistache releases it when the client closes (or at the header timeout).
// Nothing after a refusal is parsed.

#include <cstddef>
#include <memory>

#include "server/credentials.h"
#include "server/pistache.h"

namespace hubbub {

class GuardedRequestParser final : public Pistache::Http::RequestParser {
 public:
  // `credentials` must outlive the parser; `fd` is the connection's socket.
  GuardedRequestParser(std::size_t max_request_bytes, int fd, const Credentials& credentials);

  // Refuses the connection's request: answers `status` with `reason`, closes
  // it for writing and parses nothing more.
  void refuse(int status, const std::string& reason);
  bool refused() const { return m_refused; }
  // The largest body this request may have (set once its headers are read).
  std::size_t body_limit() const { return m_body_limit; }
  void set_body_limit(std::size_t limit) { m_body_limit = limit; }
  const Credentials& credentials() const { return m_credentials; }

 private:
  int m_fd;
  const Credentials& m_credentials;
  bool m_refused = false;
  std::size_t m_body_limit = 0;
};

}  // namespace hubbub
