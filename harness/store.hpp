#pragma once

#include <harness/commit_thread.hpp>
#include <harness/error.hpp>
#include <harness/shared_texts.hpp>
#include <harness/text_ids.hpp>
#include <harness/types.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

struct sqlite3;

namespace harness {

class Statement;
class StatementCache;
class WalCheckpointer;

// One evaluation: a benchmark × candidate × judge with its resolved config.
// Re-running the same command finds the same run (by `key`) and resumes it.
struct RunRecord
{
  std::int64_t id = 0;
  std::string key; // SHA-256 of the run's semantic config
  std::string bench;
  std::string bench_version;
  std::string model;    // candidate endpoint name
  std::string model_id; // model id sent on the wire
  std::string judge;    // judge endpoint name
  std::string judge_model_id;
  std::string baseline;    // pairwise: baseline endpoint name, or "references"; else ""
  std::string protocol;    // e.g. "single"
  std::string rubric;      // judge prompt set name@version
  std::string config_json; // fully resolved config (no secrets)
  std::string evalrun_version;
  std::string status = "running"; // running | complete | incomplete
  std::string started_at;         // UTC ISO 8601
  std::string finished_at;
  bool demo = false;
  int items = 0;
};

// The outcome of judging one turn of one item.
struct VerdictRecord
{
  std::int64_t run_id = 0;
  std::string item_id;
  int turn = 0; // 1-based
  std::string category;
  std::string source; // the benchmark the item comes from
  // ok | parse_failed | out_of_range | judge_error | candidate_error
  std::string status;
  std::optional<double> score;
  std::string rubric;         // rubric name@version
  std::string prompt_id;      // judge prompt name
  std::string judge_model_id; // model id of the judge
  std::string judge_params;   // sampling params as JSON
  std::string position;       // the calls' position orders, joined by ","
  std::string winner;         // pairwise: model | baseline | tie
  std::string criteria_json;  // per-criterion scores as JSON ({} when none)
  std::string labels_json;    // per judge call, the label read, as a JSON list ([] when none)
  std::string meta_json;      // the item's metadata (FLASK skills, domain, difficulty) as JSON
  // The judge's reply (a JSON list of them for several calls). Stored empty
  // when it is the stored response of judge_hash (each text once); verdicts()
  // reads it back either way.
  std::string raw_judgment;
  std::string detail; // parse or error message
  std::string candidate_hash;
  std::string baseline_hash; // pairwise: the baseline's answer (a stored response), if any
  // The judge calls' requests, comma-separated: read back from the judge
  // calls recorded with the verdict (put_judge_call), not stored by
  // put_verdict.
  std::string judge_hash;
  std::string system_message_id;
  // The characters of the candidate's and the baseline's answers judged, when
  // they are stored (read back, never written; -1 when not).
  long candidate_chars = -1;
  long baseline_chars = -1;
};

// One judge call behind a verdict (pairwise has two, absolute one per rubric).
struct JudgeCallRecord
{
  std::int64_t run_id = 0;
  std::string item_id;
  int turn = 0;
  int call_index = 0;
  int attempt = 0; // 0, then 1.. for re-samples after a parse failure
  std::string position;
  std::string prompt_id;
  std::string request_hash;
  std::string status; // ok | parse_failed | out_of_range | request_error
  std::optional<double> value;
  std::string label;
  // The reply, stored empty when it is the stored response of request_hash
  // (judge_calls() reads it back); a failed request's error message.
  std::string raw;
};

// A batch job (run --batch) that answers a run's deferred requests to one
// endpoint: recorded before it is submitted, so that a run stopped at any
// step finds it again instead of submitting a second one.
struct BatchRecord
{
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  std::string endpoint; // the endpoint's identity()
  long requests = 0;
  std::string input_file; // the server's id of the uploaded input file, once uploaded
  std::string remote_id;  // the server's batch id, once created
  // prepared | the server's status (validating, in_progress, ..., completed,
  // failed, expired, cancelled) | ingested (its replies are stored)
  std::string status = "prepared";
  std::string detail; // why it failed, the counts
};

// A failed request, after its retries.
struct ErrorRecord
{
  std::int64_t run_id = 0;
  std::string role; // candidate | judge
  std::string request_hash;
  std::string item_id;
  int turn = 0;
  Error error;
  std::string endpoint; // the identity() of the endpoint that refused it
};

// The SQLite store (WAL). Every put_* is its own transaction, or part of the
// caller's Transaction (a verdict and its judge calls are one), so a crash
// loses at most the unit in progress. Responses are keyed by request hash
// and double as the cache. Not thread-safe; use from one thread.
class Store
{
public:
  // read_only: reads what is there when opened (without a write-ahead log,
  // immutable: no -wal or -shm file appears). read_live: reads, and sees
  // what other processes commit later (a viewer left open).
  enum class Access { read_write, read_only, read_live };

