#include <harness/client/cached_client.hpp>
#include <harness/client/openai_wire.hpp>
#include <harness/process_owner.hpp>
#include <harness/request_hash.hpp>

#include <boost/asio/post.hpp>

#include <memory>

namespace harness::client {

namespace {

// How long requests gather before they are claimed together, and how often a
// request another process is sending is looked for again.
constexpr std::chrono::milliseconds k_claim_batch{10};
constexpr std::chrono::milliseconds k_recheck{250};
// How often a process alone looks for another arriving: at each request sent
// or answered at most this often, and this often while requests are in flight.
constexpr std::chrono::milliseconds k_watch{5};
constexpr std::chrono::milliseconds k_watch_idle{50};

} // namespace

CachedClient::CachedClient(boost::asio::io_context& io, ClientPool& pool, Store& store,
                           std::string owner)
    : m_io(io), m_pool(pool), m_store(store), m_owner(std::move(owner)), m_claim_timer(io),
      m_sharing(store.path()), m_watch_timer(io), m_refusals_stored(store.any_context_exceeded())
{}

void
CachedClient::fetch(ChatRequest request, Done done,
                    const std::vector<std::string_view>& shared_texts)
{
  // The semantics are serialised once: hashed for the cache key, and stored.
  std::string semantics = openai_wire::semantics_json(request);
  std::string hash = sha256_hex(semantics);
  Waiting w{std::move(request), std::move(hash), std::move(semantics), {}, std::move(done)};
  if (auto cached = m_store.find_response(w.hash)) {
    answer_from_store(w, std::move(*cached));
    return;
  }
  if (refused_before(w)) {
    return;
  }
  w.pieces = split_shared_texts(w.semantics, shared_texts);
  if (m_defer.contains(w.request.endpoint) && !m_send_live.contains(w.hash)) {
    ++m_deferred_count;
    if (m_deferred_hashes.insert(w.hash).second) {
      m_deferred.push_back(DeferredRequest{w.hash, std::move(w.request), std::move(w.semantics),
                                           std::move(w.pieces)});
    }
    boost::asio::post(m_io, [done = std::move(w.done), hash = std::move(w.hash)]() mutable {
      done(hash, Error{Error::Kind::deferred, "held for a batch job"});
    });
    return;
  }
  watch_arrivals();
  if (m_sharing.state() == DatabaseSharing::State::alone) {
    send(std::move(w)); // no other process to tell
    return;
  }
  m_to_claim.push_back(std::move(w));
  schedule_claims(k_claim_batch);
}

void
CachedClient::watch_arrivals(bool now)
{
  if (m_sharing.state() != DatabaseSharing::State::alone) {
    return;
  }
  const auto time = std::chrono::steady_clock::now();
  if (!now && time - m_watched < k_watch) {
    return;
  }
  m_watched = time;
  if (!m_sharing.someone_arriving()) {
    return;
  }
  // What the arriving process must not send again: the responses received
  // (committed now), and the requests in flight (claimed now).
  m_store.flush();
  if (!m_sent_unclaimed.empty()) {
    m_store.claim_requests({m_sent_unclaimed.begin(), m_sent_unclaimed.end()}, m_owner,
                           owner_alive);
    m_sent_unclaimed.clear();
  }
  m_sharing.share();
}

void
CachedClient::schedule_watch()
{
  if (m_watch_scheduled) {
    return;
  }
  m_watch_scheduled = true;
  m_watch_timer.expires_after(k_watch_idle);
  m_watch_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) {
      return; // cancelled, perhaps with this client gone: touch nothing
    }
    m_watch_scheduled = false;
    watch_arrivals(true);
    if (m_sharing.state() == DatabaseSharing::State::alone && !m_sent_unclaimed.empty()) {
      schedule_watch();
    }
  });
}

void
CachedClient::answer_from_store(Waiting& w, Response response)
{
  ++m_hits;
  boost::asio::post(m_io, [done = std::move(w.done), hash = w.hash,
                           r = std::move(response)]() mutable { done(hash, std::move(r)); });
}

