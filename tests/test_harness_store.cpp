#include "support/sqlite_query.hpp"

#include <harness/client/openai_wire.hpp>
#include <harness/request_hash.hpp>
#include <harness/store.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <thread>

using namespace harness;

TEST_SUITE_BEGIN("harness::store");

namespace {

RunRecord
run_record(const std::string& key = "k1")
{
  RunRecord r;
  r.key = key;
  r.bench = "mtbench";
  r.bench_version = "1";
  r.model = "demo";
  r.model_id = "evalrun-demo";
  r.judge = "demo";
  r.judge_model_id = "evalrun-demo";
  r.protocol = "single";
  r.rubric = "fastchat-single@abc";
  r.config_json = R"({"x":1})";
  r.evalrun_version = "0.1.0";
  r.items = 2;
  return r;
}

ChatRequest
stored_request()
{
  ChatRequest r;
  r.endpoint = "demo";
  r.model = "evalrun-demo";
  r.messages = {{Role::user, "q"}};
  r.params.temperature = 0.0;
  return r;
}

// A request hash as the store keys them (hex SHA-256), named for the test.
std::string
hash_of(const std::string& name)
{
  return sha256_hex(name);
}

} // namespace

TEST_CASE("a stored response is found by hash and marked as cached")
{
  Store store("store.db");
  CHECK_FALSE(store.find_response(hash_of("h1")));
  Response r;
  r.text = "answer";
  r.finish_reason = "stop";
  r.usage = {10, 3};
  r.latency_ms = 42;
  r.attempts = 2;
  store.put_response(hash_of("h1"), stored_request(), r);
  auto found = store.find_response(hash_of("h1"));
  REQUIRE(found);
  CHECK(found->text == "answer");
  CHECK(found->usage.prompt_tokens == 10);
  CHECK(found->usage.completion_tokens == 3);
  CHECK(found->attempts == 2);
  CHECK(found->from_cache);
  CHECK(store.count_responses() == 1);
  // Stored again (a response replaced): still one request, with the new response; a
  // hash sharing its first 8 bytes is another request.
  r.text = "a better answer";
  store.put_response(hash_of("h1"), stored_request(), r);
  std::string neighbour = hash_of("h1");
  neighbour.back() = neighbour.back() == '0' ? '1' : '0';
  CHECK_FALSE(store.find_response(neighbour));
  store.put_response(neighbour, stored_request(), Response{});
  CHECK(store.count_responses() == 2);
  CHECK(store.find_response(hash_of("h1"))->text == "a better answer");
  CHECK(store.find_response(neighbour)->text.empty());
}

// Schema 8: who answered, as the response said, beside each request; a
// schema-7 file gains the columns (empty for what it held) when opened.
TEST_CASE("the model and system_fingerprint a response named are stored with it")
{
  {
    Store store("served.db");
    Response r;
    r.text = "first";
    r.model = "gpt-4o-2024-08-06";
    r.system_fingerprint = "fp_1";
    store.put_response(hash_of("a"), stored_request(), r);
    Response again = r;
    again.system_fingerprint = "fp_2";
    store.put_response(hash_of("b"), stored_request(), again);
    // Replaced: the new response's names.
    again.model = "gpt-4o-2024-11-20";
    store.put_response(hash_of("b"), stored_request(), again);
  }
  CHECK(testsupport::query_text("served.db", "SELECT served_model || ' ' || fingerprint || ';' "
                                             "FROM request_log ORDER BY id") ==
        "gpt-4o-2024-08-06 fp_1;gpt-4o-2024-11-20 fp_2;");
  CHECK(testsupport::query_text("served.db", "SELECT served_model FROM request_log WHERE "
                                             "fingerprint = 'fp_1'") == "gpt-4o-2024-08-06");

  // The same file as schema 7 had it: the columns and the view's are not there.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open("served.db", &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db,
                       "DROP VIEW request_log; ALTER TABLE requests DROP COLUMN served_model; "
                       "ALTER TABLE requests DROP COLUMN fingerprint; PRAGMA user_version=7;",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  {
    Store store("served.db");
    CHECK(store.find_response(hash_of("a"))->text == "first");
  }
  CHECK(testsupport::query_text("served.db", "PRAGMA user_version") == "9");
  CHECK(testsupport::query_text("served.db", "SELECT count(*) || '/' || sum(served_model IS NULL) "
                                             "FROM request_log") == "2/2");
}

TEST_CASE("data survives reopening (WAL, committed per unit)")
{
  {
    Store store("reopen.db");
    Response r;
    r.text = "kept";
    store.put_response(hash_of("h"), stored_request(), r);
  }
  Store again("reopen.db");
  REQUIRE(again.find_response(hash_of("h")));
  CHECK(again.find_response(hash_of("h"))->text == "kept");
}

TEST_CASE("the same run key resumes the same run")
{
  Store store("runs.db");
  auto id = store.begin_run(run_record());
  store.finish_run(id, "incomplete");
  auto again = store.begin_run(run_record());
  CHECK(again == id);
  auto other = store.begin_run(run_record("k2"));
  CHECK(other != id);
  auto runs = store.runs();
  REQUIRE(runs.size() == 2);
  CHECK(runs[0].status == "running");
  CHECK(runs[0].rubric == "fastchat-single@abc");
  CHECK(runs[0].config_json == R"({"x":1})");
  store.finish_run(id, "complete");
  CHECK(store.runs()[0].status == "complete");
  // UTC ISO 8601, as the reports print it: 2026-11-29T05:20:00Z.
  const auto finished = store.runs()[0].finished_at;
  REQUIRE(finished.size() == 20);
  CHECK(finished[4] == '-');
  CHECK(finished[10] == 'T');
  CHECK(finished[13] == ':');
  CHECK(finished.back() == 'Z');
}

