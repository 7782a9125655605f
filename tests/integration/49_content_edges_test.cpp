// 49: what strangers send back (reliability-plan.md V, D16): bytes that are
// not UTF-8, quotes and line ends in a callback's answer, topic URLs that
// look like Link syntax, compressed topics, endless answer bodies. None of
// it may break the operator's views, forge a log line, leak to the public
// monitor, or turn a success into a failure.

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "hub_fixture.h"
#include "util/form.h"
#include "util/utf8.h"

using namespace hubbub::test;
using nlohmann::json;

namespace {

const std::string k_admin = "admin-token-0123456789abcdef";

std::uint32_t crc32(const std::string& data) {
  std::uint32_t crc = 0xffffffffu;
  for (const char ch : data) {
    crc ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k) {
      crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
  }
  return ~crc;
}

void put_le(std::string& out, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

// `data` as a gzip member of stored (uncompressed) deflate blocks: real gzip
// that any decoder reads, made without a compression library.
std::string gzip_stored(const std::string& data) {
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  std::size_t off = 0;
  do {
    const std::size_t n = std::min<std::size_t>(data.size() - off, 65535);
    const bool last = off + n == data.size();
    out.push_back(last ? '\x01' : '\x00');
    put_le(out, static_cast<std::uint32_t>(n), 2);
    put_le(out, static_cast<std::uint32_t>(~n & 0xffff), 2);
    out.append(data, off, n);
    off += n;
  } while (off < data.size());
  put_le(out, crc32(data), 4);
  put_le(out, static_cast<std::uint32_t>(data.size()), 4);
  return out;
}

// A subscriber that verifies, then answers every delivery 200 with a body
// that never ends (until the hub hangs up, at most 256 MiB or 60 s).
class EndlessSubscriber {
 public:
  EndlessSubscriber() : m_fd(listen_loopback(m_port)), m_thread([this] { run(); }) {}
  ~EndlessSubscriber() {
    m_stop = true;
    m_thread.join();
    ::close(m_fd);
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(m_port) + path; }
  std::size_t posts() const { return m_posts.load(); }

 private:
  void run() {
    while (!m_stop) {
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) {
        continue;
      }
      const int c = ::accept(m_fd, nullptr, nullptr);
      if (c >= 0) {
        serve(c);
        ::close(c);
      }
    }
  }
  void serve(int c) {
    std::string head;
    char buf[4096];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    while (head.find("\r\n\r\n") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) {
        continue;
      }
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) {
        return;
      }
      head.append(buf, static_cast<std::size_t>(n));
    }
    if (head.starts_with("GET ")) {
      const std::string target = head.substr(4, head.find(' ', 4) - 4);
      const auto form = hubbub::Form::parse(target.substr(target.find('?') + 1));
      const std::string challenge(form ? form->first("hub.challenge").value_or("") : "");
      const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(challenge.size()) +
                                 "\r\nConnection: close\r\n\r\n" + challenge;
      (void)::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
      return;
    }
    ++m_posts;
    const std::string start = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    (void)::send(c, start.data(), start.size(), MSG_NOSIGNAL);
    const std::string chunk = "4000\r\n" + std::string(0x4000, 'x') + "\r\n";
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{60};
    for (std::size_t sent = 0; sent < (256u << 20) && !m_stop && std::chrono::steady_clock::now() < until;
         sent += chunk.size()) {
      pollfd p{c, POLLOUT, 0};
      if (::poll(&p, 1, 100) <= 0) {
        continue;
      }
      if (::send(c, chunk.data(), chunk.size(), MSG_NOSIGNAL) <= 0) {
        return;  // the hub hung up: what a subscriber sees when it stops reading
      }
    }
  }

  std::uint16_t m_port = 0;
  int m_fd;
  std::atomic<bool> m_stop{false};
  std::atomic<std::size_t> m_posts{0};
  std::thread m_thread;
};

}  // namespace

