#include <harness/client/cached_client.hpp>
#include <harness/request_hash.hpp>

#include <boost/asio/post.hpp>

#include <memory>

namespace harness::client {

CachedClient::CachedClient(boost::asio::io_context& io, ClientPool& pool, Store& store)
    : m_io(io), m_pool(pool), m_store(store)
{}

void
CachedClient::fetch(ChatRequest request, Done done)
{
  auto hash = request_hash(request);
  if (auto cached = m_store.find_response(hash)) {
    ++m_hits;
    boost::asio::post(m_io, [done = std::move(done), hash, r = std::move(*cached)]() mutable {
      done(hash, std::move(r));
    });
    return;
  }
  ++m_sent;
  auto copy = std::make_shared<ChatRequest>(request);
  m_pool.submit(std::move(request), [this, hash, copy, done = std::move(done)](Result<Response> r) {
    if (r) {
      m_store.put_response(hash, *copy, *r);
    }
    done(hash, std::move(r));
  });
}

} // namespace harness::client
