#include "util/cidr.h"

#include <charconv>
#include <string>

namespace hubbub {

IpAddress unmap_ipv4(const IpAddress& addr) {
  if (addr.is_v4()) {
    return addr;
  }
  const std::uint8_t* b = addr.bytes();
  for (int i = 0; i < 10; ++i) {
    if (b[i] != 0) {
      return addr;
    }
  }
  if (b[10] != 0xff || b[11] != 0xff) {
    return addr;
  }
  return IpAddress::v4(b[12], b[13], b[14], b[15]);
}

Result<Cidr> Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  const auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) {
    return fail("\"" + std::string(text) + "\" is not an IP address or address block");
  }
  const IpAddress network = unmap_ipv4(*address);
  const unsigned max_bits = network.is_v4() ? 32 : 128;
  unsigned bits = max_bits;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || bits > max_bits) {
      return fail("\"" + std::string(text) + "\" has a bad prefix length");
    }
  }
  return Cidr(network, bits);
}

bool Cidr::contains(const IpAddress& addr) const {
  const IpAddress a = unmap_ipv4(addr);
  return a.is_v4() == m_network.is_v4() && a.in(m_network, m_bits);
}

bool Cidr::contains(std::string_view addr) const {
  const auto parsed = IpAddress::parse(addr);
  return parsed && contains(*parsed);
}

}  // namespace hubbub
