#include <harness/cached_client.hpp>
#include <harness/openai_wire.hpp>
#include <harness/request_hash.hpp>
#include <harness/runner.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/core.h>

#include <memory>

namespace harness {

namespace asio = boost::asio;

namespace {

// Renders the messages into a raw prompt for `completions` endpoints.
void
format_for(const EndpointConfig& endpoint, ChatRequest& request)
{
  if (endpoint.kind == EndpointConfig::Kind::completions && endpoint.chat_template) {
    request.prompt = render_chat(*endpoint.chat_template, request.messages);
  }
}

std::string
params_json(const GenParams& params)
{
  // semantics_json of an empty request carries exactly the params object.
  ChatRequest r;
  r.params = params;
  return openai_wire::semantics_json(r);
}

// State of one run; lives on the io_context thread only.
class Pipeline
{
public:
  Pipeline(const RunPlan& plan, std::int64_t run_id, ClientPool& pool, Store& store,
           asio::io_context& io)
      : m_plan(plan), m_run_id(run_id), m_client(io, pool, store), m_store(store),
        m_answers(plan.items.size()), m_started(std::chrono::steady_clock::now())
  {
    for (const auto& item : plan.items) {
      m_progress.units_total += 2 * static_cast<long>(item.turns.size());
    }
  }

  void start()
  {
    for (size_t i = 0; i < m_plan.items.size(); ++i) {
      if (!m_plan.items[i].turns.empty()) {
        ask_candidate(i, 0);
      }
    }
  }

  RunProgress progress() const
  {
    RunProgress p = m_progress;
    p.requests_sent = m_client.requests_sent();
    p.cache_hits = m_client.cache_hits();
    p.elapsed_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
    return p;
  }

  bool finished() const { return m_progress.units_done >= m_progress.units_total; }

private:
  void unit_done(bool failed)
  {
    ++m_progress.units_done;
    if (failed) {
      ++m_progress.errors;
    }
  }

  void ask_candidate(size_t index, size_t turn)
  {
    const Item& item = m_plan.items[index];
    auto request = Runner::candidate_request(m_plan, item, turn, m_answers[index]);
    m_client.fetch(std::move(request),
                   [this, index, turn](const std::string& hash, Result<Response> r) {
                     on_answer(index, turn, hash, std::move(r));
                   });
  }

  void on_answer(size_t index, size_t turn, const std::string& hash, Result<Response> r)
  {
    const Item& item = m_plan.items[index];
    if (!r) {
      m_store.put_error(
          ErrorRecord{m_run_id, "candidate", hash, item.id, static_cast<int>(turn + 1), r.error()});
      // This turn and every later one cannot be answered or judged.
      for (size_t t = turn; t < item.turns.size(); ++t) {
        VerdictRecord v = base_verdict(item, t);
        v.status = "candidate_error";
        v.candidate_hash = t == turn ? hash : "";
        v.detail = t == turn ? fmt::format("{}: {}", to_string(r.error().kind), r.error().message)
                             : fmt::format("turn {} was not answered", turn + 1);
        m_store.put_verdict(v);
        unit_done(true); // the candidate unit
        unit_done(true); // the judge unit
      }
      return;
    }
    unit_done(false);
    m_answers[index].push_back(r->text);
    m_candidate_hashes[{index, turn}] = hash;
    ask_judge(index, turn);
    if (turn + 1 < item.turns.size()) {
      ask_candidate(index, turn + 1);
    }
  }

  VerdictRecord base_verdict(const Item& item, size_t turn) const
  {
    VerdictRecord v;
    v.run_id = m_run_id;
    v.item_id = item.id;
    v.turn = static_cast<int>(turn + 1);
    v.category = item.category;
    v.source = item.source;
    v.judge_model_id = m_plan.judge_endpoint.model;
    v.position = "single";
    v.system_message_id = item.system ? item.system->id : "";
    return v;
  }