  // Opens or creates the database; throws Fatal naming the file on failure.
  // A file that is not an evalrun database, or has a newer schema, is refused
  // before anything in it is changed; an older schema is upgraded once, under
  // an exclusive lock (other processes wait for it). Read-only access
  // (reports) changes nothing and needs no write permission.
  explicit Store(const std::filesystem::path& path, Access access = Access::read_write);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // A transaction (an SQLite savepoint, so they nest): commit() makes its
  // writes durable; leaving the scope without commit() rolls them back, and
  // never throws, so the error that caused it is the one that propagates.
  class Transaction
  {
  public:
    explicit Transaction(Store& store);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

  private:
    Store& m_store;
    bool m_open = true;
    // Under group commit: the writes queued before this one began.
    size_t m_pending_mark = 0;
    size_t m_responses_mark = 0;
  };

  // The database file (":memory:" for one in memory).
  const std::filesystem::path& path() const { return m_path; }

  // Replaces this store's contents with a copy of the database at `path`
  // (opened read-only; its WAL included): a dry run works on the copy of an
  // in-memory store (":memory:") and leaves the file untouched. Throws Fatal.
  void copy_from(const std::filesystem::path& path);

  // Inserts the run, or finds the one with the same key and marks it
  // running again (resume). Returns its id.
  std::int64_t begin_run(const RunRecord& run);

  // begin_run for a process that will do the run's work: it takes the run's
  // lease as `owner` ("host:pid") unless another live process holds it.
  // `holder_alive(owner, heartbeat)` says whether a recorded holder (with its
  // last heartbeat, Unix seconds) still runs. held_by is that holder when
  // the lease was not taken (nothing is changed then).
  struct Claim
  {
    std::int64_t run_id = 0;
    std::string held_by;
  };
  Claim claim_run(const RunRecord& run, const std::string& owner,
                  const std::function<bool(const std::string&, std::int64_t)>& holder_alive);
  // Records that `owner` still holds the run's lease (its heartbeat).
  void renew_lease(std::int64_t run_id, const std::string& owner);
  // Records the run's status (complete, incomplete, interrupted) and releases its lease.
  void finish_run(std::int64_t run_id, const std::string& status);
  // Records how many items a run has (a run reading its items counts them as it goes).
  void set_run_items(std::int64_t run_id, long items);
  // Lets go of what the store keeps in memory to write faster (the ids of
  // texts stored lately), e.g. once a run is over and before a report.
  void drop_caches();
  // Copies what the evalrun database at `source` holds into this one, in one
  // transaction: every stored request with its response (a request stored
  // here already keeps its own), the judge setups and system messages, and
  // the verdicts, judge calls and errors of each source run named in `runs`
  // (its id there -> the id here of the run they then belong to). A turn
  // this store has a verdict for already, in the same run, is refused (the
  // databases overlap): Fatal naming `source`, and nothing is changed.
  // `source` is only read, and must have this build's schema.
  void merge_from(const std::filesystem::path& source,
                  const std::map<std::int64_t, std::int64_t>& runs);
  // Records a new batch job (committed at once); its id.
  std::int64_t add_batch(const BatchRecord& batch);
  // Records a batch job's progress (committed at once).
  void update_batch(const BatchRecord& batch);
  // The batch jobs of a run to an endpoint (identity) not yet ingested,
  // oldest first.
  std::vector<BatchRecord> open_batches(std::int64_t run_id, const std::string& endpoint);
  // Removes a run and what was recorded for it (verdicts, judge calls,
  // errors); the responses it received stay, as the cache of later runs.
  void delete_run(std::int64_t run_id);

