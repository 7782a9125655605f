#include "util/url.h"

#include <catch2/catch.hpp>

using namespace hubbub;

namespace {
constexpr std::size_t k_limit = 2048;
}

TEST_CASE("accepts absolute http and https URLs unchanged", "[util][url][SUB-14]") {
  for (const char* url : {"http://example.com/feed", "https://example.com:8443/a/b?x=1&y=%2F",
                          "HTTP://Example.COM/Feed", "http://[2001:db8::1]:8080/cb", "http://127.0.0.1:9/x?"}) {
    INFO(url);
    auto n = normalize_http_url(url, k_limit);
    REQUIRE(n);
    CHECK(*n == url);
  }
}

TEST_CASE("decodes unreserved escapes and nothing else", "[util][url][SUB-16]") {
  CHECK(normalize_http_url("http://p/%7Efoo", k_limit).value() == "http://p/~foo");
  CHECK(normalize_http_url("http://P/%2Fx", k_limit).value() == "http://P/%2Fx");
}

TEST_CASE("refuses what is not an absolute http(s) URL", "[util][url][V16][V17][V18]") {
  for (const char* url : {"", "ftp://x/", "file:///etc/passwd", "gopher://x/", "javascript:alert(1)", "//host/x", "/cb",
                          "http:/x", "http:///x", "http://[::1", "http://u:p@host/", "http://user@host/",
                          "http://host/#frag", "http://host:0/", "http://host:65536/", "http://?x", "mailto:a@b"}) {
    INFO(url);
    CHECK_FALSE(normalize_http_url(url, k_limit));
  }
}

TEST_CASE("refuses control characters, spaces and invalid UTF-8", "[util][url][V8][V9]") {
  for (const std::string& url :
       {std::string("http://h/a\r\nX: y"), std::string("http://h/a b"), std::string("http://h/\ta"),
        std::string("http://h/a\0b", 12), std::string("http://h/\xc3\x28"), std::string("http://h/\x7f")}) {
    CHECK_FALSE(normalize_http_url(url, k_limit));
  }
  CHECK(normalize_http_url("http://h/caf\xc3\xa9", k_limit));
}

TEST_CASE("limits the length", "[util][url][V14]") {
  const std::string base = "http://example.com/";
  CHECK(normalize_http_url(base + std::string(k_limit - base.size(), 'a'), k_limit));
  CHECK_FALSE(normalize_http_url(base + std::string(k_limit - base.size() + 1, 'a'), k_limit));
}

TEST_CASE("gives the origin with the numeric spellings normalised", "[util][url]") {
  CHECK(url_origin("http://Example.COM/x").value().key() == "http://example.com:80");
  CHECK(url_origin("https://h:8443/").value().key() == "https://h:8443");
  CHECK(url_origin("http://0x7f.1:9/").value().host == "127.0.0.1");
  CHECK(url_origin("http://2130706433/").value().host == "127.0.0.1");
  CHECK(url_origin("http://[::1]:5/").value().key() == "http://[::1]:5");
  CHECK(url_origin_key("http://Example.COM/x?y=1") == "http://example.com:80");
  CHECK(url_origin_key("not a url").empty());
}

TEST_CASE("appends parameters after the callback's own query", "[util][url][SUB-17]") {
  CHECK(append_query("http://h/cb", "a=1") == "http://h/cb?a=1");
  CHECK(append_query("http://h/cb?x=y", "a=1") == "http://h/cb?x=y&a=1");
  CHECK(append_query("http://h/cb?", "a=1") == "http://h/cb?a=1");
  CHECK(append_query("http://h/cb?x=y&", "a=1") == "http://h/cb?x=y&a=1");
}

TEST_CASE("redacts URLs to origin and hash", "[util][url][A11][SEC-11]") {
  const std::string r = redact_url("https://cb.example:8443/secret/path?token=abc");
  CHECK(r.starts_with("https://cb.example:8443/…#h:"));
  CHECK(r.find("secret") == std::string::npos);
  CHECK(r.find("token") == std::string::npos);
  CHECK(redact_url("https://cb.example:8443/other") != r);
}

TEST_CASE("refuses stray '%' and percent-encoded host names, so normalising twice changes nothing (found by fuzz_url)",
          "[util][url][V7]") {
  CHECK_FALSE(normalize_http_url("http://h/%zz", 2048));
  CHECK_FALSE(normalize_http_url("http://h/a%", 2048));
  CHECK_FALSE(normalize_http_url("http://h/a%4", 2048));
  // "%%33" would decode to "%3" and then, normalised again, to "3".
  CHECK_FALSE(normalize_http_url("http://h/%%333", 2048));
  CHECK_FALSE(normalize_http_url("http://examplco.em%%%%3333/", 2048));
  CHECK_FALSE(normalize_http_url("http://a%2fb/", 2048));
  const auto ok = normalize_http_url("http://h/a%2Fb%41", 2048);
  REQUIRE(ok);
  CHECK(*ok == "http://h/a%2FbA");
  CHECK(normalize_http_url(*ok, 2048).value_or("") == *ok);
}

TEST_CASE("a URL in a Link header cannot end its link or add others", "[util][url]") {
  CHECK(link_target("http://p.example/feed?a=1&b=2") == "http://p.example/feed?a=1&b=2");
  CHECK(link_target("http://p.example/a>;rel=\"hub\",<http://evil/") ==
        "http://p.example/a%3E%3Brel=%22hub%22%2C%3Chttp://evil/");
  CHECK(link_target("http://p.example/\xc3\xa9 x") == "http://p.example/%C3%A9%20x");
}
