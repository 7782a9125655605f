#include "net/egress_policy.h"

#include <netinet/in.h>

namespace hubbub {
namespace {

// An IPv4-mapped IPv6 address as the IPv4 address it carries.
IpAddress unmapped(const IpAddress& a) {
  static const IpAddress mapped_prefix = *IpAddress::parse("::ffff:0:0");
  if (!a.is_v4() && a.in(mapped_prefix, 96)) {
    const std::uint8_t* b = a.bytes();
    return IpAddress::v4(b[12], b[13], b[14], b[15]);
  }
  return a;
}

bool is_unspecified(const IpAddress& a) {
  static const IpAddress any4 = IpAddress::v4(0, 0, 0, 0);
  static const IpAddress any6 = *IpAddress::parse("::");
  return a == any4 || a == any6;
}

bool is_loopback(const IpAddress& a) {
  static const IpAddress net4 = IpAddress::v4(127, 0, 0, 0);
  static const IpAddress one6 = *IpAddress::parse("::1");
  return (a.is_v4() && a.in(net4, 8)) || a == one6;
}

}  // namespace

void EgressPolicy::add_own_endpoint(const IpAddress& addr, std::uint16_t port) {
  m_own.push_back({unmapped(addr), port});
}

void EgressPolicy::add_local_address(const IpAddress& addr) {
  m_local.push_back(unmapped(addr));
}

bool EgressPolicy::reaches_own_endpoint(const IpAddress& plain, std::uint16_t port) const {
  for (const auto& own : m_own) {
    if (own.port != port) {
      continue;
    }
    if (own.addr == plain || is_unspecified(plain)) {
      return true;
    }
    if (is_unspecified(own.addr)) {
      if (is_loopback(plain)) {
        return true;
      }
      for (const auto& local : m_local) {
        if (local == plain) {
          return true;
        }
      }
    }
  }
  return false;
}

std::optional<std::string> EgressPolicy::refusal(const sockaddr* target) const {
  const auto addr = IpAddress::from_sockaddr(target);
  if (!addr) {
    return "not an IP address";
  }
  std::uint16_t port = 0;
  if (target->sa_family == AF_INET) {
    port = ntohs(reinterpret_cast<const sockaddr_in*>(target)->sin_port);
  } else {
    port = ntohs(reinterpret_cast<const sockaddr_in6*>(target)->sin6_port);
  }
  return refusal(*addr, port);
}

std::optional<std::string> EgressPolicy::refusal(const IpAddress& addr, std::uint16_t port) const {
  if (reaches_own_endpoint(unmapped(addr), port)) {
    return addr.to_string() + " port " + std::to_string(port) + " is the hub itself";
  }
  if (m_allow_private) {
    return std::nullopt;
  }
  if (auto range = special_purpose_range(addr)) {
    return addr.to_string() + " is " + *range + " (start the hub with --allow-private-networks to allow it)";
  }
  return std::nullopt;
}

}  // namespace hubbub
