#include "util/ip_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace hubbub {
namespace {

struct Range {
  const char* prefix;
  unsigned bits;
  const char* name;
};

// reliability-plan.md §1.2, IPv4.
constexpr Range k_v4_ranges[] = {
    {"0.0.0.0", 8, "\"this network\" (0.0.0.0/8)"},
    {"10.0.0.0", 8, "private (RFC 1918)"},
    {"100.64.0.0", 10, "shared address space (CGNAT, RFC 6598)"},
    {"127.0.0.0", 8, "loopback"},
    {"169.254.0.0", 16, "link-local (cloud metadata)"},
    {"172.16.0.0", 12, "private (RFC 1918)"},
    {"192.0.0.0", 24, "IETF protocol assignments"},
    {"192.0.2.0", 24, "documentation (TEST-NET-1)"},
    {"192.168.0.0", 16, "private (RFC 1918)"},
    {"198.18.0.0", 15, "benchmarking"},
    {"198.51.100.0", 24, "documentation (TEST-NET-2)"},
    {"203.0.113.0", 24, "documentation (TEST-NET-3)"},
    {"224.0.0.0", 4, "multicast"},
    {"240.0.0.0", 4, "reserved (and broadcast)"},
};

// reliability-plan.md §1.2, IPv6 (IPv4-mapped ::ffff:0:0/96 is handled apart).
constexpr Range k_v6_ranges[] = {
    {"::", 128, "unspecified"},
    {"::1", 128, "loopback"},
    {"::", 96, "IPv4-compatible"},
    {"64:ff9b::", 96, "NAT64"},
    {"64:ff9b:1::", 48, "NAT64 (local use)"},
    {"100::", 64, "discard-only"},
    {"2001::", 32, "Teredo"},
    {"2001:db8::", 32, "documentation"},
    {"2002::", 16, "6to4"},
    {"fc00::", 7, "unique local (ULA)"},
    {"fe80::", 10, "link-local"},
    {"fec0::", 10, "site-local (deprecated)"},
    {"ff00::", 8, "multicast"},
};

}  // namespace

std::optional<IpAddress> IpAddress::from_sockaddr(const sockaddr* sa) {
  if (sa == nullptr) {
    return std::nullopt;
  }
  IpAddress a;
  if (sa->sa_family == AF_INET) {
    const auto* in4 = reinterpret_cast<const sockaddr_in*>(sa);
    a.m_v4 = true;
    std::memcpy(a.m_bytes.data(), &in4->sin_addr, 4);
    return a;
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    a.m_v4 = false;
    std::memcpy(a.m_bytes.data(), &in6->sin6_addr, 16);
    return a;
  }
  return std::nullopt;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') {
    s = s.substr(1, s.size() - 2);
  }
  if (const auto zone = s.find('%'); zone != std::string::npos) {
    s.resize(zone);
  }
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.m_bytes.data()) == 1) {
    a.m_v4 = true;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.m_bytes.data()) == 1) {
    a.m_v4 = false;
    return a;
  }
  return std::nullopt;
}

IpAddress IpAddress::v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddress ip;
  ip.m_v4 = true;
  ip.m_bytes[0] = a;
  ip.m_bytes[1] = b;
  ip.m_bytes[2] = c;
  ip.m_bytes[3] = d;
  return ip;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(m_v4 ? AF_INET : AF_INET6, m_bytes.data(), buf, sizeof buf);
  return buf;
}

bool IpAddress::in(const IpAddress& prefix, unsigned bits) const {
  if (m_v4 != prefix.m_v4) {
    return false;
  }
  const unsigned total = m_v4 ? 32 : 128;
  bits = bits > total ? total : bits;
  const unsigned whole = bits / 8;
  if (std::memcmp(m_bytes.data(), prefix.m_bytes.data(), whole) != 0) {
    return false;
  }
  const unsigned rest = bits % 8;
  if (rest == 0) {
    return true;
  }
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (m_bytes[whole] & mask) == (prefix.m_bytes[whole] & mask);
}

std::optional<std::string> special_purpose_range(const IpAddress& addr) {
  if (addr.is_v4()) {
    for (const auto& r : k_v4_ranges) {
      if (addr.in(*IpAddress::parse(r.prefix), r.bits)) {
        return std::string(r.name);
      }
    }
    return std::nullopt;
  }
  static const IpAddress mapped_prefix = *IpAddress::parse("::ffff:0:0");
  if (addr.in(mapped_prefix, 96)) {
    const std::uint8_t* b = addr.bytes();
    const auto inner = special_purpose_range(IpAddress::v4(b[12], b[13], b[14], b[15]));
    if (inner) {
      return "IPv4-mapped " + *inner;
    }
    return std::nullopt;
  }
  for (const auto& r : k_v6_ranges) {
    if (addr.in(*IpAddress::parse(r.prefix), r.bits)) {
      return std::string(r.name);
    }
  }
  return std::nullopt;
}

}  // namespace hubbub