  // The stored response for a request hash, if any (marked from_cache).
  std::optional<Response> find_response(const std::string& request_hash);
  // `shared_texts`: as for CachedClient::fetch().
  void put_response(const std::string& request_hash, const ChatRequest& request,
                    const Response& response,
                    const std::vector<std::string_view>& shared_texts = {});
  // The same, with the request's semantics JSON (the model named in it)
  // already made, and split into pieces (split_shared_texts()): each piece is
  // stored as a text once, however many requests share it.
  void put_response(const std::string& request_hash, std::string semantics,
                    std::vector<TextPiece> pieces, const Response& response);
  // A stored request's semantics JSON (what its hash is the SHA-256 of),
  // put together from its pieces; nullopt when no such request is stored.
  std::optional<std::string> request_semantics(const std::string& request_hash);

  // Claims on requests about to be sent, so that processes sharing the
  // database send each request once (one transaction for all of them): per
  // hash, `stored` (its response is in the database now), `mine` (claimed,
  // or taken over from a holder that is gone: send it) or `held` (another
  // live process is sending it: wait for its response). put_response()
  // releases a claim with the response it stores; release_claim() without.
  enum class ClaimState { stored, mine, held };
  std::vector<ClaimState>
  claim_requests(const std::vector<std::string>& hashes, const std::string& owner,
                 const std::function<bool(const std::string&, std::int64_t)>& holder_alive);
  void release_claim(const std::string& request_hash);
  // Records that `owner` still holds its claims.
  void renew_claims(const std::string& owner);

  void put_error(const ErrorRecord& error);
  // Records system messages by id (first text kept), in one transaction.
  void put_system_messages(const std::vector<SystemMessage>& messages);
  std::optional<std::string> system_message_text(const std::string& id);
  void put_verdict(const VerdictRecord& verdict);
  void put_judge_call(const JudgeCallRecord& call);
  std::vector<JudgeCallRecord> judge_calls(std::int64_t run_id);

  std::vector<RunRecord> runs();

