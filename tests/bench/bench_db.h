#pragma once
// The benchmark's own access to a hub's database, either engine: counts it
// waits on, the scale run's bulk rows, and the database's size.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace hubbub::bench {

// The number `sql` counts; none when it cannot be read (so that a wait for
// a queue to drain never takes a lost connection for an empty queue).
std::optional<std::size_t> count_in(const std::string& database, const std::string& sql);
// Runs `sql` (one statement, no parameters) while no hub holds the database;
// false, and the reason on stdout, when it fails.
bool exec_in(const std::string& database, const std::string& sql);
// The database's size on disk, bytes (an SQLite file with its WAL, or a
// PostgreSQL database).
std::uint64_t database_bytes(const std::string& database);

}  // namespace hubbub::bench