TEST_CASE("verdicts are upserted per (run, item, turn), errors are logged")
{
  Store store("verdicts.db");
  auto id = store.begin_run(run_record());
  VerdictRecord v;
  v.run_id = id;
  v.item_id = "81";
  v.turn = 1;
  v.category = "writing";
  v.status = "parse_failed";
  v.raw_judgment = "no score here";
  v.detail = "no [[rating]]";
  store.put_verdict(v);
  v.status = "ok";
  v.score = 7.5;
  store.put_verdict(v);
  auto rows = store.verdicts(id);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == "ok");
  CHECK(rows[0].score == 7.5);
  CHECK(rows[0].raw_judgment == "no score here");
  // What reports read, and nothing else.
  v.candidate_hash = hash_of("answer");
  v.judge_params = R"({"temperature":0})";
  v.labels_json = R"(["A>B"])";
  store.put_verdict(v);
  auto lean = store.verdicts(id, Store::VerdictColumns::for_reports);
  REQUIRE(lean.size() == 1);
  CHECK(lean[0].item_id == "81");
  CHECK(lean[0].category == "writing");
  CHECK(lean[0].score == 7.5);
  CHECK(lean[0].labels_json == R"(["A>B"])");
  CHECK(lean[0].candidate_hash == hash_of("answer"));
  CHECK(lean[0].judge_params.empty());
  CHECK(lean[0].raw_judgment.empty());
  CHECK(lean[0].detail.empty());

  store.put_error(ErrorRecord{id, "judge", hash_of("h"), "81", 2,
                              Error(Error::Kind::rate_limited, "HTTP 429", 429), ""});
  CHECK(store.count_errors(id) == 1);
}

TEST_CASE("a run removed takes its verdicts, judge calls and errors along, and the cache stays")
{
  Store store("removed.db");
  auto keep = store.begin_run(run_record("keep"));
  auto gone = store.begin_run(run_record("gone"));
  Response answer;
  answer.text = "an answer";
  store.put_response(hash_of("answer"), stored_request(), answer);
  for (auto id : {keep, gone}) {
    VerdictRecord v;
    v.run_id = id;
    v.item_id = "1";
    v.turn = 1;
    v.status = "ok";
    v.score = 5;
    store.put_verdict(v);
    store.put_judge_call(JudgeCallRecord{id, "1", 1, 0, 0, "single", "single-v1", hash_of("answer"),
                                         "ok", 5.0, "", ""});
    store.put_error(
        ErrorRecord{id, "judge", hash_of("h"), "1", 1, Error(Error::Kind::timeout, "slow"), ""});
  }
  store.set_run_items(keep, 12345);
  store.delete_run(gone);
  auto runs = store.runs();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].id == keep);
  CHECK(runs[0].items == 12345);
  CHECK(store.verdicts(gone).empty());
  CHECK(store.judge_calls(gone).empty());
  CHECK(store.count_errors(gone) == 0);
  CHECK(store.verdicts(keep).size() == 1);
  CHECK(store.judge_calls(keep).size() == 1);
  CHECK(store.count_errors(keep) == 1);
  CHECK(store.find_response(hash_of("answer"))); // a response is the cache's, not the run's
}

TEST_CASE("no API key or secret column exists in the schema")
{
  {
    Store store("schema.db");
  }
  const auto stored = testsupport::query_text(
      "schema.db", "SELECT group_concat(name) FROM pragma_table_info('runs') UNION ALL SELECT "
                   "group_concat(name) FROM pragma_table_info('requests')");
  REQUIRE(stored);
  const std::string& columns = *stored;
  CHECK(columns.find("key") != std::string::npos); // the run key (a hash), not an API key
  CHECK(columns.find("api_key") == std::string::npos);
  CHECK(columns.find("authorization") == std::string::npos);
}

