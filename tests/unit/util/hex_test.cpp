#include <catch2/catch.hpp>

#include "util/hex.h"

using namespace hubbub;

TEST_CASE("bytes become two hex digits each, in the case asked for", "[util][hex]") {
  const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
  CHECK(to_hex(bytes, sizeof bytes) == "000fa5ff");
  CHECK(to_hex(bytes, 0).empty());
  std::string out = "%";
  append_hex(out, 0xab, HexCase::upper);
  CHECK(out == "%AB");
  append_hex(out, 0x3c);
  CHECK(out == "%AB3c");
}
