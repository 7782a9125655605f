// F3: the address classifier on raw 4- and 16-byte addresses. An
// IPv4-mapped IPv6 address gets the verdict of the IPv4 address it carries;
// the textual form parses back to the same address.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "util/ip_address.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) {
    return 0;
  }
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  std::memcpy(&v4.sin_addr, data, 4);
  const auto a4 = hubbub::IpAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&v4));
  if (!a4 || !a4->is_v4()) {
    std::abort();
  }
  const auto verdict4 = hubbub::special_purpose_range(*a4);
  if (hubbub::IpAddress::parse(a4->to_string()) != a4) {
    std::abort();
  }
  // The same IPv4 address, mapped into IPv6 (::ffff:a.b.c.d).
  sockaddr_in6 mapped{};
  mapped.sin6_family = AF_INET6;
  mapped.sin6_addr.s6_addr[10] = 0xff;
  mapped.sin6_addr.s6_addr[11] = 0xff;
  std::memcpy(&mapped.sin6_addr.s6_addr[12], data, 4);
  const auto m = hubbub::IpAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&mapped));
  if (!m || special_purpose_range(*m).has_value() != verdict4.has_value()) {
    std::abort();
  }
  if (size >= 16) {
    sockaddr_in6 v6{};
    v6.sin6_family = AF_INET6;
    std::memcpy(&v6.sin6_addr, data, 16);
    const auto a6 = hubbub::IpAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&v6));
    if (!a6) {
      std::abort();
    }
    (void)hubbub::special_purpose_range(*a6);
    if (hubbub::IpAddress::parse(a6->to_string()) != a6) {
      std::abort();
    }
  }
  return 0;
}
