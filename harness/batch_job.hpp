#pragma once

#include <harness/client/batch_api.hpp>
#include <harness/client/cached_client.hpp>
#include <harness/client/http.hpp>
#include <harness/config.hpp>
#include <harness/store.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace harness {

struct BatchJobSettings
{
  std::chrono::milliseconds poll_interval{30'000};
  // Called with the job as the server describes it, at each change.
  std::function<void(const client::batch_api::Batch&)> on_status;
  // The signal that asks to stop waiting (SIGINT...), or 0: looked at
  // between the steps and while waiting (StopSignals::caught).
  std::function<int()> stop_signal = [] {
    return 0;
  };
};

struct BatchJobOutcome
{
  std::string batch_id; // the server's
  bool resumed = false; // a job recorded by an earlier run, not a new one
  long answered = 0;    // replies stored as the responses of their requests
  // Requests the job failed or left without a line (their hashes): asked again.
  std::vector<std::string> failed;
  long missing = 0;   // requests the job did not hold (one resumed): asked again
  long unmatched = 0; // replies to requests no longer asked (answered meanwhile): ignored
  int signal = 0;     // stopped by SIGINT, SIGTERM or SIGHUP while waiting: the job stays recorded
};

// Answers `requests` (all deferred to `endpoint`) with an OpenAI batch job:
// the one recorded for this run and endpoint that is not yet ingested (a run
// stopped while it waited), else a new one, recorded in the store before
// each step (the input file uploaded, the job created), so that no step is
// done twice. Waits for the job (GET every poll_interval), then stores each
// reply as the response of its request (the custom_id is the request hash)
// in one transaction and marks the job ingested. Throws Fatal when the server
// refuses the job itself (the upload, the creation, a failed validation).
BatchJobOutcome answer_by_batch(Store& store, client::Transport& transport,
                                const EndpointConfig& endpoint, const std::string& api_key,
                                std::int64_t run_id,
                                const std::vector<client::DeferredRequest>& requests,
                                const BatchJobSettings& settings);

} // namespace harness
