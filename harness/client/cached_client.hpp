#pragma once

#include <harness/client/client_pool.hpp>
#include <harness/store.hpp>

#include <boost/asio/io_context.hpp>

#include <functional>
#include <string>

namespace harness::client {

// The client pool behind the store: a request whose response is stored is
// answered from the store (asynchronously, like a sent one) and never sent;
// a sent request's response is committed before `done` runs. Same threading
// rules as ClientPool.
class CachedClient
{
public:
  using Done = std::function<void(const std::string& request_hash, Result<Response>)>;

  CachedClient(boost::asio::io_context& io, ClientPool& pool, Store& store);

  void fetch(ChatRequest request, Done done);

  long requests_sent() const { return m_sent; }
  long cache_hits() const { return m_hits; }

private:
  boost::asio::io_context& m_io;
  ClientPool& m_pool;
  Store& m_store;
  long m_sent = 0;
  long m_hits = 0;
};

} // namespace harness::client