TEST_CASE("a version 1 database is upgraded and keeps its rows, texts and hashes")
{
  std::filesystem::remove("v1.db");
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open("v1.db", &db) == SQLITE_OK);
  // A request as schema 1 stored it: its semantics JSON whole, its hash in hex.
  const std::string semantics =
      R"({"messages":[{"content":"What is 3+4?\n\tShow it.","role":"user"}],"model":"m","params":{}})";
  const std::string hash = sha256_hex(semantics);
  const std::string judge_hashes = hash_of("j1") + "," + hash_of("j2");
  // The version 1 tables: verdicts without labels, runs without leases,
  // responses without top_logprobs.
  const std::string v1 =
      "CREATE TABLE verdicts (run_id INTEGER NOT NULL, item_id TEXT NOT NULL, turn INTEGER NOT "
      "NULL, category TEXT NOT NULL, source TEXT NOT NULL, status TEXT NOT NULL, score REAL, "
      "rubric TEXT NOT NULL, meta TEXT NOT NULL, prompt_id TEXT NOT NULL, judge_model_id TEXT NOT "
      "NULL, judge_params TEXT NOT NULL, position TEXT NOT NULL, winner TEXT NOT NULL, criteria "
      "TEXT NOT NULL, raw_judgment TEXT NOT NULL, detail TEXT NOT NULL, candidate_hash TEXT NOT "
      "NULL, judge_hash TEXT NOT NULL, system_message_id TEXT NOT NULL, created_at TEXT NOT NULL, "
      "PRIMARY KEY (run_id, item_id, turn));"
      "INSERT INTO verdicts VALUES (1,'81',1,'c','s','ok',7,'r','{}','p','j','{}','single','',"
      "'{}','raw','','" +
      hash + "','" + judge_hashes +
      "','','t');"
      // `score` recorded its given answers under the placeholder hash "given".
      "INSERT INTO verdicts VALUES (1,'90',1,'c','s','ok',5,'r','{}','p','j','{}','single','',"
      "'{}','raw','','given','" +
      hash_of("j3") +
      "','','t');"
      "CREATE TABLE runs (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, bench TEXT NOT NULL, "
      "bench_version TEXT NOT NULL, model TEXT NOT NULL, model_id TEXT NOT NULL, judge TEXT NOT "
      "NULL, judge_model_id TEXT NOT NULL, baseline TEXT NOT NULL, protocol TEXT NOT NULL, rubric "
      "TEXT NOT NULL, config TEXT NOT NULL, evalrun_version TEXT NOT NULL, status TEXT NOT NULL, "
      "demo INTEGER NOT NULL, items INTEGER NOT NULL, started_at TEXT NOT NULL, finished_at "
      "TEXT);"
      "INSERT INTO runs VALUES (1,'k','mtbench','1','m','m','j','j','','single','r','{}','0.0.1',"
      "'complete',0,2,'2026-01-01T00:00:00Z',NULL);"
      "CREATE TABLE requests (hash TEXT PRIMARY KEY, model TEXT NOT NULL, semantics TEXT NOT "
      "NULL);"
      "CREATE TABLE responses (hash TEXT PRIMARY KEY REFERENCES requests(hash), text TEXT NOT "
      "NULL, finish_reason TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens "
      "INTEGER NOT NULL, latency_ms REAL NOT NULL, attempts INTEGER NOT NULL, created_at TEXT "
      "NOT NULL);"
      "INSERT INTO requests VALUES ('" +
      hash + "', 'm', '" + semantics +
      "');"
      "INSERT INTO responses VALUES ('" +
      hash +
      "', 'Seven.', 'stop', 5, 2, 12.5, 1, '2026-01-01T00:00:00Z');"
      "PRAGMA user_version=1;";
  REQUIRE(sqlite3_exec(db, v1.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  {
    Store store("v1.db");
    auto rows = store.verdicts(1);
    REQUIRE(rows.size() == 2);
    CHECK(rows[1].item_id == "90");
    CHECK(rows[1].candidate_hash.empty()); // the placeholder named no stored request
    CHECK(rows[1].judge_hash == hash_of("j3"));
    rows.pop_back();
    CHECK(rows[0].score == 7.0);
    CHECK(rows[0].labels_json == "[]");
    CHECK(rows[0].baseline_hash.empty());
    CHECK(rows[0].candidate_hash == hash);
    CHECK(rows[0].judge_hash == judge_hashes);
    VerdictRecord v = rows[0];
    v.item_id = "82";
    v.labels_json = R"(["A>B","B>A"])";
    store.put_verdict(v);
    CHECK(store.verdicts(1).at(1).labels_json == R"(["A>B","B>A"])");
    auto response = store.find_response(hash);
    REQUIRE(response);
    CHECK(response->text == "Seven.");
    CHECK(response->usage.completion_tokens == 2);
    CHECK(response->top_logprobs.empty());
    CHECK(store.request_semantics(hash) == semantics);
  }
  CHECK(testsupport::query_text("v1.db", "SELECT semantics FROM request_log") == semantics);
  CHECK(testsupport::query_text("v1.db", "SELECT hash FROM request_log") == hash);
  CHECK(testsupport::query_text("v1.db", "SELECT created_at FROM request_log") ==
        "2026-01-01 00:00:00");
  CHECK(testsupport::query_text("v1.db", "SELECT count(*) FROM sqlite_schema WHERE name LIKE "
                                         "'%_v4'") == "0");
}

TEST_CASE("a version 5 database is upgraded: requests named by id, judge setups once, texts found")
{
  std::filesystem::remove("v5.db");
  // Schema 5 as it was written, and a run of it: an answered candidate turn
  // judged by one call, and a candidate request that failed.
  const std::string schema5 = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  bench TEXT NOT NULL,
  bench_version TEXT NOT NULL,
  model TEXT NOT NULL,
  model_id TEXT NOT NULL,
  judge TEXT NOT NULL,
  judge_model_id TEXT NOT NULL,
  baseline TEXT NOT NULL,
  protocol TEXT NOT NULL,
  rubric TEXT NOT NULL,
  config TEXT NOT NULL,
  evalrun_version TEXT NOT NULL,
  status TEXT NOT NULL,
  demo INTEGER NOT NULL,
  items INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_heartbeat INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS texts (
  id INTEGER PRIMARY KEY,
  key INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS texts_by_key ON texts (key);
CREATE TABLE IF NOT EXISTS requests (
  id INTEGER PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  model TEXT NOT NULL,
  semantics TEXT NOT NULL,
  response INTEGER NOT NULL REFERENCES texts(id),
  finish_reason TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  latency_ms REAL NOT NULL,
  attempts INTEGER NOT NULL,
  top_logprobs TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE VIEW IF NOT EXISTS request_log AS
SELECT lower(hex(r.hash)) AS hash, r.model,
  (SELECT group_concat(piece, '') FROM (
     SELECT CASE WHEN p.value > 0 THEN t.body
                 ELSE substr(json_quote(t.body), 2, length(json_quote(t.body)) - 2) END AS piece
     FROM json_each(r.semantics) p JOIN texts t ON t.id = abs(p.value) ORDER BY p.key)) AS semantics,
  a.body AS text, r.finish_reason, r.prompt_tokens, r.completion_tokens, r.latency_ms,
  r.attempts, r.top_logprobs, datetime(r.created_at, 'unixepoch') AS created_at
FROM requests r JOIN texts a ON a.id = r.response;
CREATE TABLE IF NOT EXISTS errors (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  role TEXT NOT NULL,
  request_hash BLOB NOT NULL,
  item_id TEXT NOT NULL,
  turn INTEGER NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS verdicts (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  item_id TEXT NOT NULL,
  turn INTEGER NOT NULL,
  category TEXT NOT NULL,
  source TEXT NOT NULL,
  status TEXT NOT NULL,
  score REAL,
  rubric TEXT NOT NULL,
  meta TEXT NOT NULL,
  prompt_id TEXT NOT NULL,
  judge_model_id TEXT NOT NULL,
  judge_params TEXT NOT NULL,
  position TEXT NOT NULL,
  winner TEXT NOT NULL,
  criteria TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '[]',
  raw_judgment TEXT NOT NULL,
  detail TEXT NOT NULL,
  candidate_hash BLOB NOT NULL,
  baseline_hash BLOB NOT NULL,
  judge_hash BLOB NOT NULL,
  system_message_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, item_id, turn)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS judge_calls (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  item_id TEXT NOT NULL,
  turn INTEGER NOT NULL,
  call_index INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  position TEXT NOT NULL,
  prompt_id TEXT NOT NULL,
  request_hash BLOB NOT NULL,
  status TEXT NOT NULL,
  value REAL,
  label TEXT NOT NULL,
  raw TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, item_id, turn, call_index, attempt)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS claims (
  hash BLOB PRIMARY KEY,
  owner TEXT NOT NULL,
  heartbeat INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS system_messages (
  id TEXT PRIMARY KEY,
  text TEXT NOT NULL
);
)sql";
  const std::string prefix = R"({"messages":[{"content":")";
  const std::string suffix = R"(","role":"user"}],"model":"m","params":{}})";
  const std::string candidate_semantics = prefix + "Q?" + suffix;
  const std::string judge_semantics = R"({"messages":[{"content":"Rate it.","role":"user"}],)"
                                      R"("model":"j","params":{"temperature":0.0}})";
  const std::string candidate = sha256_hex(candidate_semantics);
  const std::string judge = sha256_hex(judge_semantics);
  const std::string failed = hash_of("never answered");
  const auto blob = [](const std::string& hex) {
    return "X'" + hex + "'";
  };
  // Schema 5's text key: the first 64 bits of the SHA-256, as a signed integer.
  const auto text = [](int id, const std::string& body) {
    return fmt::format("INSERT INTO texts VALUES ({}, {}, '{}');", id,
                       static_cast<std::int64_t>(first_64_bits(sha256_bytes(body))), body);
  };
  const std::string rows =
      "INSERT INTO runs (id, key, bench, bench_version, model, model_id, judge, judge_model_id, "
      "baseline, protocol, rubric, config, evalrun_version, status, demo, items, started_at) "
      "VALUES (1,'k','mtbench','1','m','m','j','j','','single','r@1','{}','0.1.0','complete',0,"
      "2,'2026-01-01T00:00:00Z');" +
      text(1, prefix) + text(2, "Q?") + text(3, suffix) + text(4, "A.") + text(5, judge_semantics) +
      text(6, "Rating: [[7]]") + "INSERT INTO requests VALUES (1, " + blob(candidate) +
      ", 'm', '[1,-2,3]', 4, 'stop', 3, 1, 12.25, 1, '[]', 1767225600);"
      "INSERT INTO requests VALUES (2, " +
      blob(judge) +
      ", 'j', '[5]', 6, 'stop', 9, 4, 30.5, 1, '[]', 1767225601);"
      "INSERT INTO verdicts VALUES (1,'81',1,'writing','mtbench','ok',7,'r@1','{}','single-v1',"
      "'j','{\"temperature\":0.0}','single','','{}','[]','',''," +
      blob(candidate) + ",X''," + blob(judge) + R"(,'',1767225602);
