#pragma once
// A read run as a job of an engine's writer (GroupCommit, PgWriter), for a
// value that must be read in the order of the writes: the job's transaction
// sees every write queued before it, and its answer comes after theirs and
// before those of the writes queued after it (RequestLog::
// pending_requests_per_origin_in_write_order). Both engines' writers take
// the pair as a job and its answer.

#include <functional>
#include <memory>
#include <utility>

#include "util/result.h"

namespace hubbub {

template <class T, class Connection>
struct ReadJob {
  std::function<Status(Connection&)> work;
  std::function<void(Status)> answer;
};

template <class T, class Connection>
ReadJob<T, Connection> make_read_job(std::function<Result<T>(Connection&)> read, std::function<void(Result<T>)> done) {
  auto value = std::make_shared<T>();
  return {[value, read = std::move(read)](Connection& db) -> Status {
            HUBBUB_TRY_ASSIGN(got, read(db));
            *value = std::move(*got);  // replaced, not appended: a failed batch runs its jobs again
            return {};
          },
          [value, done = std::move(done)](Status s) {
            if (!s) {
              done(std::unexpected(s.error()));
              return;
            }
            done(std::move(*value));
          }};
}

}  // namespace hubbub
