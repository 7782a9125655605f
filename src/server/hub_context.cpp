#include "server/hub_context.h"

namespace hubbub {
namespace {

std::string path_of(const std::string& url) {
  const auto scheme_end = url.find("://");
  const auto path_start = url.find('/', scheme_end + 3);
  if (path_start == std::string::npos) {
    return "";
  }
  std::string path = url.substr(path_start);
  while (!path.empty() && path.back() == '/') {
    path.pop_back();
  }
  return path;
}

std::string origin_of(const std::string& url) {
  const auto scheme_end = url.find("://");
  const auto path_start = url.find('/', scheme_end + 3);
  return url.substr(0, path_start);
}

}  // namespace

HubUrls::HubUrls(std::string public_url)
    : m_public_url(std::move(public_url)), m_base_path(path_of(m_public_url)), m_origin(origin_of(m_public_url)) {}

std::string HubUrls::request_monitor(std::string_view id) const {
  return m_origin + m_base_path + "/requests/" + std::string(id);
}

std::string HubUrls::publish_monitor(std::string_view id) const {
  return m_origin + m_base_path + "/publishes/" + std::string(id);
}

void HubContext::count_request(std::string_view mode, int status) const {
  metrics.requests.Add({{"mode", std::string(mode)}, {"status", std::to_string(status)}}).Increment();
}

}  // namespace hubbub
