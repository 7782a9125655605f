#include "store/open_store.h"

#include <unistd.h>

#include "store/pg_connection.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"

namespace hubbub {

Result<std::unique_ptr<Store>> open_store(const std::string& database, const Clock& clock, const std::string& node_id,
                                          bool notify, std::size_t readers) {
  if (is_postgres_uri(database)) {
    HUBBUB_TRY_ASSIGN(store, PostgresStore::open(database, clock, node_id, notify, readers));
    return std::unique_ptr<Store>(std::move(*store));
  }
  HUBBUB_TRY_ASSIGN(store, SqliteStore::open(database, clock));
  return std::unique_ptr<Store>(std::move(*store));
}

std::string default_node_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof host, "hubbub");
  }
  return std::string(host) + "-" + std::to_string(getpid());
}

}  // namespace hubbub
