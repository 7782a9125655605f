#pragma once
// Runs the hub until SIGTERM or SIGINT: opens the store, starts the HTTP
// client, verifier, fetcher, distributor, housekeeper and HTTP server, tells
// systemd (sd_notify) when it is ready and alive, then shuts them down in
// order (stop accepting, answer what is owed, finish or release in-flight
// work) and returns the process exit code.

#include <functional>

#include "server/options.h"

namespace hubbub {

// Reads the options again (flags and config file), for SIGHUP.
using ReloadOptions = std::function<Result<Options>()>;

// 0 after a clean shutdown; 1 when the hub cannot start (the reason is logged).
// On SIGHUP the options are read again: the log level changes at once; other
// changes need a restart (logged); options that no longer parse are refused
// and the running ones kept.
int run_daemon(const Options& options, const ReloadOptions& reload);

}  // namespace hubbub
