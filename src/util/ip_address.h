#pragma once
// IPv4/IPv6 addresses and the special-purpose ranges (IANA registries, RFC 6890)
// that a server on the public internet must not be made to reach.

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hubbub {

class IpAddress {
 public:
  // From a sockaddr_in / sockaddr_in6; nullopt for other families.
  static std::optional<IpAddress> from_sockaddr(const sockaddr* sa);
  // From the canonical textual forms inet_pton accepts ("127.0.0.1", "::1");
  // a zone suffix ("fe80::1%eth0") is ignored. Not the shorthand forms
  // ("127.1", "0x7f.1"): normalise those with the URL parser first.
  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);

  bool is_v4() const { return m_v4; }
  // Network-order bytes: 4 for IPv4, 16 for IPv6.
  const std::uint8_t* bytes() const { return m_bytes.data(); }
  std::string to_string() const;
  bool operator==(const IpAddress&) const = default;

  // True when the first `bits` bits equal those of `prefix` (same family).
  bool in(const IpAddress& prefix, unsigned bits) const;

 private:
  bool m_v4 = true;
  std::array<std::uint8_t, 16> m_bytes{};
};

// The name of the special-purpose range holding `addr` ("loopback",
// "private (RFC 1918)", "IPv4-mapped loopback", …), or nullopt for a globally
// routable unicast address. IPv4-mapped IPv6 addresses are judged by the IPv4
// address they carry; the other IPv4-embedding ranges (compatible, NAT64,
// 6to4, Teredo) are special-purpose as a whole.
std::optional<std::string> special_purpose_range(const IpAddress& addr);

}  // namespace hubbub