INSERT INTO judge_calls VALUES (1,'81',1,0,0,'single','single-v1',)" +
      blob(judge) +
      R"(,'ok',7,'','',1767225602);
INSERT INTO verdicts VALUES (1,'82',1,'writing','mtbench','candidate_error',NULL,'r@1','{}',
'single-v1','j','{"temperature":0.0}','single','','{}','[]','','timeout: slow',)" +
      blob(failed) + R"(,X'',X'','',1767225603);
INSERT INTO errors VALUES (1,1,'candidate',)" +
      blob(failed) +
      R"(,'82',1,'timeout','slow',0,3,1767225603);
PRAGMA user_version=5;)";
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open("v5.db", &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, (schema5 + rows).c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  {
    Store store("v5.db");
    auto verdicts = store.verdicts(1);
    REQUIRE(verdicts.size() == 2);
    CHECK(verdicts[0].candidate_hash == candidate);
    CHECK(verdicts[0].baseline_hash.empty());
    CHECK(verdicts[0].judge_hash == judge);
    CHECK(verdicts[0].raw_judgment == "Rating: [[7]]");
    CHECK(verdicts[0].rubric == "r@1");
    CHECK(verdicts[0].prompt_id == "single-v1");
    CHECK(verdicts[0].judge_model_id == "j");
    CHECK(verdicts[0].judge_params == R"({"temperature":0.0})");
    CHECK(verdicts[0].position == "single");
    CHECK(verdicts[0].score == 7.0);
    CHECK(verdicts[1].status == "candidate_error");
    CHECK(verdicts[1].candidate_hash == failed); // not stored: kept as its hash
    CHECK(verdicts[1].judge_hash.empty());
    CHECK(verdicts[1].detail == "timeout: slow");
    auto calls = store.judge_calls(1);
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].request_hash == judge);
    CHECK(calls[0].raw == "Rating: [[7]]");
    CHECK(store.request_semantics(candidate) == candidate_semantics);
    CHECK(store.find_response(judge)->latency_ms == 30.5);
    CHECK(store.count_errors(1) == 1);
    // A text stored by schema 5 is found again by its new key, not stored twice.
    ChatRequest again = stored_request();
    Response answer;
    answer.text = "A.";
    store.put_response(hash_of("another question"), again, answer);
  }
  CHECK(testsupport::query_text("v5.db", "SELECT count(*) FROM texts WHERE body = 'A.'") == "1");
  CHECK(testsupport::query_text("v5.db", "PRAGMA user_version") == "9");
  CHECK(testsupport::query_text("v5.db", "SELECT count(*) FROM sqlite_schema WHERE name LIKE "
                                         "'%_v5'") == "0");
  CHECK(testsupport::query_text("v5.db", "SELECT model || ' ' || semantics FROM request_log "
                                         "WHERE id = 1") == "m " + candidate_semantics);
  CHECK(testsupport::query_text("v5.db", "SELECT candidate_hash || ' ' || judge_params FROM "
                                         "verdict_log WHERE item_id = '81'") ==
        candidate + R"( {"temperature":0.0})");
  CHECK(testsupport::query_text("v5.db", "SELECT count(*) FROM judge_setups") == "1");
}

