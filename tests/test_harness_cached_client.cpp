#include "support/scripted_transport.hpp"
#include "support/sqlite_query.hpp"

#include <harness/client/cached_client.hpp>
#include <harness/client/client_pool.hpp>
#include <harness/client/openai_wire.hpp>
#include <harness/request_hash.hpp>
#include <harness/store.hpp>

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>

#include <optional>

using namespace harness;
using namespace harness::client;
using testsupport::ok_reply;
using testsupport::ScriptedTransport;

// Two clients on two connections to one database stand for two processes
// running different runs that share a request.
TEST_SUITE_BEGIN("harness::cached_client");

namespace {

EndpointConfig
shared_endpoint()
{
  EndpointConfig e;
  e.name = "ep";
  e.base_url = "http://127.0.0.1:1/v1";
  e.model = "m";
  return e;
}

ChatRequest
shared_request()
{
  ChatRequest r;
  r.endpoint = "ep";
  r.model = "m";
  r.messages = {{Role::user, "the same question"}};
  return r;
}

} // namespace

TEST_CASE("a request another process is sending is not sent again: its stored reply is used")
{
  boost::asio::io_context io;
  Store first_store("shared.db");
  Store second_store("shared.db");
  ScriptedTransport first_wire(
      [](const HttpRequest&, int) { return Result<HttpReply>(ok_reply("one")); });
  first_wire.hold = true; // its reply waits until released
  ScriptedTransport second_wire(
      [](const HttpRequest&, int) { return Result<HttpReply>(ok_reply("two")); });
  ClientPool first_pool(io, first_wire);
  ClientPool second_pool(io, second_wire);
  first_pool.add_endpoint(shared_endpoint(), std::nullopt);
  second_pool.add_endpoint(shared_endpoint(), std::nullopt);
  CachedClient first(io, first_pool, first_store, "first:1");
  CachedClient second(io, second_pool, second_store, "second:1");

  std::optional<Result<Response>> first_got, second_got;
  first.fetch(shared_request(),
              [&](const std::string&, Result<Response> r) { first_got = std::move(r); });
  while (first_wire.requests.empty()) {
    io.run_one(); // the claim, then the send
  }
  second.fetch(shared_request(),
               [&](const std::string&, Result<Response> r) { second_got = std::move(r); });
  io.run_for(std::chrono::milliseconds(600)); // the second claims, finds it held, looks again
  CHECK(second_wire.requests.empty());
  CHECK_FALSE(second_got);
  REQUIRE(first_wire.release_one());
  while (!first_got || !second_got) {
    io.run_one();
  }
  REQUIRE(*first_got);
  REQUIRE(*second_got);
  CHECK((*second_got)->text == "one"); // the first one's reply, from the database
  CHECK((*second_got)->from_cache);
  CHECK(second_wire.requests.empty());
  CHECK(second.requests_sent() == 0);
  CHECK(second.cache_hits() == 1);
}

TEST_CASE(
    "alone, requests are sent unclaimed, and a process arriving gets what is in flight claimed")
{
  boost::asio::io_context io;
  Store first_store("arrive.db");
  ScriptedTransport first_wire(
      [](const HttpRequest&, int) { return Result<HttpReply>(ok_reply("one")); });
  first_wire.hold = true; // its reply waits until released
  ClientPool first_pool(io, first_wire);
  first_pool.add_endpoint(shared_endpoint(), std::nullopt);
  CachedClient first(io, first_pool, first_store, "first:1");
  std::optional<Result<Response>> first_got, second_got;
  first.fetch(shared_request(),
              [&](const std::string&, Result<Response> r) { first_got = std::move(r); });
  while (first_wire.requests.empty()) {
    io.run_one(); // sent without a claim
  }
  CHECK(testsupport::query_text("arrive.db", "SELECT count(*) FROM claims") == "0");

  // Another process arrives while the request is on the wire, and asks for it too.
  Store second_store("arrive.db");
  ScriptedTransport second_wire(
      [](const HttpRequest&, int) { return Result<HttpReply>(ok_reply("two")); });
  ClientPool second_pool(io, second_wire);
  second_pool.add_endpoint(shared_endpoint(), std::nullopt);
  CachedClient second(io, second_pool, second_store, "second:1");
  second.fetch(shared_request(),
               [&](const std::string&, Result<Response> r) { second_got = std::move(r); });
  io.run_for(std::chrono::milliseconds(400)); // the first lets it in, claiming what it sends
  CHECK(testsupport::query_text("arrive.db", "SELECT owner FROM claims") == "first:1");
  CHECK(second_wire.requests.empty());
  CHECK_FALSE(second_got);
  REQUIRE(first_wire.release_one());
  while (!first_got || !second_got) {
    io.run_one();
  }
  REQUIRE(*second_got);
  CHECK((*second_got)->text == "one"); // the first one's reply, from the database
  CHECK(second.requests_sent() == 0);
  CHECK(second_wire.requests.empty());
}

