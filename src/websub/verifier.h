#pragma once
// The background verifier: takes pending subscription requests from the store,
// validates them against the operator's policy (denying with a
// hub.mode=denied GET), verifies intent with a challenge GET, and records the
// outcome. Verifications run concurrently through the HttpClient, so one slow
// callback holds up nothing but itself; transient failures are retried with
// exponential backoff, and everything survives a restart because the queue is
// the store.

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "net/http_client.h"
#include "util/clock.h"
#include "websub/access_policy.h"
#include "websub/backoff.h"
#include "websub/hub_metrics.h"
#include "websub/job_loop.h"
#include "websub/limits.h"
#include "websub/model.h"
#include "websub/pending_verifications.h"
#include "websub/store.h"
#include "websub/unsaved_outcomes.h"

namespace hubbub {

struct VerifierSettings {
  std::size_t max_in_flight = k_max_verifications_in_flight;
  std::size_t max_per_origin = k_max_verifications_per_origin;  // 0: no limit
  std::uint32_t max_attempts = static_cast<std::uint32_t>(k_default_verification_attempts);
  Millis retry_base = k_default_retry_base;
  Millis timeout = k_default_outbound_timeout;
  Millis claim = k_verification_claim;
  // How long a renewal that changes the secret keeps the replaced one
  // signing too (RequestCompletion::secret_grace; 0: not kept).
  Millis secret_grace = k_default_secret_grace;
  HubMetrics* metrics = nullptr;  // counted when set; must outlive the service
  // Requests waiting for verification, counted out as they settle (may be
  // null); must outlive the service.
  PendingVerifications* pending = nullptr;
};

class Verifier {
 public:
  // All references must outlive the Verifier.
  Verifier(VerificationQueue& store, HttpClient& http, const AccessPolicy& policy, const Clock& clock,
           VerifierSettings settings);
  ~Verifier();
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  void start() { m_loop.start(); }
  // New work may be due (called after a request is committed). Thread-safe.
  void wake() { m_loop.wake(); }
  // Stops claiming, then waits up to `grace` for verifications in flight.
  // Returns how many are still in flight; the caller stops the HttpClient
  // (which cancels them) and then calls wait_idle().
  std::size_t stop(Millis grace) { return m_loop.stop(grace); }
  void wait_idle() { m_loop.wait_idle(); }
  bool running() const { return m_loop.running(); }
  // The base of the retry backoff from now on (SIGHUP). Thread-safe.
  void set_retry_base(Millis base) { m_backoff.set_base(base); }

 private:
  Result<std::size_t> claim(std::size_t free);
  void begin(const RequestRecord& request);
  void deny(const RequestRecord& request, const std::string& reason);
  void on_verification(const RequestRecord& request, const std::string& challenge, TimePoint sent_at,
                       HttpResult result);
  // Records how `request` ended, and counts it out of the pending ones.
  void settle(const RequestRecord& request, RequestCompletion completion);
  // Writes outcomes whose first write failed (a full or locked database),
  // so they are recorded as soon as the store takes writes again instead of
  // when their claim lapses.
  void save_unsaved();
  void reschedule(const RequestRecord& request, const std::string& error);
  void count(const RequestRecord& request, const char* outcome, TimePoint sent_at, TimePoint now);
  // The job of `request` is over: its origin's slot is free again.
  void job_done(const RequestRecord& request);
  void record_failure(const RequestRecord& request, const char* outcome, std::optional<long> status,
                      const std::string& reason, TimePoint now);

  VerificationQueue& m_store;
  HttpClient& m_http;
  const AccessPolicy& m_policy;
  const Clock& m_clock;
  VerifierSettings m_settings;

  Backoff m_backoff;
  UnsavedOutcomes<RequestCompletion> m_unsaved;
  std::mutex m_origins_mutex;
  std::map<std::string, std::size_t> m_running_per_origin;    // guarded by m_origins_mutex
  std::chrono::steady_clock::time_point m_next_full_claim{};  // loop thread only
  JobLoop m_loop;                                             // last: its thread uses everything above
};

}  // namespace hubbub