  // Browsing a run (evalrun view): a page of its verdicts matching a filter,
  // in item order (ids that are whole numbers first, by value, then the
  // others), then turn order; read with paged queries (never the whole run).
  struct VerdictFilter
  {
    // "" (any), a status, "errors" (judge_error, candidate_error) or
    // "unreadable" (parse_failed, out_of_range).
    std::string status;
    std::string category; // "" (any)
    std::string source;   // "" (any)
    // "" (any), else found, ignoring ASCII case, in the item id, the
    // verdict's detail, the candidate's answer or a judge call's reply.
    std::string text;
    std::string item_id; // "" (any), else this item only
    int turn = 0;        // 0 (any), else this turn only
    long offset = 0;
    long limit = 50; // -1: every one
  };
  struct VerdictPage
  {
    long total = 0; // verdicts matching, on every page
    // Each with every field but raw_judgment (the judge calls hold the replies).
    std::vector<VerdictRecord> rows;
  };
  VerdictPage verdict_page(std::int64_t run_id, const VerdictFilter& filter);
  // How many of a run's verdicts have each value of `column` (status,
  // category or source), most first.
  enum class VerdictColumn { status, category, source };
  std::vector<std::pair<std::string, long>> verdict_counts(std::int64_t run_id,
                                                           VerdictColumn column);
  // A run's judge calls: all, those that re-asked (attempt > 0), and the
  // turns with any re-ask.
  struct JudgeCallCounts
  {
    long calls = 0;
    long resampled = 0;
    long resampled_turns = 0;
  };
  JudgeCallCounts judge_call_counts(std::int64_t run_id);
  // The judge calls of one turn, re-samples included, in call and attempt order.
  std::vector<JudgeCallRecord> judge_calls(std::int64_t run_id, const std::string& item_id,
                                           int turn);
  // A run's verdicts. With VerdictColumns::all, every field, raw_judgment
  // holding the judge's replies (read back from the responses); with
  // for_reports only what reports read (item, turn, category, source,
  // status, score, winner, criteria, labels, position, meta, candidate and
  // baseline hashes, the answers' lengths), the other strings empty: a report
  // over 100k verdicts reads no response and holds less.
  enum class VerdictColumns { all, for_reports };
  std::vector<VerdictRecord> verdicts(std::int64_t run_id,
                                      VerdictColumns columns = VerdictColumns::all);
  // The stored response text for a request hash, if any.
  std::optional<std::string> response_text(const std::string& request_hash);
  long count_errors(std::int64_t run_id);
  // Whether any request was ever refused as over a server's context (a run
  // looks for such refusals only then).
  bool any_context_exceeded();
  // The refusal of request `request_hash` (hex) as over the context by the
  // endpoint of identity `endpoint`, if one is stored: not worth sending
  // again to the same endpoint.
  std::optional<Error> context_exceeded(const std::string& request_hash,
                                        const std::string& endpoint);
  long count_responses();
  // The candidate answers behind a run's verdicts (each turn's, once), and
  // how many of them the server cut short (finish_reason "length": at
  // max_tokens, or at the end of its context).
  struct AnswerEnds
  {
    long answers = 0;
    long cut_short = 0;
  };
  AnswerEnds answer_ends(std::int64_t run_id);
  // The tokens of the requests behind a run's verdicts, per role: the
  // candidate's answers, the baseline's (when it is an endpoint's) and the
  // judge's calls, each request once, whether this run sent it or found it
  // stored; requests that failed have none.
  struct RoleTokens
  {
    long requests = 0;
    long prompt = 0;
    long completion = 0;
  };
  struct RunTokens
  {
    RoleTokens candidate, baseline, judge;
  };
  RunTokens tokens(std::int64_t run_id);
  // Who answered a run's requests as the replies said (their `model` and
  // `system_fingerprint`, "" when a reply had none), with how many requests
  // each: the candidate's answers or the judge's calls, each request once.
  struct ServedBy
  {
    std::string model;
    std::string fingerprint;
    long requests = 0;
  };
  enum class Role { candidate, baseline, judge };
  std::vector<ServedBy> served_by(std::int64_t run_id, Role role);

  // Group commit (a run turns it on): put_response, put_error, put_verdict
  // and put_judge_call are kept in memory and written together in one
  // transaction once `max_writes` are waiting or the oldest has waited
  // `max_age` (checked at each write outside a Transaction and by
  // flush_if_due()), before any other write or read but find_response and
  // response_text (which see them), and by flush(). A Transaction's writes
  // are always in one batch, or dropped together. A process killed loses
  // the writes not yet committed: their requests are sent again next time.
  // A database file's batches are committed on a thread of their own (a
  // CommitThread), through a connection of its own, while the next batch
  // gathers; one in memory commits them on this thread.
  void group_commit(size_t max_writes, std::chrono::milliseconds max_age);
  // Writes everything waiting now, in one transaction, and returns once it
  // is committed. Throws Fatal (as well for a batch committed before).
  void flush();
  // Starts committing the batch when it is due (and no Transaction is open).
  void flush_if_due();

private:
  // A verdict from a row of k_verdict_columns (all but its judge hash), and a
  // judge call from a row of k_judge_call_columns.
  static VerdictRecord read_verdict(Statement& row, std::int64_t run_id);
  static JudgeCallRecord read_judge_call(Statement& row, std::int64_t run_id);

  // A real transaction taken at once even under group commit (whose waiting
  // writes are flushed first): a run's lease and request claims, which other
  // processes must see before this one acts on them.
  class DirectTransaction
  {
  public:
    explicit DirectTransaction(Store& store);
    ~DirectTransaction();
    DirectTransaction(const DirectTransaction&) = delete;
    DirectTransaction& operator=(const DirectTransaction&) = delete;
    void commit();