TEST_CASE("texts that requests share are stored once, and each request's semantics read back")
{
  std::filesystem::remove("texts.db");
  const std::string question = "Compose an engaging travel blog post about a trip to Hawaii.";
  const std::string answer = "Aloha!\nHawaii greeted me with \"sunshine\", leis and a 4\u00b0 "
                             "warmer sea than I had hoped for. \x01 Mahalo.";
  ChatRequest ask = stored_request();
  ask.messages = {{Role::user, question}};
  ChatRequest judge = stored_request();
  judge.model = "judge-model";
  judge.messages = {{Role::system, "You are a helpful assistant."},
                    {Role::user, "[Question]\n" + question +
                                     "\n\n[The Start of Assistant's "
                                     "Answer]\n" +
                                     answer + "\n[The End of Assistant's Answer]"}};
  ChatRequest judge_again = judge; // a re-sample: another seed, the same texts
  judge_again.params.seed = 1001;
  const std::vector<std::string_view> shared{question, answer};
  Response reply;
  reply.text = answer;
  Response verdict;
  verdict.text = "Rating: [[8]]";
  {
    Store store("texts.db");
    store.put_response(request_hash(ask), ask, reply, shared);
    store.put_response(request_hash(judge), judge, verdict, shared);
    store.put_response(request_hash(judge_again), judge_again, verdict, shared);
    for (const auto* request : {&ask, &judge, &judge_again}) {
      const std::string semantics = client::openai_wire::semantics_json(*request);
      CHECK(store.request_semantics(request_hash(*request)) == semantics);
    }
    CHECK(store.find_response(request_hash(judge_again))->text == "Rating: [[8]]");
    CHECK_FALSE(store.request_semantics(hash_of("never stored")));
  }
  // The question and the answer once each (the answer also being the first
  // reply), the verdict once, and the judge prompt's wording between them.
  const auto count = [](const std::string& text) {
    return testsupport::query_text("texts.db",
                                   "SELECT count(*) FROM texts WHERE body = '" + text + "'");
  };
  CHECK(count(question) == "1");
  CHECK(count(answer) == "1");
  CHECK(count("Rating: [[8]]") == "1");
  const auto longest = testsupport::query_text("texts.db", "SELECT max(length(body)) FROM texts");
  REQUIRE(longest);
  CHECK(std::stoul(*longest) < answer.size() + 20);
  // The view puts every request together as the C++ reader does.
  CHECK(testsupport::query_text("texts.db", "SELECT group_concat(semantics, '|') FROM (SELECT "
                                            "semantics FROM request_log ORDER BY hash)") == [&] {
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto* request : {&ask, &judge, &judge_again}) {
      rows.emplace_back(request_hash(*request), client::openai_wire::semantics_json(*request));
    }
    std::sort(rows.begin(), rows.end());
    return rows[0].second + "|" + rows[1].second + "|" + rows[2].second;
  }());
}

TEST_CASE("a run's lease: a live holder keeps it, a dead one or the same owner does not")
{
  std::filesystem::remove("lease.db");
  Store store("lease.db");
  RunRecord run;
  run.key = "k";
  run.bench = "b";
  auto alive = [](const std::string& owner, std::int64_t) {
    return owner == "host:1";
  };
  auto first = store.claim_run(run, "host:1", alive);
  CHECK(first.held_by.empty());
  auto second = store.claim_run(run, "host:2", alive); // host:1 is alive: refused
  CHECK(second.held_by == "host:1");
  CHECK(second.run_id == first.run_id);
  CHECK(store.claim_run(run, "host:1", alive).held_by.empty()); // its own lease
  store.finish_run(first.run_id, "interrupted");                // released
  CHECK(store.claim_run(run, "host:2", alive).held_by.empty());
  auto dead = [](const std::string&, std::int64_t) {
    return false;
  };
  CHECK(store.claim_run(run, "host:3", dead).held_by.empty()); // host:2 died: taken over
}

