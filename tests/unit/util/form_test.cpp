#include "util/form.h"

#include <catch2/catch.hpp>

using hubbub::Form;

TEST_CASE("decodes fields in order, keeping repeated names", "[util][form]") {
  auto f = Form::parse("hub.mode=subscribe&hub.url=a&hub.url=b&x");
  REQUIRE(f);
  REQUIRE(f->fields().size() == 4);
  CHECK(f->first("hub.mode") == "subscribe");
  CHECK(f->count("hub.url") == 2);
  CHECK(f->all("hub.url") == std::vector<std::string_view>{"a", "b"});
  CHECK(f->first("x") == "");
  CHECK_FALSE(f->first("missing"));
}

TEST_CASE("percent-decodes names and values, '+' as space", "[util][form]") {
  auto f = Form::parse("hub.topic=http%3A%2F%2Fexample.com%2F%7Efoo%3Fa%3D1&n%61me=a+b%2Bc");
  REQUIRE(f);
  CHECK(f->first("hub.topic") == "http://example.com/~foo?a=1");
  CHECK(f->first("name") == "a b+c");
}

TEST_CASE("skips empty sequences between ampersands", "[util][form]") {
  auto f = Form::parse("&&a=1&&b=2&");
  REQUIRE(f);
  CHECK(f->fields().size() == 2);
  auto empty = Form::parse("");
  REQUIRE(empty);
  CHECK(empty->fields().empty());
}

TEST_CASE("keeps '=' inside values and decodes NUL and CR/LF as bytes", "[util][form]") {
  auto f = Form::parse("a=b=c&n=%00%0D%0A");
  REQUIRE(f);
  CHECK(f->first("a") == "b=c");
  CHECK(f->first("n") == std::string("\0\r\n", 3));
}

TEST_CASE("refuses malformed escapes", "[util][form][V7]") {
  for (const char* body : {"a=%zz", "a=%", "a=%0", "a=%G0", "%zz=1", "a=1&b=%4"}) {
    INFO(body);
    CHECK_FALSE(Form::parse(body));
  }
}
