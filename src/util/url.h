#pragma once
// Absolute http(s) URLs as WebSub uses them (topics and callbacks), parsed with
// libcurl's URL API so that what we validate is what libcurl will fetch.

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace hubbub {

// scheme, host and port of a URL; scheme and host lower-cased, host without
// IPv6 brackets, port explicit or the scheme's default.
struct UrlOrigin {
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;

  // "scheme://host:port", a key for per-host limits and logs.
  std::string key() const;
};

// Checks an absolute http/https URL and returns it with only the escapes of
// unreserved characters decoded (WebSub 5.1.1); nothing else is changed.
// Refused: longer than max_bytes, invalid UTF-8, control characters, spaces,
// other schemes, missing or empty host, userinfo, a fragment, port 0.
Result<std::string> normalize_http_url(std::string_view raw, std::size_t max_bytes);

// Origin of a URL that normalize_http_url accepted.
Result<UrlOrigin> url_origin(std::string_view url);
// Its key ("scheme://host:port"), or "" when the URL has none: the key the
// per-host counts and caps use.
std::string url_origin_key(std::string_view url);

// url with `params` (already encoded "a=b&c=d") appended to its query: after
// '&' when it has a non-empty query, else after '?'. The existing query is kept
// byte for byte.
std::string append_query(std::string_view url, std::string_view params);

// A form safe to log: "scheme://host:port/…#h:<8 hex of SHA-256(url)>".
// Callbacks are capability URLs; only this form may reach a log.
std::string redact_url(std::string_view url);

// `url` as a Link header target (RFC 8288 "<" URI-Reference ">"): the bytes a
// link value cannot carry, or that naive parsers split on, percent-encoded
// (< > " , ; space, control characters and non-ASCII bytes), so that no URL
// can end its link early or add link values of its own.
std::string link_target(std::string_view url);

}  // namespace hubbub
