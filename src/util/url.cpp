#include "util/url.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <optional>

#include "util/hex.h"
#include "util/percent_encoding.h"
#include "util/utf8.h"

namespace hubbub {
namespace {

struct CurlUrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;

struct CurlFree {
  void operator()(char* p) const { curl_free(p); }
};

// The part, or an empty optional when absent.
std::optional<std::string> get_part(CURLU* u, CURLUPart part) {
  char* raw = nullptr;
  if (curl_url_get(u, part, &raw, 0) != CURLUE_OK || raw == nullptr) {
    return std::nullopt;
  }
  std::unique_ptr<char, CurlFree> owner(raw);
  return std::string(raw);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Result<CurlUrl> parse(const std::string& url) {
  CurlUrl u(curl_url());
  if (!u) {
    return fail("out of memory");
  }
  const CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0);
  if (rc != CURLUE_OK) {
    return fail(std::string("not a valid URL (") + curl_url_strerror(rc) + ")");
  }
  return u;
}

}  // namespace

std::string UrlOrigin::key() const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<std::string> normalize_http_url(std::string_view raw, std::size_t max_bytes) {
  if (raw.empty()) {
    return fail("is empty");
  }
  if (raw.size() > max_bytes) {
    return fail("is longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (!is_valid_utf8(raw)) {
    return fail("is not valid UTF-8");
  }
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c <= 0x20 || c == 0x7f) {
      return fail("contains a space or control character");
    }
    // A '%' starts an escape of two hex digits. Stray ones are refused: the
    // decoding below could otherwise make new escapes out of them, and
    // normalising again would change the URL (found by fuzz_url).
    if (c == '%' && (i + 2 >= raw.size() || !std::isxdigit(static_cast<unsigned char>(raw[i + 1])) ||
                     !std::isxdigit(static_cast<unsigned char>(raw[i + 2])))) {
      return fail("has a '%' that is not followed by two hex digits");
    }
  }
  const std::size_t sep = raw.find("://");
  const std::string scheme = lower(std::string(raw.substr(0, sep)));
  if (sep == std::string_view::npos || (scheme != "http" && scheme != "https")) {
    return fail("must be an absolute http:// or https:// URL");
  }
  const std::string_view rest = raw.substr(sep + 3);
  if (rest.empty() || rest.front() == '/' || rest.front() == '?' || rest.front() == '#') {
    return fail("has no host");
  }
  if (raw.find('#') != std::string_view::npos) {
    return fail("must not contain a fragment ('#')");
  }
  std::string normalized = decode_unreserved(raw);
  HUBBUB_TRY_ASSIGN(u, parse(normalized));
  if (get_part(u->get(), CURLUPART_USER) || get_part(u->get(), CURLUPART_PASSWORD)) {
    return fail("must not contain user information ('user@')");
  }
  const auto host = get_part(u->get(), CURLUPART_HOST);
  if (!host || host->empty()) {
    return fail("has no host");
  }
  if (host->find('%') != std::string::npos && !host->starts_with('[')) {
    return fail("has a percent-encoded host name");
  }
  if (const auto port = get_part(u->get(), CURLUPART_PORT); port && *port == "0") {
    return fail("has port 0");
  }
  return normalized;
}

std::string url_origin_key(std::string_view url) {
  const auto origin = url_origin(url);
  return origin ? origin->key() : std::string();
}

Result<UrlOrigin> url_origin(std::string_view url) {
  HUBBUB_TRY_ASSIGN(u, parse(std::string(url)));
  UrlOrigin origin;
  origin.scheme = lower(get_part(u->get(), CURLUPART_SCHEME).value_or(""));
  std::string host = lower(get_part(u->get(), CURLUPART_HOST).value_or(""));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  origin.host = std::move(host);
  const std::string port = get_part(u->get(), CURLUPART_PORT).value_or("");
  unsigned value = 0;
  if (!port.empty() && std::from_chars(port.data(), port.data() + port.size(), value).ec == std::errc{} && value > 0 &&
      value <= 65535) {
    origin.port = static_cast<std::uint16_t>(value);
  } else {
    origin.port = origin.scheme == "https" ? 443 : 80;
  }
  return origin;
}

std::string append_query(std::string_view url, std::string_view params) {
  std::string out(url);
  const std::size_t q = out.find('?');
  if (q == std::string::npos) {
    out.push_back('?');
  } else if (q + 1 < out.size() && out.back() != '&') {
    out.push_back('&');
  }
  out.append(params);
  return out;
}

std::string redact_url(std::string_view url) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_Digest(url.data(), url.size(), digest, &digest_len, EVP_sha256(), nullptr);
  const std::string hash = to_hex(digest, 4);
  auto origin = url_origin(url);
  if (!origin) {
    return "<unparsable URL>#h:" + hash;
  }
  return origin->key() + "/…#h:" + hash;
}

std::string link_target(std::string_view url) {
  std::string out;
  out.reserve(url.size());
  for (const char ch : url) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';') {
      out.push_back('%');
      append_hex(out, c, HexCase::upper);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

}  // namespace hubbub
