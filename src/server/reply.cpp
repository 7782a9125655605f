#include "server/reply.h"

#include <spdlog/spdlog.h>

#include "util/log_text.h"
#include "util/media_type.h"

namespace hubbub {

namespace Header = Pistache::Http::Header;

Reply text(Pistache::Http::Code code, std::string message) {
  Reply r;
  r.code = code;
  r.body = std::move(message) + "\n";
  return r;
}

Reply storage_unavailable(const std::string& what) {
  spdlog::error("event=storage_unavailable error={}", log_quoted(what));
  Reply r = text(Pistache::Http::Code::Service_Unavailable, "the hub cannot use its database right now; try again later");
  r.headers.emplace_back("Retry-After", std::to_string(k_retry_after_storage_error.count()));
  return r;
}

bool wants_keep_alive(const Pistache::Http::Request& request) {
  if (request.version() != Pistache::Http::Version::Http11) {
    return false;
  }
  const auto connection = request.headers().tryGetRaw("Connection");
  return !connection || media_type_essence(connection->value()).find("close") == std::string::npos;
}

void send(Pistache::Http::ResponseWriter& writer, bool keep_alive, Reply reply) {
  writer.headers().remove<Header::Connection>();
  writer.headers().add<Header::Connection>(keep_alive ? Pistache::Http::ConnectionControl::KeepAlive
                                                      : Pistache::Http::ConnectionControl::Close);
  for (auto& [name, value] : reply.headers) {
    writer.headers().add(std::make_shared<ResponseField>(name, value));
  }
  writer.setMime(Pistache::Http::Mime::MediaType::fromString(reply.content_type));
  // The promise is not observed: most answers are sent from the store's
  // completion thread, and Pistache 0.0.5 resolves the promise on its
  // reactor thread without the lock that then() takes, a data race found by
  // ThreadSanitizer. A client that has gone is not an error anyway.
  (void)writer.send(reply.code, reply.body);
}

}  // namespace hubbub