  void ask_judge(size_t index, size_t turn)
  {
    const Item& item = m_plan.items[index];
    JudgeInput input{item, turn, m_answers[index]};
    auto call = m_plan.judge->build(input);
    VerdictRecord v = base_verdict(item, turn);
    v.candidate_hash = m_candidate_hashes[{index, turn}];
    if (!call) {
      v.status = "judge_error";
      v.detail = "cannot build the judge prompt: " + call.error().message;
      m_store.put_verdict(v);
      unit_done(true);
      return;
    }
    ChatRequest request;
    request.endpoint = m_plan.judge_endpoint.name;
    request.model = m_plan.judge_endpoint.model;
    request.messages = call->messages;
    request.params = m_plan.judge_endpoint.params.merged_with(call->params);
    format_for(m_plan.judge_endpoint, request);
    v.prompt_id = call->prompt_id;
    v.judge_params = params_json(request.params);
    m_client.fetch(std::move(request), [this, v, index, turn](const std::string& hash,
                                                              Result<Response> r) mutable {
      v.judge_hash = hash;
      if (!r) {
        const Item& it = m_plan.items[index];
        m_store.put_error(
            ErrorRecord{m_run_id, "judge", hash, it.id, static_cast<int>(turn + 1), r.error()});
        v.status = "judge_error";
        v.detail = fmt::format("{}: {}", to_string(r.error().kind), r.error().message);
        m_store.put_verdict(v);
        unit_done(true);
        return;
      }
      Verdict verdict = m_plan.judge->parse(r->text);
      v.status = std::string(to_string(verdict.status));
      v.score = verdict.score;
      v.detail = verdict.detail;
      v.raw_judgment = r->text;
      m_store.put_verdict(v);
      unit_done(false);
    });
  }

  const RunPlan& m_plan;
  std::int64_t m_run_id;
  CachedClient m_client;
  Store& m_store;
  std::vector<std::vector<std::string>> m_answers;
  std::map<std::pair<size_t, size_t>, std::string> m_candidate_hashes;
  RunProgress m_progress;
  std::chrono::steady_clock::time_point m_started;
};

} // namespace

Runner::Runner(asio::io_context& io, ClientPool& pool, Store& store)
    : m_io(io), m_pool(pool), m_store(store)
{}

ChatRequest
Runner::candidate_request(const RunPlan& plan, const Item& item, size_t turn,
                          const std::vector<std::string>& answers)
{
  ChatRequest r;
  r.endpoint = plan.candidate.name;
  r.model = plan.candidate.model;
  if (item.system) {
    r.messages.push_back({Role::system, item.system->text});
  }
  for (size_t t = 0; t < turn; ++t) {
    r.messages.push_back({Role::user, item.turns[t]});
    r.messages.push_back({Role::assistant, answers.at(t)});
  }
  r.messages.push_back({Role::user, item.turns[turn]});
  r.params = plan.candidate_params.merged_with(item.params);
  format_for(plan.candidate, r);
  return r;
}

RunOutcome
Runner::run(const RunPlan& plan, const std::function<void(const RunProgress&)>& on_progress,
            std::chrono::milliseconds interval)
{
  RunOutcome outcome;
  outcome.run_id = m_store.begin_run(plan.run);
  std::vector<SystemMessage> system_messages;
  for (const auto& item : plan.items) {
    if (item.system) {
      system_messages.push_back(*item.system);
    }
  }
  m_store.put_system_messages(system_messages);
  Pipeline pipeline(plan, outcome.run_id, m_pool, m_store, m_io);
  pipeline.start();

  asio::steady_timer ticker(m_io);
  std::function<void()> tick = [&] {
    ticker.expires_after(interval);
    ticker.async_wait([&](const boost::system::error_code& ec) {
      if (ec || pipeline.finished()) {
        return;
      }
      on_progress(pipeline.progress());
      tick();
    });
  };
  if (!pipeline.finished()) {
    tick();
  }
  // The ticker would keep run() alive: poll instead, stopping when all units are done.
  m_io.restart();
  while (!pipeline.finished()) {
    if (m_io.run_one() == 0) {
      break; // no work left although units are missing: cannot happen unless a callback is lost
    }
  }
  ticker.cancel();
  m_io.poll();

  outcome.progress = pipeline.progress();
  outcome.status = outcome.progress.errors == 0 && pipeline.finished() ? "complete" : "incomplete";
  m_store.finish_run(outcome.run_id, outcome.status);
  on_progress(outcome.progress);
  return outcome;
}

} // namespace harness