  private:
    Store& m_store;
    size_t m_grouped = 0;
    std::optional<Transaction> m_unit;
  };

  // A batched write: queued under group commit, else done at once.
  void write(BatchedWrite writer);
  // This store's own connection, for the writes done on this thread.
  WriteConnection own_connection();
  // Commits the waiting writes on this thread, through own_connection().
  void commit_here();
  // Hands the waiting writes to the commit thread (once its batch is done).
  void hand_over();
  // Waits for the commit thread's batch; forgets the responses it stored
  // (the database has them now); rethrows its failure.
  void settle();
  void exec(const char* sql);
  // 2: verdicts.labels and baseline_hash; 3: runs.lease_owner and
  // lease_heartbeat; 4: claims; 5: texts stored once (requests and responses
  // in one table, a request's semantics as pieces), hashes as bytes; 6:
  // verdicts and judge calls name requests by id, a verdict's judge setup is
  // a row of judge_setups, requests without their model (in the semantics),
  // texts found by 32 bits of their hash. 7: errors.endpoint; 8: requests'
  // served model and fingerprint; 9: batches.
  static constexpr int k_schema_version = 9;
  // The schema version after checking that the file is an evalrun database
  // (or empty); throws Fatal otherwise, or when it is newer than this build.
  int check_schema();
  bool has_table(const char* name);
  // PRAGMA journal_mode=WAL, asked again while another process holds the lock.
  void use_write_ahead_log();
  // Brings the schema to this build's version (exclusive lock; idempotent).
  void migrate();
  // The upgrade to schema 5: requests and responses of schema 4 (renamed
  // requests_v4, responses_v4) into requests and texts, hashes into bytes.
  void store_texts_once();
  // The upgrade to schema 6: verdicts and judge calls of schema 5 (renamed
  // verdicts_v5, judge_calls_v5) naming requests by id, judge setups once.
  void name_requests_by_id();
  // The id of the judge setup of `verdict`, stored now if it is not yet.
  std::int64_t judge_setup_id(WriteConnection& c, const VerdictRecord& verdict);
  // Inserts (or, for a request stored before, replaces the response of) one
  // request and its response; `hash` in hex, the pieces into `semantics`.
  void insert_request(WriteConnection& c, const std::string& hash, const std::string& semantics,
                      const std::vector<TextPiece>& pieces, const Response& response,
                      const std::string& top_logprobs_json,
                      std::int64_t created_at); // Unix seconds
  // Throws Fatal unless the update just stepped changed a row (the insert
  // before it having been ignored): nothing is dropped silently.
  void stored_or_fail(WriteConnection& c, const char* what);
  // The id of the stored text `body`, stored now if it is not yet.
  std::int64_t text_id(WriteConnection& c, std::string_view body);
  sqlite3* m_db = nullptr;
  std::unique_ptr<StatementCache> m_statements;
  std::unique_ptr<WalCheckpointer> m_checkpointer; // read-write stores only
  std::filesystem::path m_path;
  int m_depth = 0; // open Transactions

  // Group commit (see group_commit()): off while max_writes is 0.
  size_t m_max_writes = 0;
  std::chrono::milliseconds m_max_age{0};
  std::vector<BatchedWrite> m_pending;            // writers, in order
  std::chrono::steady_clock::time_point m_oldest; // of m_pending
  std::unique_ptr<CommitThread> m_committer;      // a file's, under group commit
  std::uint64_t m_batch = 0;                      // the number of the batch gathering
  // Responses written but maybe not committed yet, by request hash, with
  // the number of their batch: the one gathering (in order), or the one
  // the commit thread has.
  struct PendingResponse
  {
    std::shared_ptr<const Response> response; // shared with its write
    std::uint64_t batch = 0;
  };
  std::unordered_map<std::string, PendingResponse> m_pending_responses;
  std::vector<std::string> m_pending_response_order;
  std::vector<std::string> m_committing_responses;

  // Ids of texts stored or found lately (forgotten with a transaction rolled back).
  TextIds m_text_ids;
};

} // namespace harness
