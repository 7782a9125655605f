#include "server/credentials.h"

#include <openssl/crypto.h>

#include "util/bearer.h"

namespace hubbub {
namespace {

bool same_token(std::string_view expected, std::string_view presented) {
  return !expected.empty() && expected.size() == presented.size() &&
         CRYPTO_memcmp(expected.data(), presented.data(), expected.size()) == 0;
}

}  // namespace

Credentials::Credentials(std::string admin_token, std::vector<std::string> publisher_tokens)
    : m_admin(std::move(admin_token)), m_publishers(std::move(publisher_tokens)) {}

void Credentials::replace(std::string admin_token, std::vector<std::string> publisher_tokens) {
  std::lock_guard lock(m_mutex);
  m_admin = std::move(admin_token);
  m_publishers = std::move(publisher_tokens);
}

bool Credentials::admin_enabled() const {
  std::lock_guard lock(m_mutex);
  return !m_admin.empty();
}

bool Credentials::publishing_enabled() const {
  std::lock_guard lock(m_mutex);
  return !m_publishers.empty();
}

bool Credentials::is_admin(std::string_view presented) const {
  std::lock_guard lock(m_mutex);
  return same_token(m_admin, presented);
}

bool Credentials::is_publisher(std::string_view presented) const {
  std::lock_guard lock(m_mutex);
  bool valid = false;
  for (const auto& token : m_publishers) {
    valid |= same_token(token, presented);
  }
  return valid;
}

Credentials::Check Credentials::check_admin(std::optional<std::string_view> authorization) const {
  if (!admin_enabled()) {
    return Check::disabled;
  }
  const auto token = authorization ? bearer_token(*authorization) : std::nullopt;
  if (!token) {
    return Check::missing;
  }
  return is_admin(*token) ? Check::allowed : Check::refused;
}

Credentials::Check Credentials::check_publisher(std::optional<std::string_view> authorization) const {
  if (!publishing_enabled()) {
    return Check::disabled;
  }
  const auto token = authorization ? bearer_token(*authorization) : std::nullopt;
  if (!token) {
    return Check::missing;
  }
  return is_publisher(*token) ? Check::allowed : Check::refused;
}

}  // namespace hubbub
