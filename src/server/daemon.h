#pragma once
// Runs the hub until SIGTERM or SIGINT: opens the store, starts the HTTP
// client, verifier, housekeeper and HTTP server, then shuts them down in
// order (stop accepting, answer what is owed, finish or release in-flight
// verifications) and returns the process exit code.

#include "server/options.h"

namespace hubbub {

// 0 after a clean shutdown; 1 when the hub cannot start (the reason is logged).
int run_daemon(const Options& options);

}  // namespace hubbub
