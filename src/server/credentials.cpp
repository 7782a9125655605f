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

bool Credentials::authorizes_admin(std::optional<std::string_view> authorization) const {
  const auto token = authorization ? bearer_token(*authorization) : std::nullopt;
  return token && is_admin(*token);
}

bool Credentials::authorizes_publisher(std::optional<std::string_view> authorization) const {
  const auto token = authorization ? bearer_token(*authorization) : std::nullopt;
  return token && is_publisher(*token);
}

}  // namespace hubbub
