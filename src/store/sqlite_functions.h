#pragma once
// The SQL functions the hub adds to each of its SQLite connections.

#include "store/database.h"
#include "util/result.h"

namespace hubbub {

// Registers hubbub_origin(url): the URL's "scheme://host:port", as
// UrlOrigin::key() spells it ('' when unparsable).
Status register_functions(Database& db);

}  // namespace hubbub
