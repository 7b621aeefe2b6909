#include <harness/client/cached_client.hpp>
#include <harness/client/openai_wire.hpp>
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
  // The semantics are serialised once: hashed for the cache key, and stored.
  auto semantics = openai_wire::semantics_json(request);
  auto hash = sha256_hex(semantics);
  if (auto cached = m_store.find_response(hash)) {
    ++m_hits;
    boost::asio::post(m_io, [done = std::move(done), hash, r = std::move(*cached)]() mutable {
      done(hash, std::move(r));
    });
    return;
  }
  ++m_sent;
  std::string model = request.model;
  m_pool.submit(std::move(request),
                [this, hash, model = std::move(model), semantics = std::move(semantics),
                 done = std::move(done)](Result<Response> r) {
                  if (r) {
                    m_store.put_response(hash, model, semantics, *r);
                  }
                  done(hash, std::move(r));
                });
}

} // namespace harness::client
