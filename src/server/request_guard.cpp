#include "server/request_guard.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <optional>
#include <string_view>

#include "server/reply.h"
#include "util/bearer.h"
#include "util/text.h"
#include "websub/limits.h"

namespace hubbub {
namespace {

using Pistache::StreamCursor;
using Pistache::Http::Private::State;

bool same_name(std::string_view a, std::string_view lower_b) {
  if (a.size() != lower_b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (static_cast<char>(std::tolower(static_cast<unsigned char>(a[i]))) != lower_b[i]) {
      return false;
    }
  }
  return true;
}

// The request line: refused when it is longer than the hub ever needs.
class GuardedRequestLine final : public Pistache::Http::Private::Step {
 public:
  GuardedRequestLine(Pistache::Http::Request* request, GuardedRequestParser& parser)
      : Step(request), m_inner(request), m_parser(parser) {}
  Pistache::Http::Private::StepId id() const override { return m_inner.id(); }
  State apply(StreamCursor& cursor) override {
    if (m_parser.refused()) {
      return State::Again;
    }
    const std::string_view rest(cursor.offset(), cursor.remaining());
    const auto end = rest.find("\r\n");
    if ((end == std::string_view::npos ? rest.size() : end) > k_max_request_line_bytes) {
      m_parser.refuse(414, "the request line is longer than " + std::to_string(k_max_request_line_bytes) + " bytes");
      return State::Again;
    }
    return m_inner.apply(cursor);
  }

 private:
  Pistache::Http::Private::RequestLineStep m_inner;
  GuardedRequestParser& m_parser;
};

// The header block, read whole and checked before Pistache parses it.
class GuardedHeaders final : public Pistache::Http::Private::Step {
 public:
  GuardedHeaders(Pistache::Http::Request* request, GuardedRequestParser& parser)
      : Step(request), m_inner(request), m_parser(parser) {}
  Pistache::Http::Private::StepId id() const override { return m_inner.id(); }
  State apply(StreamCursor& cursor) override {
    if (m_parser.refused()) {
      return State::Again;
    }
    const std::string_view rest(cursor.offset(), cursor.remaining());
    std::size_t end = 0;
    if (rest.starts_with("\r\n")) {
      end = 2;
    } else if (const auto blank = rest.find("\r\n\r\n"); blank != std::string_view::npos) {
      end = blank + 4;
    } else {
      if (rest.size() > k_max_header_block_bytes) {
        refuse_headers();
        return State::Again;
      }
      return State::Again;  // wait for the whole block
    }
    if (end > k_max_header_block_bytes) {
      refuse_headers();
      return State::Again;
    }
    if (!check(rest.substr(0, end))) {
      return State::Again;
    }
    return m_inner.apply(cursor);
  }

 private:
  void refuse_headers() {
    m_parser.refuse(431, "the request headers are larger than " + std::to_string(k_max_header_block_bytes) + " bytes");
  }

  // Content-Length and the body the request may have; false when refused.
  bool check(std::string_view block) {
    std::optional<std::string_view> length;
    std::optional<std::string_view> authorization;
    bool chunked = false;
    for (std::size_t pos = 0; pos < block.size();) {
      const auto eol = block.find("\r\n", pos);
      const std::string_view line = block.substr(pos, eol - pos);
      pos = eol + 2;
      if (line.empty()) {
        break;
      }
      const auto colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) {
        m_parser.refuse(400, "a header line has no name and colon");
        return false;
      }
      const std::string_view name = line.substr(0, colon);
      const std::string_view value = trim_blanks(line.substr(colon + 1));
      if (same_name(name, "content-length")) {
        if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          m_parser.refuse(400, "Content-Length must be a number of bytes (digits only)");
          return false;
        }
        if (length && *length != value) {
          m_parser.refuse(400, "the request has two different Content-Length headers");
          return false;
        }
        length = value;
      } else if (same_name(name, "transfer-encoding")) {
        chunked = true;
      } else if (same_name(name, "authorization")) {
        authorization = value;
      }
    }
    if (length && chunked) {
      m_parser.refuse(400, "the request has both Content-Length and Transfer-Encoding");
      return false;
    }
    const std::size_t limit = m_parser.credentials().authorizes_publisher(authorization)
                                  ? k_max_fat_ping_bytes
                                  : k_max_unauthenticated_body_bytes;
    m_parser.set_body_limit(limit);
    if (length) {
      const std::string_view digits = length->substr(std::min(length->find_first_not_of('0'), length->size()));
      if (digits.size() > 19 || (!digits.empty() && std::stoull(std::string(digits)) > limit)) {
        m_parser.refuse(413, "the body is larger than this request may send (" + std::to_string(limit) + " bytes" +
                                 (limit < k_max_fat_ping_bytes ? " without a publisher's token)" : ")"));
        return false;
      }
    }
    return true;
  }

  Pistache::Http::Private::HeadersStep m_inner;
  GuardedRequestParser& m_parser;
};

// The body: a chunked one is held to the same limit as it arrives.
class GuardedBody final : public Pistache::Http::Private::Step {
 public:
  GuardedBody(Pistache::Http::Request* request, GuardedRequestParser& parser)
      : Step(request), m_request(request), m_inner(request), m_parser(parser) {}
  Pistache::Http::Private::StepId id() const override { return m_inner.id(); }
  State apply(StreamCursor& cursor) override {
    if (m_parser.refused()) {
      return State::Again;
    }
    // What is buffered may hold chunk framing too: allow for it.
    const std::size_t limit = m_parser.body_limit();
    if (m_request->body().size() + cursor.remaining() > limit + limit / 8 + 64) {
      refuse_body(limit);
      return State::Again;
    }
    const State state = m_inner.apply(cursor);
    if (m_request->body().size() > limit) {
      refuse_body(limit);
      return State::Again;
    }
    return state;
  }

 private:
  void refuse_body(std::size_t limit) {
    m_parser.refuse(413, "the body is larger than this request may send (" + std::to_string(limit) + " bytes)");
  }

  Pistache::Http::Request* m_request;
  Pistache::Http::Private::BodyStep m_inner;
  GuardedRequestParser& m_parser;
};

}  // namespace

GuardedRequestParser::GuardedRequestParser(std::size_t max_request_bytes, int fd, const Credentials& credentials)
    : Pistache::Http::RequestParser(max_request_bytes), m_fd(fd), m_credentials(credentials) {
  allSteps[0] = std::make_unique<GuardedRequestLine>(&request, *this);
  allSteps[1] = std::make_unique<GuardedHeaders>(&request, *this);
  allSteps[2] = std::make_unique<GuardedBody>(&request, *this);
}

void GuardedRequestParser::refuse(int status, const std::string& reason) {
  if (m_refused) {
    return;
  }
  m_refused = true;
  spdlog::info("event=request_refused status={} reason=\"{}\"", status, reason);
  Reply r = text(static_cast<Pistache::Http::Code>(status), reason);
  write_and_close(m_fd, r);
}

}  // namespace hubbub
