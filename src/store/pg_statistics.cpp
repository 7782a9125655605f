#include "store/pg_statistics.h"

#include <string>
#include <vector>

#include <spdlog/spdlog.h>

namespace hubbub {

Result<std::size_t> analyze_stale_tables(PgConnection& db) {
  HUBBUB_TRY_ASSIGN(stale, db.exec("SELECT relname FROM pg_stat_user_tables WHERE relname IN "
                                   "('subscriptions', 'subscription_requests', 'publish_topics', 'deliveries') "
                                   "AND n_mod_since_analyze > greatest($1::bigint, n_live_tup / 2) ORDER BY relname",
                                   PgParams().add(k_pg_analyze_min_rows)));
  std::vector<std::string> tables;
  for (int row = 0; row < stale->rows(); ++row) {
    tables.push_back(stale->text(row, 0));
  }
  for (const std::string& table : tables) {  // one of the four names above
    HUBBUB_TRY(db.exec_script(("ANALYZE (SKIP_LOCKED) " + table).c_str()));
    spdlog::info("event=table_analyzed table={} reason=stale_statistics", table);
  }
  return tables.size();
}

}  // namespace hubbub
