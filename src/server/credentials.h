#pragma once
// The bearer tokens the hub accepts: the admin API's and the publishers' (fat
// pings). SIGHUP replaces them whole, so a token removed from the
// configuration stops working at once. Thread-safe; the tokens are secrets
// and never leave this class (no getter, never logged).

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hubbub {

class Credentials {
 public:
  Credentials(std::string admin_token, std::vector<std::string> publisher_tokens);

  void replace(std::string admin_token, std::vector<std::string> publisher_tokens);

  bool admin_enabled() const;
  bool publishing_enabled() const;
  // Compared in constant time for equal lengths; every token is compared.
  bool is_admin(std::string_view presented) const;
  bool is_publisher(std::string_view presented) const;
  // What the bearer token of an Authorization header may do (the only place
  // the hub reads one).
  enum class Check {
    disabled,  // no such token is configured: the feature is off
    missing,   // no bearer token was presented
    refused,   // a token that is not this one
    allowed,
  };
  Check check_admin(std::optional<std::string_view> authorization) const;
  Check check_publisher(std::optional<std::string_view> authorization) const;
  bool authorizes_admin(std::optional<std::string_view> authorization) const {
    return check_admin(authorization) == Check::allowed;
  }
  bool authorizes_publisher(std::optional<std::string_view> authorization) const {
    return check_publisher(authorization) == Check::allowed;
  }

 private:
  mutable std::mutex m_mutex;
  std::string m_admin;                    // guarded by m_mutex; empty: the admin API is off
  std::vector<std::string> m_publishers;  // guarded by m_mutex
};

}  // namespace hubbub
