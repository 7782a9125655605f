#pragma once
// An address block ("10.0.0.0/8", "2001:db8::/32", or one address) for
// operator lists: trusted proxies, rate-limit exemptions. An IPv4-mapped IPv6
// address ("::ffff:10.1.2.3", as a dual-stack listener reports IPv4 peers)
// matches IPv4 blocks.

#include <string_view>

#include "util/ip_address.h"
#include "util/result.h"

namespace hubbub {

class Cidr {
 public:
  static Result<Cidr> parse(std::string_view text);
  bool contains(const IpAddress& addr) const;
  bool contains(std::string_view addr) const;  // false when `addr` is not an address
  bool operator==(const Cidr&) const = default;

 private:
  Cidr(IpAddress network, unsigned bits) : m_network(network), m_bits(bits) {}
  IpAddress m_network;
  unsigned m_bits;
};

// The IPv4 address inside an IPv4-mapped IPv6 one; `addr` itself otherwise.
IpAddress unmap_ipv4(const IpAddress& addr);

}  // namespace hubbub
