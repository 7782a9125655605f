// Strangers' bytes on their way into JSON and log lines (util/utf8.h,
// util/log_text.h, util/json_text.h).

#include <catch2/catch.hpp>

#include "util/json_text.h"
#include "util/log_text.h"
#include "util/utf8.h"

using namespace hubbub;

TEST_CASE("invalid UTF-8 is replaced, valid text kept byte for byte", "[util][utf8]") {
  CHECK(to_valid_utf8("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(to_valid_utf8("a\xff"
                      "b") ==
        "a\xef\xbf\xbd"
        "b");
  CHECK(to_valid_utf8("\xc3") == "\xef\xbf\xbd");                                  // cut short
  CHECK(to_valid_utf8("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
  CHECK(is_valid_utf8(to_valid_utf8("\x80\xc0\xaf\xf5")));
}

TEST_CASE("a prefix never cuts a character in two", "[util][utf8]") {
  const std::string s =
      "ab\xc3\xa9"
      "cd";  // 'é' at bytes 2-3
  CHECK(utf8_prefix(s, 3) == "ab");
  CHECK(utf8_prefix(s, 4) == "ab\xc3\xa9");
  CHECK(utf8_prefix(s, 100) == s);
}

TEST_CASE("log values cannot end early, forge lines or break the encoding", "[util][log_text]") {
  CHECK(log_quoted("plain") == "\"plain\"");
  CHECK(log_quoted("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(log_quoted("x\r\nevent=forged") == "\"x\\r\\nevent=forged\"");
  CHECK(log_quoted(std::string("\x00\x1b\x7f", 3)) == "\"\\x00\\x1b\\x7f\"");
  CHECK(log_quoted("caf\xc3\xa9 \xff") == "\"caf\xc3\xa9 \\xff\"");
}

TEST_CASE("JSON with a stranger's bytes is still JSON", "[util][json_text]") {
  nlohmann::json j;
  j["reason"] = std::string("got \xff\xfe and \xc3");
  const std::string text = json_text(j);
  CHECK(is_valid_utf8(text));
  CHECK(nlohmann::json::parse(text)["reason"] == "got \xef\xbf\xbd\xef\xbf\xbd and \xef\xbf\xbd");
}