bool
CachedClient::refused_before(Waiting& w)
{
  if (!m_refusals_stored) {
    return false;
  }
  auto refusal = m_store.context_exceeded(w.hash, m_pool.endpoint(w.request.endpoint).identity());
  if (!refusal) {
    return false;
  }
  ++m_refused_before;
  boost::asio::post(m_io, [done = std::move(w.done), hash = w.hash,
                           e = std::move(*refusal)]() mutable { done(hash, std::move(e)); });
  return true;
}

void
CachedClient::schedule_claims(std::chrono::milliseconds delay)
{
  if (m_claim_scheduled) {
    return;
  }
  m_claim_scheduled = true;
  m_claim_timer.expires_after(delay);
  m_claim_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) {
      return; // cancelled, perhaps with this client gone: touch nothing
    }
    m_claim_scheduled = false;
    claim_waiting();
  });
}

void
CachedClient::claim_waiting()
{
  if (m_sharing.state() == DatabaseSharing::State::arriving && !m_sharing.try_arrive()) {
    schedule_claims(k_claim_batch); // the process alone has not let this one in yet
    return;
  }
  std::vector<Waiting> batch;
  batch.swap(m_to_claim);
  if (batch.empty()) {
    return;
  }
  if (m_sharing.try_alone()) {
    // The others have gone, having stored what they sent, perhaps some of
    // these (those held for another process, above all): nobody else can
    // store anything now, so what is not stored yet is this one's to send.
    for (auto& w : batch) {
      if (auto stored = m_store.find_response(w.hash)) {
        answer_from_store(w, std::move(*stored));
      } else {
        send(std::move(w));
      }
    }
    return;
  }
  std::vector<std::string> hashes;
  hashes.reserve(batch.size());
  for (const auto& w : batch) {
    hashes.push_back(w.hash);
  }
  const auto states = m_store.claim_requests(hashes, m_owner, owner_alive);
  bool held = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    switch (states[i]) {
    case Store::ClaimState::stored:
      if (auto stored = m_store.find_response(batch[i].hash)) {
        answer_from_store(batch[i], std::move(*stored));
      } else {
        send(std::move(batch[i])); // cannot happen: the claim was just read as stored
      }
      break;
    case Store::ClaimState::mine: send(std::move(batch[i])); break;
    case Store::ClaimState::held:
      m_to_claim.push_back(std::move(batch[i]));
      held = true;
      break;
    }
  }
  if (held) {
    schedule_claims(k_recheck);
  }
}

void
CachedClient::send(Waiting w)
{
  ++m_sent;
  if (m_sharing.state() == DatabaseSharing::State::alone) {
    m_sent_unclaimed.insert(w.hash);
    schedule_watch();
  }
  m_pool.submit(std::move(w.request), [this, hash = std::move(w.hash),
                                       semantics = std::move(w.semantics),
                                       pieces = std::move(w.pieces),
                                       done = std::move(w.done)](Result<Response> r) mutable {
    if (r) {
      // (Moved: the pool calls this once.)
      m_store.put_response(hash, std::move(semantics), std::move(pieces), *r); // releases the claim
    } else {
      m_store.release_claim(hash);
    }
    m_sent_unclaimed.erase(hash);
    watch_arrivals();
    done(hash, std::move(r));
  });
}

std::vector<DeferredRequest>
CachedClient::take_deferred()
{
  std::vector<DeferredRequest> out;
  out.swap(m_deferred);
  m_deferred_hashes.clear();
  return out;
}

void
CachedClient::cancel_waiting()
{
  std::vector<Waiting> waiting;
  waiting.swap(m_to_claim);
  m_claim_timer.cancel();
  m_claim_scheduled = false;
  for (auto& w : waiting) {
    // Counted like a request the pool dropped before sending it: submitted,
    // then cancelled (the runner subtracts the cancelled from the submitted).
    ++m_sent;
    boost::asio::post(m_io, [done = std::move(w.done), hash = w.hash]() mutable {
      done(hash, Error{Error::Kind::cancelled, "not sent: the run was stopped"});
    });
  }
}

} // namespace harness::client
