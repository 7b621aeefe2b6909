#pragma once

#include <harness/client/cached_client.hpp>
#include <harness/client/client_pool.hpp>
#include <harness/config.hpp>
#include <harness/item_reader.hpp>
#include <harness/judge.hpp>
#include <harness/store.hpp>
#include <harness/types.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <vector>

namespace harness {

// Everything one run needs, resolved by the CLI.
struct RunPlan
{
  RunRecord run; // metadata; the id is assigned by the store
  std::vector<Item> items;
  // When set, the items are read from it instead, a window at a time, so that
  // a run holds only the items in progress (`items` is then empty).
  ItemSource item_source;
  EndpointConfig candidate;
  EndpointConfig judge_endpoint;
  const Judge* judge = nullptr;
  GenParams candidate_params; // endpoint defaults merged with the spec's generation
  // Pairwise protocols compare with a baseline: answers from another endpoint
  // (asked exactly like the candidate), or each item's references.
  std::optional<EndpointConfig> baseline;
  GenParams baseline_params;
  bool baseline_from_references = false;
  // Ad-hoc scoring: the model's answers are given (one list per item, one
  // answer per turn) instead of asked from the candidate.
  std::vector<std::vector<std::string>> given_answers;
  // Endpoints (by name) whose requests are not sent but deferred: collected
  // (RunOutcome::deferred) for a batch job, whose replies a later run finds
  // stored. A turn that waits for one has no verdict yet.
  std::set<std::string> deferred_endpoints;
  std::set<std::string> send_live; // requests (hashes) sent even so: a batch job failed them
};

// The requests of one role (candidate, baseline, judge): first asks sent to
// the server or answered from the store, and re-asks of judge replies that
// could not be read (sent or not).
struct RoleRequests
{
  long sent = 0;
  long cached = 0;
  long reasks = 0;
  long deferred = 0; // held for a batch job (RunPlan::deferred_endpoints)
};

// How far a run is. The units (README, "What the numbers count"): an item has
// turns; each turn is answered (candidate, and baseline for pairwise
// protocols) and judged; a request is one chat completion, an attempt one
// HTTP try of it.
struct RunProgress
{
  long turns_total = 0;     // so far, while totals_known is false
  bool totals_known = true; // false while the items are still being counted
  long turns_judged = 0;    // turns with a verdict row (rated, unreadable or failed)
  long units_total = 0;     // steps: answered turns (candidate, baseline) + judged turns
  long units_done = 0;
  long errors = 0;         // steps that ended in a request failure
  long turns_deferred = 0; // turns left for a batch job to answer (RunPlan::deferred_endpoints)
  long requests_sent = 0;
  long cache_hits = 0;
  double elapsed_s = 0;
  double requests_per_s = 0;                   // replies received over the last 10 s
  std::map<std::string, RoleRequests> by_role; // "candidate", "baseline", "judge"
};

struct RunOutcome
{
  std::int64_t run_id = 0;
  // complete | incomplete | interrupted, or not_started: stopped while
  // another process held the run (nothing sent, the run left as it was)
  std::string status;
  RunProgress progress;
  // Why the items could not all be read (item_source), if so: the run
  // stopped there and ended `interrupted`.
  std::optional<Error> read_error;
  long items_read = 0;         // items read (with or without turns)
  bool all_items_read = false; // the reader reached the end (not stopped, no error)
  // The requests deferred (RunPlan::deferred_endpoints), each once; the run
  // is incomplete while there are any.
  std::vector<client::DeferredRequest> deferred;
};

// The pipeline: for each item, turn 1 to the candidate; when an answer
// arrives it is stored, its turn is sent to the judge and the next turn
// (with the answers so far in context) to the candidate. Stored responses
// are reused instead of sent, so re-running resumes. Every verdict and
// failure is written as it happens. Runs the io_context until done.
class Runner
{
public:
  Runner(boost::asio::io_context& io, client::ClientPool& pool, Store& store);

  // `on_progress` is called every `interval` while running and once at the end.
  // The run's lease is taken first: while another live process holds it,
  // `on_wait(holder)` is called once and the runner waits for it.
  RunOutcome run(const RunPlan& plan, const std::function<void(const RunProgress&)>& on_progress,
                 std::chrono::milliseconds interval,
                 const std::function<void(const std::string&)>& on_wait = {});

  // Stops the run in progress (from a signal handler on the io_context's
  // thread): nothing more is sent, queued requests are dropped (not
  // recorded), requests on the wire may land for up to `grace`; the run
  // ends `interrupted`. With `force`, it ends at once.
  void stop(bool force, std::chrono::seconds grace = std::chrono::seconds(30));

  // The number of the run's items and of their turns, for the progress and
  // the run's record (a run that reads its items learns them from a check of
  // the whole file). On the io_context's thread; before or during run().
  void set_item_count(long items, long turns);

  // The request for turn `turn` (0-based) of `item` to `endpoint` (the
  // candidate or the baseline), given its answers to the earlier turns.
  static ChatRequest answer_request(const EndpointConfig& endpoint, const GenParams& params,
                                    const Item& item, size_t turn,
                                    const std::vector<std::string>& answers);

private:
  boost::asio::io_context& m_io;
  client::ClientPool& m_pool;
  Store& m_store;
  std::function<void()> m_stop;                      // set while a run is in progress
  std::function<void(long, long)> m_set_item_count;  // set while a run is in progress
  std::optional<std::pair<long, long>> m_item_count; // items, turns
  bool m_stopping = false;
  bool m_forced = false;
  std::chrono::steady_clock::time_point m_deadline;
};

} // namespace harness
