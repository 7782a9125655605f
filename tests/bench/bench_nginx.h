#pragma once
// nginx from Debian (nginx-light), started by the benchmark on loopback with
// two workers: the fastest HTTP server on the machine, so the limit the hub
// is measured against, and the subscribers' sink the hub delivers to.
//
//   sink, on 127.0.0.1 … 127.0.0.<addresses>, one port:
//     GET with hub.challenge   echoes it (verification of intent)
//     GET /topic/…             a fresh 1 KiB body ($request_id first, so a
//                              fetch is never "unchanged")
//     POST                     204, logged: arrival time ($msec) and path
//   accept, on 127.0.0.1, another port: every request answered 202 (the
//     limit for intake: nginx doing nothing but answering).

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace hubbub::bench {

class Nginx {
 public:
  // Writes the configuration into `dir` and starts nginx; throws with its
  // error log when it does not answer within 10 s.
  Nginx(const std::string& dir, int addresses);
  ~Nginx();
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  // "http://127.0.0.<address>:<sink port>" + path, address in 1 … addresses.
  std::string sink_url(int address, const std::string& path) const;
  std::string accept_url() const;
  int addresses() const { return m_addresses; }
  std::uint16_t sink_port() const { return m_sink_port; }

  // POSTs logged from byte `from` of the log on, whose path starts with
  // `prefix`: how many, the first and last arrival (Unix seconds, to the ms).
  struct Arrivals {
    std::size_t count = 0;
    double first = 0;
    double last = 0;
  };
  Arrivals arrivals(std::size_t from, const std::string& prefix) const;
  // The log's size now: where the next arrivals() starts.
  std::size_t log_size() const;

 private:
  void stop();

  std::string m_dir;
  int m_addresses;
  std::uint16_t m_sink_port = 0;
  std::uint16_t m_accept_port = 0;
  pid_t m_pid = -1;
};

}  // namespace hubbub::bench
