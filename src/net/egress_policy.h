#pragma once
// Which addresses outbound requests may connect to (reliability-plan.md §1).
// Judged on the resolved address at connect time, so DNS rebinding and the
// many spellings of an IPv4 address cannot get around it.

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/ip_address.h"

namespace hubbub {

class EgressPolicy {
 public:
  explicit EgressPolicy(bool allow_private_networks) : m_allow_private(allow_private_networks) {}

  // Marks addr:port as the hub's own listening socket: refused even when
  // private networks are allowed (self-connections and request loops). So is
  // every address that reaches that socket without being its address: the
  // unspecified addresses (0.0.0.0 and ::, which Linux connects to the local
  // host) on that port, and, when `addr` is itself unspecified (a wildcard
  // listener), every loopback address and every address given to
  // add_local_address() on that port. Call before the policy is shared; it is
  // immutable afterwards.
  void add_own_endpoint(const IpAddress& addr, std::uint16_t port);
  // An address of this machine (an interface's), which reaches a wildcard
  // listener.
  void add_local_address(const IpAddress& addr);

  // Why a connection to `target` is refused, or nullopt when it is allowed.
  std::optional<std::string> refusal(const sockaddr* target) const;
  std::optional<std::string> refusal(const IpAddress& addr, std::uint16_t port) const;

  bool allows_private_networks() const { return m_allow_private; }

 private:
  struct Endpoint {
    IpAddress addr;
    std::uint16_t port;
  };
  bool reaches_own_endpoint(const IpAddress& plain, std::uint16_t port) const;

  bool m_allow_private;
  std::vector<Endpoint> m_own;
  std::vector<IpAddress> m_local;
};

}  // namespace hubbub
