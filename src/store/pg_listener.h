#pragma once
// The listening session of a PostgreSQL node: LISTEN on k_pg_work_channel
// over a connection of its own, on a thread of its own. Each notification
// another node's writer sent (store/pg_writer.h) is handed to `hint` with
// its mask of work kinds; the node's own writer's are skipped (its services
// were woken in-process). A hint is only a hint: a lost session loses what
// was sent meanwhile, so after every reconnect `hint` gets every kind, and
// the services keep polling anyway. A broken session is opened again with
// backoff (k_pg_reconnect_min doubling to k_pg_reconnect_max), and an idle
// one is checked every k_pg_listener_check, so a cut network is noticed.

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace hubbub {

class PgListener {
 public:
  using Hint = std::function<void(unsigned work)>;

  // Starts listening. `own_pid` gives the backend pid whose notifications
  // are this node's own (0: none).
  PgListener(std::string uri, std::string application, std::function<int()> own_pid, Hint hint);
  ~PgListener();
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

  // Stops the thread; `hint` is not called once this returns.
  void stop();
  // Whether the session is listening now (for /metrics).
  bool listening() const { return m_listening.load(); }

 private:
  void loop();
  // Waits until `fd` is readable, the stop pipe is, or `timeout_ms` passes;
  // false when stopping.
  bool wait(int fd, int timeout_ms);

  const std::string m_uri;
  const std::string m_application;
  std::function<int()> m_own_pid;
  Hint m_hint;
  int m_stop_pipe[2] = {-1, -1};
  std::atomic<bool> m_listening{false};
  std::thread m_thread;
};

}  // namespace hubbub
