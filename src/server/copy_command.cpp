#include "server/copy_command.h"

#include "store/copy_database.h"
#include "store/pg_connection.h"

namespace hubbub {

int run_copy(const Options& options, std::ostream& out, std::ostream& err) {
  SystemClock clock;
  const std::string target = redact_database_uri(options.copy_to);
  auto report = copy_sqlite_to_postgres(options.database, options.copy_to, clock);
  if (!report) {
    err << "hubbub: copy from " << options.database << " to " << target << " failed: " << report.error().message
        << "\n";
    return 1;
  }
  out << "copied " << options.database << " to " << target << ":\n";
  for (const auto& [table, rows] : report->tables) {
    out << "  " << table << ": " << rows << " rows\n";
  }
  out << "owed and copied: " << report->pending_requests << " pending requests, " << report->pending_fetches
      << " pending fetches, " << report->owed_deliveries << " owed deliveries, " << report->unfinished_fanouts
      << " fan-outs still being written\n"
      << "every count matched. Start the hub with --database " << target << "\n";
  return 0;
}

}  // namespace hubbub
