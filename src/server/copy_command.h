#pragma once
// `hubbub --database FILE --copy-to URI`: the move from SQLite to PostgreSQL
// (store/copy_database.h), run while the hub is stopped. Prints what it
// copied and returns the exit status (0 copied, 1 not: nothing committed).

#include <ostream>

#include "server/options.h"

namespace hubbub {

int run_copy(const Options& options, std::ostream& out, std::ostream& err);

}  // namespace hubbub
