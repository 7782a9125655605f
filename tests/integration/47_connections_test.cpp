// 47: the cap on open connections (reliability-plan.md A5). Pistache 0.0.5
// has none and spins on EMFILE, so the hub refuses a connection past
// --max-connections with 503 and closes it, and by default keeps 512
// descriptors clear of inbound connections for its own outbound work.

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <regex>

#include "hub_fixture.h"

using namespace hubbub::test;

namespace {

struct Received {
  std::string bytes;
  bool closed = false;  // the hub ended the connection
};

// What arrives on `fd` within `wait`, and whether the hub closed it; with
// `first_read_only`, what the first read brings (bytes or the close).
Received receive(int fd, std::chrono::milliseconds wait, bool first_read_only = false) {
  Received r;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) {
      continue;
    }
    char buf[16384];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      r.closed = true;
      break;
    }
    r.bytes.append(buf, static_cast<std::size_t>(n));
    if (first_read_only) {
      break;
    }
  }
  return r;
}

// GET `path` on a fresh raw connection; the answer's status line.
std::string raw_get(std::uint16_t port, const std::string& path) {
  const int fd = connect_loopback(port);
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  const Received r = receive(fd, std::chrono::seconds{3});
  ::close(fd);
  return r.bytes.substr(0, r.bytes.find("\r\n"));
}

// The value of an unlabelled metric in a /metrics body, or -1.
double metric_in(const std::string& body, const std::string& name) {
  std::smatch m;
  if (std::regex_search(body, m, std::regex("\n" + name + " ([0-9.e+]+)\n"))) {
    return std::stod(m[1]);
  }
  return -1;
}

// The value of an unlabelled metric, or -1.
double metric(const HubProcess& hub, const std::string& name) {
  return metric_in(http_get(hub.url("/metrics")).body, name);
}

// Takes the last free slot and keeps it: a connection that asks for /metrics
// (keep-alive) until the hub counts `full` connections open, itself included.
// Slots are taken and given back by Pistache's workers a moment after a
// client connects or closes, in no fixed order, so waiting for the hub's own
// count is what makes "every slot is taken" true. Returns the open
// descriptor, or -1 when the count never came (bounded: about 30 s).
int take_last_slot(std::uint16_t port, int full) {
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: hub\r\n\r\n";
  for (int attempt = 0; attempt < 1500; ++attempt) {
    const int fd = connect_loopback(port);
    for (bool open = true; open && attempt < 1500; ++attempt) {
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
      std::string bytes;
      std::size_t want = std::string::npos;
      while (bytes.size() < want) {
        const Received r = receive(fd, std::chrono::seconds{3}, true);
        bytes += r.bytes;
        if (const auto end = bytes.find("\r\n\r\n"); want == std::string::npos && end != std::string::npos) {
          std::smatch m;
          const std::string head = bytes.substr(0, end);
          want = std::regex_search(head, m, std::regex("Content-Length: ([0-9]+)", std::regex::icase))
                     ? end + 4 + std::stoul(m[1])
                     : end + 4;
        }
        if (r.closed || r.bytes.empty()) {
          open = false;  // refused (503 and closed), or no answer
          break;
        }
      }
      if (open && bytes.starts_with("HTTP/1.1 200") && metric_in(bytes, "hubbub_connections_open") == full) {
        return fd;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    ::close(fd);
  }
  return -1;
}

// Retries `get` (bounded) until the hub answers 200: a freed slot is given
// back when Pistache has closed the connection, a moment after the client.
bool served_again(const HubProcess& hub) {
  for (int i = 0; i < 100; ++i) {
    if (raw_get(hub.port(), "/healthz") == "HTTP/1.1 200 OK") {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return false;
}

}  // namespace

TEST_CASE("past --max-connections a new connection gets 503 and is closed, and freed slots serve again",
          "[integration][connections][A5]") {
  HubFixture f({"--max-connections", "20"});
  std::vector<int> idle;
  for (int i = 0; i < 19; ++i) {
    idle.push_back(connect_loopback(f.hub.port()));
  }
  idle.push_back(take_last_slot(f.hub.port(), 20));
  REQUIRE(idle.back() >= 0);
  for (int i = 0; i < 5; ++i) {
    const int fd = connect_loopback(f.hub.port());
    const Received r = receive(fd, std::chrono::seconds{3});
    ::close(fd);
    INFO(r.bytes);
    CHECK(r.bytes.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
    CHECK(r.bytes.find("Retry-After: 5\r\n") != std::string::npos);
    CHECK(r.bytes.find("Content-Type: text/plain") != std::string::npos);
    CHECK(r.bytes.ends_with("too many open connections; try again later\n"));
    CHECK(r.closed);
  }
  ::close(idle.back());
  idle.pop_back();
  CHECK(served_again(f.hub));
  CHECK(f.hub.wait_for_log("event=connections_refused"));

  // Idle connections are reclaimed by the header timeout (10 s), and their
  // slots come back.
  for (const int fd : idle) {
    CHECK(receive(fd, std::chrono::seconds{15}).closed);
    ::close(fd);
  }
  CHECK(metric(f.hub, "hubbub_connections_max") == 20);
  CHECK(metric(f.hub, "hubbub_connections_refused_total") >= 5);
  CHECK(metric(f.hub, "hubbub_connections_open") <= 2);
  CHECK(subscribe_and_settle(f.hub, "subscribe", "http://publisher.example/feed", f.callback.url("/cb"))["state"] ==
        "verified");
}

TEST_CASE("a connection flood past the descriptor limit cannot starve the hub's own requests (EMFILE)",
          "[integration][connections][A5]") {
  // 256 descriptors: the automatic cap leaves 64 connections (at least 64,
  // at most half the limit) and keeps the rest for outbound work. Without a
  // cap, 300 connections would exhaust the descriptors and Pistache would spin
  // on EMFILE while the verification GET below could not open a socket.
  TempDir dir;
  TestHttpServer callback;
  HubProcess hub(dir.file("hub.db"), test_hub_args(), {}, 256);
  CHECK(hub.log().find("max_connections=64") != std::string::npos);

  std::vector<int> held;
  for (int i = 0; i < 63; ++i) {  // one slot stays free for the subscription below
    held.push_back(connect_loopback(hub.port()));
  }
  const HttpReply accepted = subscribe(hub, "subscribe", "http://publisher.example/feed", callback.url("/cb"));
  REQUIRE(accepted.status == 202);
  // Take the last slot once the subscription's connection has given it back,
  // then flood.
  held.push_back(take_last_slot(hub.port(), 64));
  REQUIRE(held.back() >= 0);
  // Every connection past the cap is refused; the first that is not ends the
  // flood rather than waiting out the rest.
  for (int i = 0; i < 300; ++i) {
    const int fd = connect_loopback(hub.port());
    const Received r = receive(fd, std::chrono::seconds{3});
    ::close(fd);
    INFO("connection " << i << " past the cap got: " << r.bytes << (r.closed ? " (closed)" : " (still open)"));
    REQUIRE((r.bytes.starts_with("HTTP/1.1 503") && r.closed));
  }
  // The verification GET went out while every slot was taken.
  CHECK(callback.wait_for_requests(1, std::chrono::seconds{5}));
  for (const int fd : held) {
    ::close(fd);
  }
  CHECK(served_again(hub));
  CHECK(wait_settled(accepted.header("location"))["state"] == "verified");
  CHECK(hub.log().find("Too many open files") == std::string::npos);
}
