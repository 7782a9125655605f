#include "store/sqlite_functions.h"

#include <string>

#include "util/url.h"

namespace hubbub {
namespace {

void sql_origin(sqlite3_context* context, int, sqlite3_value** args) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(args[0]));
  const std::string key = text ? url_origin_key(text) : std::string();
  sqlite3_result_text(context, key.c_str(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
}

}  // namespace

Status register_functions(Database& db) {
  if (sqlite3_create_function(db.handle(), "hubbub_origin", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, &sql_origin,
                              nullptr, nullptr) != SQLITE_OK) {
    return fail(db.error_message("register hubbub_origin"));
  }
  return {};
}

}  // namespace hubbub
