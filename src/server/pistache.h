#pragma once
// The only way Hubbub includes Pistache. Pistache 0.0.5's common.h defines a
// function-like macro unreachable(), which breaks the C++23 std::unreachable
// in <utility> when that header comes later: include <utility> first, then
// drop the macro.

#include <utility>

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>

#undef unreachable

#include <cstdint>
#include <ostream>
#include <string>

namespace hubbub {

// A response header with a name chosen at run time. Pistache 0.0.5 writes
// only typed headers (Collection::list()); headers added with addRaw() are
// silently dropped from responses.
class ResponseField final : public Pistache::Http::Header::Header {
 public:
  ResponseField(std::string name, std::string value) : m_name(std::move(name)), m_value(std::move(value)) {}
  const char* name() const override { return m_name.c_str(); }
  void write(std::ostream& os) const override { os << m_value; }
  // Never equal to a typed header's hash, so header_cast<> never picks it.
  std::uint64_t hash() const override { return 0; }

 private:
  std::string m_name;
  std::string m_value;
};

}  // namespace hubbub