TEST_CASE("a request held for a process that has gone is taken from the store, not sent again")
{
  boost::asio::io_context io;
  Store first_store("gone.db");
  Store second_store("gone.db");
  ScriptedTransport first_wire(
      [](const HttpRequest&, int) { return Result<HttpReply>(ok_reply("one")); });
  ClientPool first_pool(io, first_wire);
  first_pool.add_endpoint(shared_endpoint(), std::nullopt);
  CachedClient first(io, first_pool, first_store, "first:1");
  std::optional<Result<Response>> first_got, second_got;
  {
    ScriptedTransport second_wire(
        [](const HttpRequest&, int) { return Result<HttpReply>(ok_reply("two")); });
    second_wire.hold = true;
    ClientPool second_pool(io, second_wire);
    second_pool.add_endpoint(shared_endpoint(), std::nullopt);
    CachedClient second(io, second_pool, second_store, "second:1"); // arriving
    second.fetch(shared_request(),
                 [&](const std::string&, Result<Response> r) { second_got = std::move(r); });
    first.fetch(shared_request(), // lets the second in, and waits for the claim
                [&](const std::string&, Result<Response> r) { first_got = std::move(r); });
    while (second_wire.requests.empty()) {
      io.run_one();
    }
    io.run_for(std::chrono::milliseconds(50)); // the first finds it held
    REQUIRE(second_wire.release_one());
    while (!second_got) {
      io.run_one();
    }
  } // the second process ends, its reply stored
  while (!first_got) {
    io.run_one(); // the first, alone again, looks once more
  }
  REQUIRE(*first_got);
  CHECK((*first_got)->text == "two");
  CHECK((*first_got)->from_cache);
  CHECK(first_wire.requests.empty());
  CHECK(first.requests_sent() == 0);
}

TEST_CASE("a request waiting for another process ends cancelled when the run stops")
{
  boost::asio::io_context io;
  Store holder("cancel.db");
  Store store("cancel.db");
  // The other process is present (alone, it lets this one in).
  DatabaseSharing holder_present("cancel.db");
  holder_present.share();
  auto alive = [](const std::string&, std::int64_t) {
    return true;
  };
  ScriptedTransport wire([](const HttpRequest&, int) { return Result<HttpReply>(ok_reply("x")); });
  ClientPool pool(io, wire);
  pool.add_endpoint(shared_endpoint(), std::nullopt);
  CachedClient client(io, pool, store, "me:1");
  // Another live process holds the request's claim.
  std::optional<Result<Response>> got;
  std::string hash;
  client.fetch(shared_request(), [&](const std::string& h, Result<Response> r) {
    hash = h;
    got = std::move(r);
  });
  // The claim is taken by "other" before this client's batch runs.
  auto states = holder.claim_requests(
      {harness::sha256_hex(harness::client::openai_wire::semantics_json(shared_request()))},
      "other:1", alive);
  REQUIRE(states.front() == Store::ClaimState::mine);
  io.run_for(std::chrono::milliseconds(50));
  CHECK_FALSE(got);
  client.cancel_waiting();
  io.run_for(std::chrono::milliseconds(10));
  REQUIRE(got);
  REQUIRE_FALSE(*got);
  CHECK(got->error().kind == Error::Kind::cancelled);
  CHECK(wire.requests.empty());
}

TEST_SUITE_END();