TEST_CASE("a foreign or newer database is refused before anything in it changes")
{
  std::filesystem::remove("foreign.db");
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open("foreign.db", &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "CREATE TABLE notes (x); PRAGMA user_version=7;", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  sqlite3_close(db);
  const auto before = std::filesystem::file_size("foreign.db");
  CHECK_THROWS_WITH_AS(Store("foreign.db"),
                       doctest::Contains("foreign.db: not an evalrun database (user_version 7, "
                                         "tables: notes); nothing was changed"),
                       Fatal);
  CHECK(std::filesystem::file_size("foreign.db") == before);
  CHECK_FALSE(std::filesystem::exists("foreign.db-wal"));
  // Not SQLite at all, or an empty file read by a report: bad input (exit 2), left as it is.
  {
    std::FILE* text = std::fopen("notes.txt", "w");
    REQUIRE(text);
    std::fputs("these are notes, not a database\n", text);
    std::fclose(text);
  }
  for (auto access : {Store::Access::read_write, Store::Access::read_only}) {
    try {
      Store opened("notes.txt", access);
      FAIL("a text file was opened as a database");
    } catch (const Fatal& e) {
      CHECK(std::string(e.what()).find("notes.txt: not an SQLite database") != std::string::npos);
      CHECK(e.exit_code() == 2);
    }
  }
  CHECK(std::filesystem::file_size("notes.txt") == 32);
  std::fclose(std::fopen("empty.db", "w"));
  try {
    Store opened("empty.db", Store::Access::read_only);
    FAIL("an empty file was read as a database");
  } catch (const Fatal& e) {
    CHECK(std::string(e.what()).find("empty.db: holds no evalrun data") != std::string::npos);
    CHECK(e.exit_code() == 2);
  }
  CHECK(std::filesystem::file_size("empty.db") == 0);
  {
    Store made("newer.db");
  }
  REQUIRE(sqlite3_open("newer.db", &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "PRAGMA user_version=99;", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  CHECK_THROWS_WITH_AS(Store("newer.db"), doctest::Contains("schema 99 is newer"), Fatal);
}

TEST_CASE("read-only access reads without writing, and nested transactions commit once")
{
  std::filesystem::remove("nested.db");
  {
    Store store("nested.db");
    RunRecord run;
    run.key = "k";
    run.bench = "b";
    Store::Transaction outer(store);
    auto id = store.begin_run(run);
    {
      Store::Transaction inner(store);
      store.finish_run(id, "complete");
      inner.commit();
    }
    {
      Store::Transaction dropped(store); // rolled back alone
      store.finish_run(id, "incomplete");
    }
    outer.commit();
  }
  std::filesystem::permissions("nested.db", std::filesystem::perms::owner_read,
                               std::filesystem::perm_options::replace);
  Store reader("nested.db", Store::Access::read_only);
  auto runs = reader.runs();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].status == "complete");
  std::filesystem::permissions("nested.db", std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
}

TEST_CASE("an unwritable path is a Fatal naming the file")
{
  CHECK_THROWS_WITH_AS(Store("/nonexistent-dir/x.db"), doctest::Contains("/nonexistent-dir/x.db"),
                       Fatal);
}

TEST_CASE("a unit's writes commit together or not at all, and the original error propagates")
{
  Store store("unit.db");
  auto id = store.begin_run(run_record("unit"));
  VerdictRecord v;
  v.run_id = id;
  v.item_id = "81";
  v.turn = 1;
  v.status = "ok";
  v.score = 7;
  JudgeCallRecord call;
  call.run_id = id;
  call.item_id = "81";
  call.turn = 1;
  call.status = "ok";
  call.raw = "[[7]]";
  // A failure after the judge call is written leaves neither behind.
  CHECK_THROWS_WITH_AS(
      [&] {
        Store::Transaction unit(store);
        store.put_judge_call(call);
        store.put_response(hash_of("h-inside"), stored_request(), Response{}); // nests
        throw std::runtime_error("judge reply lost");
      }(),
      "judge reply lost", std::runtime_error);
  CHECK(store.judge_calls(id).empty());
  CHECK(store.verdicts(id).empty());
  CHECK_FALSE(store.find_response(hash_of("h-inside")));
  // Committed, both are there.
  {
    Store::Transaction unit(store);
    store.put_judge_call(call);
    store.put_verdict(v);
    unit.commit();
  }
  CHECK(store.judge_calls(id).size() == 1);
  REQUIRE(store.verdicts(id).size() == 1);
  CHECK(store.verdicts(id).front().score == 7);
}

TEST_CASE("request claims: one process sends, another waits, a gone holder's claim is taken over")
{
  using State = Store::ClaimState;
  using States = std::vector<State>;
  Store a("claims.db");
  Store b("claims.db"); // another process, as far as SQLite is concerned
  auto alive = [](const std::string& owner, std::int64_t) {
    return owner != "gone:1";
  };
  CHECK(a.claim_requests({hash_of("h1"), hash_of("h2")}, "a:1", alive) ==
        States{State::mine, State::mine});
  CHECK(b.claim_requests({hash_of("h1"), hash_of("h2")}, "b:1", alive) ==
        States{State::held, State::held});
  CHECK(a.claim_requests({hash_of("h1")}, "a:1", alive) == States{State::mine}); // its own, again
  Response r;
  r.text = "answer";
  a.put_response(hash_of("h1"), stored_request(), r); // stored, claim released
  a.release_claim(hash_of("h2"));                     // failed: released without a response
  CHECK(b.claim_requests({hash_of("h1"), hash_of("h2")}, "b:1", alive) ==
        States{State::stored, State::mine});
  CHECK(a.claim_requests({hash_of("h3")}, "gone:1", alive) == States{State::mine});
  CHECK(b.claim_requests({hash_of("h3")}, "b:1", alive) ==
        States{State::mine}); // its holder is gone
  CHECK(a.claim_requests({hash_of("h3")}, "a:1", alive) == States{State::held});
}

namespace {

// One shard's database: a run with a verdict on `item` (the candidate's answer
// stored, judged by a stored judge reply), its judge call, an error, and
// a response every shard holds.
std::int64_t
write_shard(const std::string& path, const std::string& item)
{
  std::filesystem::remove(path);
  Store store(path);
  const auto id = store.begin_run(run_record("shard-" + item));
  Response shared;
  shared.text = "the same answer, in every shard (long enough to be a text of its own)";
  store.put_response(hash_of("shared"), stored_request(), shared);
  Response answer;
  answer.text = "answer to " + item;
  answer.model = "served-model";
  answer.usage = {7, 3};
  store.put_response(hash_of("answer " + item), stored_request(), answer);
  Response reply;
  reply.text = "Rating: [[" + item + "]]";
  store.put_response(hash_of("judge " + item), stored_request(), reply);
  VerdictRecord v;
  v.run_id = id;
  v.item_id = item;
  v.turn = 1;
  v.status = "ok";
  v.score = 4;
  v.rubric = "r@1";
  v.prompt_id = "single-v1";
  v.candidate_hash = hash_of("answer " + item);
  v.baseline_hash = hash_of("not stored " + item); // a failed request: named by its hash
  v.system_message_id = "sys-" + item;
  store.put_verdict(v);
  store.put_judge_call(JudgeCallRecord{id, item, 1, 0, 0, "single", "single-v1",
                                       hash_of("judge " + item), "ok", 4.0, "", ""});
  store.put_error(ErrorRecord{id, "candidate", hash_of("not stored " + item), item, 1,
                              Error(Error::Kind::timeout, "slow " + item), "e"});
  store.put_system_messages({{"sys-" + item, "text of " + item}});
  return id;
}

} // namespace

TEST_CASE("databases merged: requests once, verdicts, judge calls and errors under the new run")
{
  const auto a = write_shard("merge-a.db", "1");
  const auto b = write_shard("merge-b.db", "2");
  std::filesystem::remove("merged.db");
  Store out("merged.db");
  const auto run = out.begin_run(run_record("whole"));
  out.merge_from("merge-a.db", {{a, run}});
  out.merge_from("merge-b.db", {{b, run}});

  CHECK(out.count_responses() == 5); // shared once, two answers, two judge replies
  for (const char* item : {"1", "2"}) {
    const auto answer = out.find_response(hash_of(std::string("answer ") + item));
    REQUIRE(answer);
    CHECK(answer->text == std::string("answer to ") + item);
    CHECK(answer->usage.completion_tokens == 3);
    CHECK(out.request_semantics(hash_of(std::string("answer ") + item)) ==
          Store("merge-a.db", Store::Access::read_only).request_semantics(hash_of("answer 1")));
  }
  // Each text once: the shared answer, the served model's name and the request's pieces.
  CHECK(testsupport::query_text("merged.db", "SELECT COUNT(*) FROM texts WHERE body LIKE 'the "
                                             "same answer%'") == "1");
  CHECK(testsupport::query_text("merged.db", "SELECT COUNT(*) FROM texts WHERE body = "
                                             "'served-model'") == "1");
  const auto verdicts = out.verdicts(run);
  REQUIRE(verdicts.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    const std::string item = i == 0 ? "1" : "2";
    CHECK(verdicts[i].item_id == item);
    CHECK(verdicts[i].score == 4);
    CHECK(verdicts[i].rubric == "r@1");
    CHECK(verdicts[i].candidate_hash == hash_of("answer " + item));
    CHECK(verdicts[i].baseline_hash == hash_of("not stored " + item));
    CHECK(verdicts[i].judge_hash == hash_of("judge " + item));
    CHECK(verdicts[i].raw_judgment == "Rating: [[" + item + "]]");
    CHECK(out.system_message_text("sys-" + item) == "text of " + item);
  }
  // The verdicts name the merged database's own request rows.
  CHECK(testsupport::query_text("merged.db",
                                "SELECT COUNT(*) FROM verdicts v JOIN requests r ON r.id = "
                                "v.candidate") == "2");
  const auto calls = out.judge_calls(run);
  REQUIRE(calls.size() == 2);
  CHECK(calls[1].request_hash == hash_of("judge 2"));
  CHECK(out.count_errors(run) == 2);
  CHECK(testsupport::query_text("merged.db", "SELECT COUNT(*) FROM judge_setups") == "1");

  // A database merged twice overlaps: refused, naming it, and nothing changes.
  try {
    out.merge_from("merge-b.db", {{b, run}});
    FAIL("an overlapping merge was accepted");
  } catch (const Fatal& e) {
    CHECK(std::string(e.what()).find("merge-b.db") != std::string::npos);
    CHECK(std::string(e.what()).find("2 turn 1") != std::string::npos);
  }
  CHECK(out.verdicts(run).size() == 2);
  CHECK(out.count_errors(run) == 2);
  // The store works on afterwards (the source detached, its statements gone).
  VerdictRecord later;
  later.run_id = run;
  later.item_id = "3";
  later.turn = 1;
  later.status = "ok";
  out.put_verdict(later);
  CHECK(out.verdicts(run).size() == 3);
}

TEST_CASE("group commit on a file: batches committed by a thread of their own, all or none")
{
  for (const char* name : {"grouped.db", "grouped.db-wal", "grouped.db-shm"}) {
    std::filesystem::remove(name);
  }
  auto rows = [] {
    return testsupport::query_text("grouped.db", "SELECT COUNT(*) FROM requests").value_or("?");
  };
  auto answer = [](const std::string& text) {
    Response r;
    r.text = text;
    return r;
  };
  Store store("grouped.db");
  const auto id = store.begin_run(run_record("grouped"));
  store.group_commit(2, std::chrono::hours(1)); // a batch every 2 writes

  // One write waits in memory: this store finds it, the file has none.
  store.put_response(hash_of("g1"), stored_request(), answer("first"));
  CHECK(store.find_response(hash_of("g1"))->text == "first");
  CHECK(rows() == "0");
  // The second makes the batch: handed to the thread, which commits it
  // while this one goes on (and finds both meanwhile).
  store.put_response(hash_of("g2"), stored_request(), answer("second"));
  CHECK(store.find_response(hash_of("g1"))->text == "first");
  CHECK(store.find_response(hash_of("g2"))->text == "second");
  for (int i = 0; i < 1000 && rows() != "2"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(rows() == "2");

  // A unit rolled back drops its own writes, not those gathered before it.
  store.put_response(hash_of("g3"), stored_request(), answer("third"));
  {
    Store::Transaction unit(store);
    store.put_response(hash_of("g4"), stored_request(), answer("dropped"));
  }
  CHECK_FALSE(store.find_response(hash_of("g4")));
  store.flush(); // returns once committed
  CHECK(rows() == "3");
  CHECK(store.find_response(hash_of("g3"))->text == "third");
  CHECK_FALSE(store.find_response(hash_of("g4")));

  // A batch the thread cannot commit (a verdict of a run that does not
  // exist: the thread's connection enforces foreign keys too) is rolled
  // back whole, and its error comes out of the next flush.
  VerdictRecord orphan;
  orphan.run_id = id + 1000;
  orphan.item_id = "81";
  orphan.turn = 1;
  orphan.status = "ok";
  store.put_response(hash_of("g5"), stored_request(), answer("lost with its batch"));
  store.put_verdict(orphan);
  CHECK_THROWS_AS(store.flush(), Fatal);
  CHECK(rows() == "3");
  CHECK_FALSE(store.find_response(hash_of("g5")));
  // The store goes on.
  store.put_response(hash_of("g6"), stored_request(), answer("sixth"));
  store.group_commit(0, std::chrono::milliseconds(0)); // flushes, and the thread ends
  CHECK(rows() == "4");
  CHECK(store.find_response(hash_of("g6"))->text == "sixth");
}

TEST_CASE("browsing a run: verdicts paged and filtered, a turn's judge calls, re-asks counted")
{
  Store store("browse.db");
  const auto id = store.begin_run(run_record("browse"));
  const auto other = store.begin_run(run_record("other"));
  Response answer;
  answer.text = "an answer about a needle";
  store.put_response(hash_of("answer-b"), stored_request(), answer);
  // Items a (two turns), b, c, d; and one verdict of another run, never shown.
  struct Row
  {
    const char* item;
    int turn;
    const char* status;
    const char* category;
    const char* detail;
  };
  for (const Row& r :
       {Row{"d", 1, "ok", "math", ""}, Row{"a", 2, "parse_failed", "writing", "no [[n]]"},
        Row{"a", 1, "ok", "writing", ""}, Row{"c", 1, "judge_error", "math", "HTTP 500"},
        Row{"b", 1, "out_of_range", "math", "score 11"}}) {
    VerdictRecord v;
    v.run_id = id;
    v.item_id = r.item;
    v.turn = r.turn;
    v.status = r.status;
    v.category = r.category;
    v.detail = r.detail;
    if (std::string(r.item) == "b") {
      v.candidate_hash = hash_of("answer-b");
    }
    store.put_verdict(v);
  }
  VerdictRecord elsewhere;
  elsewhere.run_id = other;
  elsewhere.item_id = "a";
  elsewhere.turn = 1;
  elsewhere.status = "ok";
  store.put_verdict(elsewhere);
  // Judge calls: a/1 answered at once; a/2 asked twice (call 0 re-asked), then call 1.
  auto call = [&](const char* item, int turn, int index, int attempt, const char* raw) {
    JudgeCallRecord c;
    c.run_id = id;
    c.item_id = item;
    c.turn = turn;
    c.call_index = index;
    c.attempt = attempt;
    c.status = "ok";
    c.raw = raw;
    store.put_judge_call(c);
  };
  call("a", 2, 1, 0, "second call");
  call("a", 2, 0, 1, "asked again");
  call("a", 2, 0, 0, "first reply");
  call("a", 1, 0, 0, "one reply");

  using Filter = Store::VerdictFilter;
  auto items = [](const Store::VerdictPage& page) {
    std::string out;
    for (const auto& v : page.rows) {
      out += fmt::format("{}{}/{}", out.empty() ? "" : " ", v.item_id, v.turn);
    }
    return out;
  };
  // Item order, in pages of 2; the total on every page.
  Filter f;
  f.limit = 2;
  auto first = store.verdict_page(id, f);
  CHECK(first.total == 5);
  CHECK(items(first) == "a/1 a/2");
  f.offset = 4;
  CHECK(items(store.verdict_page(id, f)) == "d/1");
  // Filters: unreadable = parse_failed and out_of_range; errors; a category; text.
  Filter unreadable;
  unreadable.status = "unreadable";
  CHECK(items(store.verdict_page(id, unreadable)) == "a/2 b/1");
  Filter errors;
  errors.status = "errors";
  CHECK(items(store.verdict_page(id, errors)) == "c/1");
  Filter math;
  math.category = "math";
  math.status = "ok";
  CHECK(items(store.verdict_page(id, math)) == "d/1");
  Filter text;
  text.text = "needle"; // the candidate's answer
  CHECK(items(store.verdict_page(id, text)) == "b/1");
  text.text = "HTTP 5"; // the detail
  CHECK(items(store.verdict_page(id, text)) == "c/1");
  Filter one;
  one.item_id = "a";
  one.turn = 2;
  auto turn = store.verdict_page(id, one);
  REQUIRE(turn.rows.size() == 1);
  CHECK(turn.rows[0].detail == "no [[n]]");
  CHECK(store.verdict_page(id, one).total == 1);
  CHECK(store.verdict_page(other, Filter{}).total == 1);

  using Column = Store::VerdictColumn;
  const auto by_category = store.verdict_counts(id, Column::category);
  REQUIRE(by_category.size() == 2);
  CHECK(by_category[0] == std::pair<std::string, long>{"math", 3});
  CHECK(by_category[1] == std::pair<std::string, long>{"writing", 2});

  // A turn's calls in call, then attempt, order.
  std::string replies;
  for (const auto& c : store.judge_calls(id, "a", 2)) {
    replies += fmt::format("[{}.{} {}]", c.call_index, c.attempt, c.raw);
  }
  CHECK(replies == "[0.0 first reply][0.1 asked again][1.0 second call]");
  // 4 calls, 1 a re-ask, in 1 turn.
  const auto counts = store.judge_call_counts(id);
  CHECK(counts.calls == 4);
  CHECK(counts.resampled == 1);
  CHECK(counts.resampled_turns == 1);
  CHECK(store.judge_call_counts(other).calls == 0);
}

TEST_SUITE_END();
