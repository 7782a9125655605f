#include "store/pg_listener.h"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>

#include "store/pg_connection.h"
#include "util/log_text.h"
#include "util/thread_name.h"
#include "websub/limits.h"
#include "websub/store.h"

namespace hubbub {

PgListener::PgListener(std::string uri, std::string application, std::function<int()> own_pid, Hint hint)
    : m_uri(std::move(uri)),
      m_application(std::move(application)),
      m_own_pid(std::move(own_pid)),
      m_hint(std::move(hint)) {
  if (pipe2(m_stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    m_stop_pipe[0] = m_stop_pipe[1] = -1;
  }
  m_thread = std::thread([this] {
    name_this_thread("hub-pg-listen");
    loop();
  });
}

PgListener::~PgListener() {
  stop();
  for (int fd : m_stop_pipe) {
    if (fd >= 0) {
      close(fd);
    }
  }
}

void PgListener::stop() {
  if (m_stop_pipe[1] >= 0) {
    const char byte = 1;
    (void)!write(m_stop_pipe[1], &byte, 1);
  }
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

bool PgListener::wait(int fd, int timeout_ms) {
  pollfd fds[2] = {{m_stop_pipe[0], POLLIN, 0}, {fd, POLLIN, 0}};
  const int n = poll(fds, fd >= 0 ? 2 : 1, timeout_ms);
  return !(n > 0 && (fds[0].revents & POLLIN) != 0);
}

void PgListener::loop() {
  std::optional<PgConnection> db;
  std::chrono::milliseconds backoff{0};
  bool heard_before = false;
  auto idle_since = std::chrono::steady_clock::now();
  for (;;) {
    if (!db || !db->healthy()) {
      m_listening = false;
      db.reset();
      if (backoff.count() > 0 && !wait(-1, static_cast<int>(backoff.count()))) {
        return;
      }
      auto connected = PgConnection::connect(m_uri, m_application);
      Status listened = connected ? connected->exec_script(std::string("LISTEN ") + k_pg_work_channel)
                                  : Status(std::unexpected(connected.error()));
      if (!listened) {
        backoff = std::clamp(backoff * 2, std::chrono::milliseconds{k_pg_reconnect_min},
                             std::chrono::milliseconds{k_pg_reconnect_max});
        spdlog::warn("event=listen_failed retry_ms={} error={}", backoff.count(), log_quoted(listened.error().message));
        continue;
      }
      db.emplace(std::move(*connected));
      backoff = std::chrono::milliseconds{0};
      m_listening = true;
      idle_since = std::chrono::steady_clock::now();
      if (heard_before) {
        // Whatever was announced while the session was down is lost.
        spdlog::info("event=listening_again");
        m_hint(Coordination::all_work);
      }
      heard_before = true;
    }
    const int socket = PQsocket(db->handle());
    const auto check_in = std::chrono::duration_cast<std::chrono::milliseconds>(
        k_pg_listener_check - (std::chrono::steady_clock::now() - idle_since));
    if (!wait(socket, static_cast<int>(std::max(check_in.count(), std::int64_t{0})))) {
      return;
    }
    if (std::chrono::steady_clock::now() - idle_since >= k_pg_listener_check) {
      // Quiet for a while: make sure the session is still there.
      (void)db->exec_script("SELECT 1");
      idle_since = std::chrono::steady_clock::now();
    }
    if (PQconsumeInput(db->handle()) == 0) {
      spdlog::warn("event=listen_lost error={}", log_quoted(PQerrorMessage(db->handle())));
      db.reset();
      continue;
    }
    unsigned work = 0;
    const int own = m_own_pid ? m_own_pid() : 0;
    while (PGnotify* n = PQnotifies(db->handle())) {
      if (n->be_pid != own) {
        work |= static_cast<unsigned>(std::strtoul(n->extra, nullptr, 10));
      }
      PQfreemem(n);
    }
    if (work != 0) {
      idle_since = std::chrono::steady_clock::now();
      m_hint(work);
    }
  }
}

}  // namespace hubbub
