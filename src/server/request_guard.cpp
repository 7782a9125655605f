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

// One of Pistache's steps with a check in front: nothing runs once the
// request is refused; admit() sees the bytes first (false: refused, or wait
// for more), after() the request as the step left it.
template <class Inner>
class GuardedStep : public Pistache::Http::Private::Step {
 public:
  GuardedStep(Pistache::Http::Request* request, GuardedRequestParser& parser)
      : Step(request), m_request(request), m_inner(request), m_parser(parser) {}
  Pistache::Http::Private::StepId id() const override { return m_inner.id(); }
  State apply(StreamCursor& cursor) final {
    if (m_parser.refused() || !admit(std::string_view(cursor.offset(), cursor.remaining()))) {
      return State::Again;
    }
    const State state = m_inner.apply(cursor);
    return after() ? state : State::Again;
  }

 protected:
  virtual bool admit(std::string_view buffered) = 0;
  virtual bool after() { return true; }

  Pistache::Http::Request* m_request;
  Inner m_inner;
  GuardedRequestParser& m_parser;
};

// The request line: refused when it is longer than the hub ever needs.
class GuardedRequestLine final : public GuardedStep<Pistache::Http::Private::RequestLineStep> {
 public:
  using GuardedStep::GuardedStep;

 private:
  bool admit(std::string_view rest) override {
    const auto end = rest.find("\r\n");
    if ((end == std::string_view::npos ? rest.size() : end) > k_max_request_line_bytes) {
      m_parser.refuse(414, "the request line is longer than " + std::to_string(k_max_request_line_bytes) + " bytes");
      return false;
    }
    return true;
  }
};

// The header block, read whole and checked before Pistache parses it.
class GuardedHeaders final : public GuardedStep<Pistache::Http::Private::HeadersStep> {
 public:
  using GuardedStep::GuardedStep;

 private:
  bool admit(std::string_view rest) override {
    std::size_t end = 0;
    if (rest.starts_with("\r\n")) {
      end = 2;
    } else if (const auto blank = rest.find("\r\n\r\n"); blank != std::string_view::npos) {
      end = blank + 4;
    } else {
      if (rest.size() > k_max_header_block_bytes) {
        refuse_headers();
      }
      return false;  // refused, or wait for the whole block
    }
    if (end > k_max_header_block_bytes) {
      refuse_headers();
      return false;
    }
    return check(rest.substr(0, end));
  }

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
};

// The body: a chunked one is held to the same limit as it arrives.
class GuardedBody final : public GuardedStep<Pistache::Http::Private::BodyStep> {
 public:
  using GuardedStep::GuardedStep;

 private:
  bool admit(std::string_view buffered) override {
    // What is buffered may hold chunk framing too: allow for it.
    const std::size_t limit = m_parser.body_limit();
    if (m_request->body().size() + buffered.size() > limit + limit / 8 + 64) {
      refuse_body();
      return false;
    }
    return true;
  }
  bool after() override {
    if (m_request->body().size() > m_parser.body_limit()) {
      refuse_body();
      return false;
    }
    return true;
  }
  void refuse_body() {
    m_parser.refuse(
        413, "the body is larger than this request may send (" + std::to_string(m_parser.body_limit()) + " bytes)");
  }
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
