#pragma once

#include <harness/client/client_pool.hpp>
#include <harness/database_sharing.hpp>
#include <harness/store.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

namespace harness::client {

// The client pool behind the store: a request whose response is stored is
// answered from the store (asynchronously, like a sent one) and never sent;
// a sent request's response is committed before `done` runs. Requests to
// send are first claimed in the store, a few milliseconds' worth at a time,
// so that processes sharing a database send each request once: one that
// another live process is sending waits for its response (checked every
// 250 ms) and is sent only if that process gives up or dies. While no other
// process uses the database (DatabaseSharing), nothing is claimed: requests
// are sent at once; when one arrives, what is in flight is claimed and the
// database shared before it sends anything. Same threading rules as
// ClientPool.
// A request not sent but held for a batch job (CachedClient::defer).
struct DeferredRequest
{
  std::string hash; // hex SHA-256 of `semantics`
  ChatRequest request;
  std::string semantics;
  std::vector<TextPiece> pieces; // of semantics
};

class CachedClient
{
public:
  using Done = std::function<void(const std::string& request_hash, Result<Response>)>;

  // `owner` names this process in the store's claims (process_owner()).
  CachedClient(boost::asio::io_context& io, ClientPool& pool, Store& store, std::string owner);

  // Answers `request` from the store, or sends it. `shared_texts` are texts
  // the request embeds that others embed too (the item's question, the
  // answers a judge prompt quotes): stored once (Store::put_response). They
  // are only read during the call.
  void fetch(ChatRequest request, Done done,
             const std::vector<std::string_view>& shared_texts = {});

  // Ends every request not yet sent (waiting to be claimed, or for another
  // process) with a `cancelled` error; those already sent are the pool's.
  void cancel_waiting();

  // Requests to the endpoints named here that the store cannot answer are
  // not sent: each is kept (once per hash) for a batch job, and answered at
  // once with a `deferred` Error; but those of `send_live` (hashes) are sent.
  void defer(std::set<std::string> endpoints, std::set<std::string> send_live = {})
  {
    m_defer = std::move(endpoints);
    m_send_live = std::move(send_live);
  }
  // The requests deferred so far, taken out of the client.
  std::vector<DeferredRequest> take_deferred();
  long deferred() const { return m_deferred_count; }

  long requests_sent() const { return m_sent; }
  long cache_hits() const { return m_hits; }
  // Requests not sent because the same endpoint refused them before as over
  // its context (answered with that refusal).
  long refused_before() const { return m_refused_before; }

private:
  struct Waiting
  {
    ChatRequest request;
    std::string hash;
    std::string semantics;
    std::vector<TextPiece> pieces; // of semantics
    Done done;
  };
  void answer_from_store(Waiting& w, Response response);
  // Answers `w` with the refusal stored for its endpoint, if there is one.
  bool refused_before(Waiting& w);
  void claim_waiting();
  void send(Waiting w);
  void schedule_claims(std::chrono::milliseconds delay);
  // Alone: lets an arriving process in, at most every few milliseconds
  // (`now`: whatever the time since the last look).
  void watch_arrivals(bool now = false);
  // Alone, with requests in flight: looks for arrivals every so often even
  // while nothing is fetched or answered.
  void schedule_watch();

  boost::asio::io_context& m_io;
  ClientPool& m_pool;
  Store& m_store;
  std::string m_owner;
  std::vector<Waiting> m_to_claim; // claimed together when m_claim_timer fires
  boost::asio::steady_timer m_claim_timer;
  bool m_claim_scheduled = false;
  DatabaseSharing m_sharing;
  std::unordered_set<std::string> m_sent_unclaimed; // sent while alone, not yet answered
  std::chrono::steady_clock::time_point m_watched;  // the last look for arrivals
  boost::asio::steady_timer m_watch_timer;
  bool m_watch_scheduled = false;
  long m_sent = 0;
  long m_hits = 0;
  long m_refused_before = 0;
  bool m_refusals_stored = false;    // any request refused as over a context, ever
  std::set<std::string> m_defer;     // endpoint names
  std::set<std::string> m_send_live; // request hashes
  std::vector<DeferredRequest> m_deferred;
  std::unordered_set<std::string> m_deferred_hashes;
  long m_deferred_count = 0; // fetches answered `deferred`
};

} // namespace harness::client