TEST_CASE("a callback's odd answer reaches the operator intact and nobody else (V, SEC)",
          "[integration][content_edges]") {
  const std::string nasty = std::string("\xff\xfe\"quoted\"\r\nevent=forged level=critical \xe2\x82", 43);
  TestHttpServer callback([&](const RecordedRequest&) {
    CannedResponse r;
    r.body = nasty;
    return r;
  });
  HubFixture f({"--admin-token", k_admin});
  const json monitor = subscribe_and_settle(f.hub, "subscribe", "http://publisher.example/feed", callback.url("/cb"));
  REQUIRE(monitor["state"] == "failed");
  // The public monitor says what went wrong in the hub's own words.
  const std::string reason = monitor["last_error"];
  CHECK(reason.find("did not echo hub.challenge") != std::string::npos);
  CHECK(reason.find("quoted") == std::string::npos);
  // The operator sees the excerpt, as valid JSON, and the answer is 200.
  const HttpReply failures = http_get(f.hub.url("/admin/failures"), {"Authorization: Bearer " + k_admin});
  REQUIRE(failures.status == 200);
  CHECK(hubbub::is_valid_utf8(failures.body));
  const json list = json::parse(failures.body);
  REQUIRE(list.dump().find("quoted") != std::string::npos);
  // The text monitor too stays valid UTF-8.
  const HttpReply as_text = http_get(monitor["monitor"].get<std::string>(), {"Accept: text/plain"});
  CHECK(as_text.status == 200);
  CHECK(hubbub::is_valid_utf8(as_text.body));
  // No line of the log was forged.
  const std::string log = f.hub.log();
  CHECK(log.find("\nevent=forged") == std::string::npos);
  CHECK(log.find("\"event=forged") == std::string::npos);
}

TEST_CASE("a topic URL that looks like Link syntax adds no link values", "[integration][content_edges][DIST-04]") {
  TestHttpServer topic(atom_feed("<feed>x</feed>"));
  HubFixture f;
  const std::string url = topic.url("/a>,<http://evil.example/>;rel=hub,<x");
  const json j = subscribe_and_settle(f.hub, "subscribe", url, f.callback.url("/cb"));
  REQUIRE(j["state"] == "verified");
  const std::string stored = j["topic"];
  const HttpReply r = publish(f.hub, {{"hub.url", stored}});
  REQUIRE(r.status == 202);
  REQUIRE(wait_published(r.header("location"))["topics"][0]["deliveries"]["delivered"] == 1);
  const auto delivered = f.callback.posts();
  REQUIRE(delivered.size() == 1);
  const std::string link = delivered[0].header("link");
  INFO(link);
  CHECK(std::count(link.begin(), link.end(), '<') == 2);
  CHECK(std::count(link.begin(), link.end(), '>') == 2);
  CHECK(link.find("evil.example/%3E%3Brel=hub%2C%3Cx>; rel=\"self\"") != std::string::npos);
}

TEST_CASE("a compressed topic is delivered decoded, as its Content-Type says",
          "[integration][content_edges][DIST-01]") {
  const std::string feed = "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>" +
                           std::string(3000, 'z') + "</title></feed>";
  TestHttpServer topic([&](const RecordedRequest&) {
    CannedResponse r;
    r.headers = {{"Content-Type", "application/atom+xml"}, {"Content-Encoding", "gzip"}};
    r.body = gzip_stored(feed);
    return r;
  });
  HubFixture f;
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", topic.url("/feed"), f.callback.url("/cb"))["state"] == "verified");
  const HttpReply r = publish(f.hub, {{"hub.url", topic.url("/feed")}});
  REQUIRE(r.status == 202);
  REQUIRE(wait_published(r.header("location"))["topics"][0]["deliveries"]["delivered"] == 1);
  const auto delivered = f.callback.posts();
  REQUIRE(delivered.size() == 1);
  CHECK(delivered[0].body == feed);
  CHECK(delivered[0].header("content-type") == "application/atom+xml");
  CHECK(delivered[0].header("content-encoding").empty());
  // The hub asked for what it can decode.
  CHECK(topic.requests().at(0).header("accept-encoding").find("gzip") != std::string::npos);
}

TEST_CASE("a subscriber answering 200 with an endless body has the delivery, at once",
          "[integration][content_edges][D16]") {
  TestHttpServer topic(atom_feed("<feed>endless</feed>"));
  EndlessSubscriber subscriber;
  // With a long timeout: reading the body to its end would take all of it.
  HubFixture f({"--outbound-timeout", "120"});
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", topic.url("/feed"), subscriber.url("/cb"))["state"] == "verified");
  const HttpReply r = publish(f.hub, {{"hub.url", topic.url("/feed")}});
  REQUIRE(r.status == 202);
  const json done = wait_published(r.header("location"), std::chrono::seconds{30});
  CHECK(done["topics"][0]["deliveries"]["delivered"] == 1);
  CHECK(subscriber.posts() == 1);
}
