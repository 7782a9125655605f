#pragma once
// Blocking HTTP requests for tests, with libcurl's easy interface.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace hubbub::test {

struct HttpReply {
  long status = 0;                                           // 0: no answer (error holds why)
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string error;

  std::string header(const std::string& name) const;
};

HttpReply http_get(const std::string& url, const std::vector<std::string>& headers = {});
// POST with Content-Type application/x-www-form-urlencoded unless `headers`
// names another one.
HttpReply http_post_form(const std::string& url, const std::string& body, const std::vector<std::string>& headers = {});
HttpReply http_request(const std::string& method, const std::string& url, const std::string& body,
                       const std::vector<std::string>& headers);

// A raw TCP connection to 127.0.0.1:port, for bytes no well-behaved client
// sends; the caller closes it. Throws when the connection fails.
int connect_loopback(std::uint16_t port);

// A socket listening on 127.0.0.1 at a free port, which is written to
// `port`; the caller closes it. Throws when it cannot listen.
int listen_loopback(std::uint16_t& port, int backlog = 256);

// Form-encodes name/value pairs ("a=b&c=d").
std::string form(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace hubbub::test
