#include <harness/client/cached_client.hpp>
#include <harness/client/openai_wire.hpp>
#include <harness/item_reader.hpp>
#include <harness/process_owner.hpp>
#include <harness/request_hash.hpp>
#include <harness/runner.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <deque>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace harness {

namespace asio = boost::asio;

namespace {

// What the endpoint adds to a request: what its server serves (part of the
// request's identity), and for `completions` endpoints the messages rendered
// into a raw prompt.
void
format_for(const EndpointConfig& endpoint, ChatRequest& request)
{
  request.served = endpoint.served;
  if (endpoint.kind == EndpointConfig::Kind::completions && endpoint.chat_template) {
    request.prompt = render_chat(*endpoint.chat_template, request.messages);
  }
}

std::string
criteria_json(const std::map<std::string, std::optional<double>>& criteria)
{
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, score] : criteria) {
    out[name] = score ? nlohmann::json(*score) : nlohmann::json("N/A");
  }
  return out.dump();
}

enum Side { k_model = 0, k_baseline = 1 };

// One turn being judged: its calls and what came back.
struct JudgeTurn
{
  size_t index = 0;
  size_t turn = 0;
  std::vector<JudgeCall> calls;
  std::vector<CallVerdict> verdicts;
  size_t pending = 0;
  std::optional<Error> error;
  // Written with the verdict, in one transaction, when the turn is judged.
  std::vector<JudgeCallRecord> records;
};

// An item in progress: read from the run's items, let go when its last turn is judged.
struct ItemState
{
  Item item;
  size_t turns_left = 0;                           // turns without a verdict
  std::array<std::vector<std::string>, 2> answers; // [side] -> answers so far
  std::array<std::vector<std::string>, 2> hashes;  // [side] -> their request hashes
};

// State of one run; lives on the io_context thread only.
class Pipeline
{
public:
  Pipeline(const RunPlan& plan, std::int64_t run_id, client::ClientPool& pool, Store& store,
           asio::io_context& io)
      : m_plan(plan), m_run_id(run_id), m_client(io, pool, store, process_owner()), m_store(store),
        m_io(io), m_started(std::chrono::steady_clock::now()), m_window(window_size(plan)),
        m_reader(plan.item_source ? plan.item_source() : read_items(plan.items))
  {
    m_client.defer(plan.deferred_endpoints, plan.send_live);
    if (!plan.item_source) {
      long turns = 0;
      for (const auto& item : plan.items) {
        turns += static_cast<long>(item.turns.size());
      }
      m_turns_total = turns;
    }
  }

  // Starts the first items; each item finished starts the next, so that at
  // most a window of items (a few times the endpoints' concurrency) is read
  // and in progress, and memory does not grow with the number of items.
  void start() { fill_window(); }

  // The items and turns of the whole run, once known (a run reading its
  // items from a file learns them from the check of the whole file).
  void set_item_count(long items, long turns)
  {
    m_turns_total = turns;
    m_store.set_run_items(m_run_id, items);
  }

  long items_read() const { return static_cast<long>(m_next); }
  std::vector<client::DeferredRequest> take_deferred() { return m_client.take_deferred(); }
  bool all_items_read() const { return m_exhausted && !m_read_error && !m_stopping; }

  // Why the items could not be read to the end, if they could not.
  const std::optional<Error>& read_error() const { return m_read_error; }

  // The item's references, as the answers of a pseudo endpoint named after
  // the run's baseline, stored like responses so that a verdict names the
  // baseline answer it was judged against. Returns their request hashes.
  std::vector<std::string> store_references(const Item& item)
  {
    EndpointConfig references;
    references.name = "references";
    references.model = "references:" + m_plan.run.bench + "@" + m_plan.run.bench_version;
    std::vector<std::string> hashes;
    for (size_t t = 0; t < item.references.size() && t < item.turns.size(); ++t) {
      auto request = Runner::answer_request(references, {}, item, t, item.references);
      request.params = GenParams{};
      Response reference;
      reference.text = item.references[t];
      reference.finish_reason = "reference";
      auto hash = request_hash(request);
      m_store.put_response(hash, request, reference, {item.turns.begin(), item.turns.end()});
      hashes.push_back(std::move(hash));
    }
    return hashes;
  }

  RunProgress progress() const
  {
    RunProgress p = m_progress;
    p.turns_total = m_turns_total.value_or(m_turns_read);
    p.totals_known = m_turns_total.has_value();
    p.units_total = (m_plan.baseline ? 3 : 2) * p.turns_total;
    p.requests_sent = m_client.requests_sent() - m_cancelled;
    p.cache_hits = m_client.cache_hits();
    auto now = std::chrono::steady_clock::now();
    p.elapsed_s = std::chrono::duration<double>(now - m_started).count();
    // Replies that arrived in the last k_rate_window, over that window (or
    // the time so far, when shorter): the rate now, not since start-up.
    long recent = static_cast<long>(std::count_if(
        m_replies.begin(), m_replies.end(), [&](auto t) { return now - t <= k_rate_window; }));
    double window = std::min(p.elapsed_s, std::chrono::duration<double>(k_rate_window).count());
    p.requests_per_s = window > 0 ? static_cast<double>(recent) / window : 0;
    return p;
  }

  bool finished() const
  {
    return (m_exhausted && m_active == 0) || (m_stopping && m_in_flight == 0);
  }

  // Sends nothing more; what is on the wire may still land.
  void stop()
  {
    m_stopping = true;
    m_client.cancel_waiting();
  }
  bool stopped() const { return m_stopping; }

private:
  // Items in progress at once: twice the busiest endpoint's concurrency (a
  // candidate and a judge wave in flight; each item finished makes room for
  // the next, read at once), at least 64. Four times was no faster at 200 ms
  // a reply and C of 256 or 1,024, and held 7 MB more at C=1,024.
  static size_t window_size(const RunPlan& plan)
  {
    int widest = std::max(plan.candidate.max_concurrency, plan.judge_endpoint.max_concurrency);
    if (plan.baseline) {
      widest = std::max(widest, plan.baseline->max_concurrency);
    }
    return std::max<size_t>(64, 2 * static_cast<size_t>(std::max(widest, 1)));
  }

  // Reads and starts items until the window is full, a few at a time: between
  // two handfuls the io_context sends what the first ones asked.
  void fill_window()
  {
    m_filling = false;
    for (int started = 0; !m_stopping && !m_exhausted && m_active < m_window; ++started) {
      if (started == k_items_per_handler) {
        m_filling = true;
        asio::post(m_io, [this] { fill_window(); });
        return;
      }
      auto next = m_reader->next();
      if (!next || !*next) {
        m_exhausted = true;
        if (!next) {
          m_read_error = next.error();
          stop(); // what was read finishes; nothing more is sent
        }
        return;
      }
      const size_t i = m_next++;
      m_turns_read += static_cast<long>((*next)->turns.size());
      if ((*next)->turns.empty()) {
        continue; // an item without turns has nothing to do
      }
      const auto& system = (*next)->system;
      if (system && m_system_messages.insert(system->id).second) {
        m_store.put_system_messages({*system});
      }
      ItemState& state = m_items[i];
      state.item = std::move(**next);
      state.turns_left = state.item.turns.size();
      ++m_active;
      start_item(i);
    }
  }

  // The state of item `index` while it is in progress, else null.
  ItemState* find(size_t index)
  {
    auto it = m_items.find(index);
    return it == m_items.end() ? nullptr : &it->second;
  }
  const ItemState& state(size_t index) const { return m_items.at(index); }
  ItemState& state(size_t index) { return m_items.at(index); }

  void start_item(size_t i)
  {
    ItemState& s = state(i);
    const Item& item = s.item;
    if (m_plan.baseline_from_references) {
      s.answers[k_baseline] = item.references;
      s.hashes[k_baseline] = store_references(item);
    }
    if (!m_plan.given_answers.empty()) {
      // Stored like references, as the answers of a pseudo endpoint named
      // after the run (whose key covers the answers file), so that a verdict
      // names the answer it judged and other answers never replace it.
      EndpointConfig given_by;
      given_by.name = "given";
      given_by.model = "given:" + m_plan.run.key;
      for (size_t t = 0; t < item.turns.size(); ++t) {
        auto request = Runner::answer_request(given_by, {}, item, t, m_plan.given_answers[i]);
        request.params = GenParams{};
        Response given;
        given.text = m_plan.given_answers[i].at(t);
        given.finish_reason = "given";
        auto hash = request_hash(request);
        m_store.put_response(hash, request, given, shared_texts(i));
        on_answer(k_model, i, t, hash, std::move(given), false);
      }
      return;
    }
    ask(k_model, i, 0);
    if (m_plan.baseline) {
      ask(k_baseline, i, 0);
    }
  }

  // A turn of item `index` has its verdict: when it was the item's last,
  // the item's answers are let go and the next item starts (posted, so that
  // items finishing at once never nest).
  void turn_finished(size_t index, bool judged = true)
  {
    if (judged) {
      ++m_progress.turns_judged;
    }
    auto it = m_items.find(index);
    if (--it->second.turns_left > 0) {
      return;
    }
    m_items.erase(it);
    m_failed.erase(m_failed.lower_bound({index, 0}), m_failed.lower_bound({index + 1, 0}));
    m_deferred.erase(m_deferred.lower_bound({index, 0}), m_deferred.lower_bound({index + 1, 0}));
    --m_active;
    if (!m_filling) {
      m_filling = true;
      asio::post(m_io, [this] { fill_window(); });
    }
  }

  // Turn `turn` of item `index` waits for a batch job (once; not a turn
  // that failed or has its verdict already).
  void turn_deferred(size_t index, size_t turn)
  {
    if (!find(index) || m_failed.contains({index, turn}) ||
        !m_deferred.insert({index, turn}).second) {
      return;
    }
    ++m_progress.turns_deferred;
    turn_finished(index, false);
  }

  void unit_done(bool failed, long units = 1)
  {
    m_progress.units_done += units;
    if (failed) {
      m_progress.errors += units;
    }
  }

  const EndpointConfig& endpoint(Side side) const
  {
    return side == k_model ? m_plan.candidate : *m_plan.baseline;
  }

  void ask(Side side, size_t index, size_t turn)
  {
    if (m_stopping) {
      return; // left for the next run of the same command
    }
    const ItemState& s = state(index);
    auto request = Runner::answer_request(
        endpoint(side), side == k_model ? m_plan.candidate_params : m_plan.baseline_params, s.item,
        turn, s.answers[side]);
    fetch_counted(side == k_model ? "candidate" : "baseline", index, false, std::move(request),
                  [this, side, index, turn](const std::string& hash, Result<Response> r) {
                    on_answer(side, index, turn, hash, std::move(r));
                  });
  }

  // The texts of item `index` that its requests embed and share: the
  // question, references, system message and both sides' answers so far.
  std::vector<std::string_view> shared_texts(size_t index) const
  {
    const ItemState& s = state(index);
    const Item& item = s.item;
    std::vector<std::string_view> texts(item.turns.begin(), item.turns.end());
    texts.insert(texts.end(), item.references.begin(), item.references.end());
    if (item.system) {
      texts.push_back(item.system->text);
    }
    for (const auto& answers : s.answers) {
      texts.insert(texts.end(), answers.begin(), answers.end());
    }
    return texts;
  }

  // fetch() for item `index`, counted under `role`: sent or answered from
  // the store, and whether it asks again for a reply that could not be read.
  void fetch_counted(const std::string& role, size_t index, bool reask, ChatRequest request,
                     client::CachedClient::Done done)
  {
    auto hits = m_client.cache_hits();
    auto deferred = m_client.deferred();
    ++m_in_flight;
    m_client.fetch(
        std::move(request),
        [this, role, reask, done = std::move(done)](const std::string& hash, Result<Response> r) {
          --m_in_flight;
          if (!r && r.error().kind == Error::Kind::cancelled) {
            // Dropped by a stop before it was sent: not an outcome, not a request.
            ++m_cancelled;
            auto& count = m_progress.by_role[role];
            --(reask ? count.reasks : count.sent);
            return;
          }
          if (!r || !r->from_cache) {
            note_reply();
          }
          done(hash, std::move(r));
        },
        shared_texts(index));
    auto& count = m_progress.by_role[role];
    if (m_client.deferred() > deferred) {
      ++count.deferred;
    } else if (reask) {
      ++count.reasks;
    } else if (m_client.cache_hits() > hits) {
      ++count.cached;
    } else {
      ++count.sent;
    }
  }

  // `chain`: ask the next turn when this one is answered (false for given answers).
  void on_answer(Side side, size_t index, size_t turn, const std::string& hash, Result<Response> r,
                 bool chain = true)
  {
    ItemState* s = find(index);
    if (!s) {
      return; // the other side failed and every turn of the item has its verdict already
    }
    const Item& item = s->item;
    if (!r && r.error().kind == Error::Kind::deferred) {
      // This turn and the later ones wait for the batch job's answer.
      for (size_t t = turn; t < item.turns.size(); ++t) {
        turn_deferred(index, t);
      }
      return;
    }
    if (!r) {
      const auto& endpoint = side == k_model ? m_plan.candidate : *m_plan.baseline;
      m_store.put_error(ErrorRecord{m_run_id, side == k_model ? "candidate" : "baseline", hash,
                                    item.id, static_cast<int>(turn + 1), r.error(),
                                    endpoint.identity()});
      // This side cannot answer this turn or any later one, so none of them can be judged.
      // The verdict of the item's last turn lets the item go: it is looked up again each time.
      const size_t turns = item.turns.size();
      for (size_t t = turn; t < turns; ++t) {
        unit_done(true); // this side's answer
        ItemState* live = find(index);
        if (live && !m_deferred.contains({index, t}) && m_failed.insert({index, t}).second) {
          VerdictRecord v = base_verdict(live->item, t);
          v.status = side == k_model ? "candidate_error" : "baseline_error";
          v.candidate_hash = side == k_model && t == turn ? hash : "";
          v.detail = t == turn ? fmt::format("{}: {}", to_string(r.error().kind), r.error().message)
                               : fmt::format("turn {} was not answered", turn + 1);
          save_verdict(index, v);
          unit_done(true); // the judging
        }
      }
      return;
    }
    unit_done(false);
    s->answers[side].push_back(r->text);
    s->hashes[side].push_back(hash);
    if (chain && turn + 1 < item.turns.size()) {
      ask(side, index, turn + 1);
    }
    if (m_failed.count({index, turn}) || m_deferred.count({index, turn})) {
      return;
    }
    bool model_ready = s->answers[k_model].size() > turn;
    bool baseline_ready = !m_plan.judge->needs_baseline() || s->answers[k_baseline].size() > turn;
    if (model_ready && baseline_ready) {
      judge_turn(index, turn);
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
    v.rubric = m_plan.judge->rubric();
    v.meta_json = nlohmann::json(item.meta).dump();
    v.system_message_id = item.system ? item.system->id : "";
    return v;
  }

  JudgeInput input_for(size_t index, size_t turn) const
  {
    const ItemState& s = state(index);
    return JudgeInput{s.item, turn, s.answers[k_model],
                      m_plan.judge->needs_baseline() ? &s.answers[k_baseline] : nullptr};
  }

  void judge_turn(size_t index, size_t turn)
  {
    const ItemState& s = state(index);
    const Item& item = s.item;
    if (m_plan.judge->needs_baseline() && s.answers[k_baseline].size() <= turn) {
      VerdictRecord v = base_verdict(item, turn);
      v.status = "judge_error";
      v.detail = "no baseline answer for this turn (the item has no reference)";
      save_verdict(index, v);
      unit_done(true);
      return;
    }
    auto calls = m_plan.judge->build(input_for(index, turn));
    if (!calls) {
      VerdictRecord v = base_verdict(item, turn);
      v.candidate_hash = s.hashes[k_model][turn];
      v.status = "judge_error";
      v.detail = "cannot build the judge prompt: " + calls.error().message;
      save_verdict(index, v);
      unit_done(true);
      return;
    }
    auto state = std::make_shared<JudgeTurn>();
    state->index = index;
    state->turn = turn;
    state->calls = std::move(*calls);
    state->verdicts.resize(state->calls.size());
    state->pending = state->calls.size();
    if (state->calls.empty()) {
      finish_judging(*state);
      return;
    }
    for (size_t c = 0; c < state->calls.size(); ++c) {
      send_call(state, c, 0);
    }
  }

  // The parameters `call` is sent with: the judge endpoint's, the call's over them.
  GenParams judge_params(const JudgeCall& call) const
  {
    GenParams params = m_plan.judge_endpoint.params.merged_with(call.params);
    if (call.resample > 0) {
      // A new sample, and a new cache key; distinct from any run's seed.
      params.seed = call.params.seed.value_or(0) * 1000 + call.resample;
    }
    return params;
  }

  ChatRequest judge_request(const JudgeCall& call, std::vector<Message> messages) const
  {
    ChatRequest request;
    request.endpoint = m_plan.judge_endpoint.name;
    request.model = m_plan.judge_endpoint.model;
    request.messages = std::move(messages);
    request.params = judge_params(call);
    format_for(m_plan.judge_endpoint, request);
    return request;
  }

  void send_call(const std::shared_ptr<JudgeTurn>& state, size_t c, int attempt)
  {
    if (m_stopping) {
      return; // the turn stays unjudged; the next run asks again
    }
    // A first call's messages go into the request, unless the judge reads
    // them to parse its reply; a follow-up needs them built again (see
    // restore_messages()). A follow-up's own cannot be built again: copied.
    JudgeCall& call = state->calls[c];
    const bool let_go = attempt == 0 && !m_plan.judge->parse_reads_messages();
    auto messages = let_go ? std::exchange(call.messages, {}) : call.messages;
    fetch_counted("judge", state->index, attempt > 0, judge_request(call, std::move(messages)),
                  [this, state, c, attempt](const std::string& hash, Result<Response> r) {
                    on_call(state, c, attempt, hash, std::move(r));
                  });
  }

  void on_call(const std::shared_ptr<JudgeTurn>& state, size_t c, int attempt,
               const std::string& hash, Result<Response> r)
  {
    if (!find(state->index) || m_deferred.contains({state->index, state->turn})) {
      return; // the turn waits for a batch job: this call's reply is stored for the next run
    }
    if (!r && r.error().kind == Error::Kind::deferred) {
      turn_deferred(state->index, state->turn);
      return;
    }
    const Item& item = this->state(state->index).item;
    JudgeCallRecord record{m_run_id,
                           item.id,
                           static_cast<int>(state->turn + 1),
                           static_cast<int>(c),
                           attempt,
                           state->calls[c].position,
                           state->calls[c].prompt_id,
                           hash,
                           "",
                           std::nullopt,
                           "",
                           ""};
    if (!r) {
      m_store.put_error(ErrorRecord{m_run_id, "judge", hash, item.id,
                                    static_cast<int>(state->turn + 1), r.error(),
                                    m_plan.judge_endpoint.identity()});
      record.status = "request_error";
      record.raw = r.error().message;
      state->records.push_back(std::move(record));
      state->error = r.error();
    } else {
      CallVerdict verdict = m_plan.judge->parse(state->calls[c], *r);
      record.status = std::string(to_string(verdict.status));
      record.value = verdict.value;
      record.label = verdict.label;
      // The reply is the stored response of `hash`: Store::judge_calls() reads it back.
      state->records.push_back(std::move(record));
      std::optional<JudgeCall> next; // asked only for a reply not read as ok
      if (verdict.status != ParseStatus::ok && restore_messages(*state, c)) {
        next = m_plan.judge->follow_up(state->calls[c], *r, verdict, attempt);
      }
      if (next) {
        state->calls[c] = std::move(*next); // the call this one's verdict is read from
        send_call(state, c, attempt + 1);
        return;
      }
      state->verdicts[c] = std::move(verdict);
    }
    if (--state->pending == 0) {
      finish_judging(*state);
    }
  }

  // Puts back the messages of call `c` of `state` if they were let go when
  // it was sent (built again: a judge is pure). False if they cannot be.
  bool restore_messages(JudgeTurn& state, size_t c) const
  {
    if (!state.calls[c].messages.empty()) {
      return true;
    }
    // The answers to turns 0..turn, as JudgeInput promises (later turns may
    // have been answered since the calls were built).
    const JudgeInput now = input_for(state.index, state.turn);
    auto up_to_turn = [&state](const std::vector<std::string>& all) {
      return std::vector<std::string>(
          all.begin(),
          all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), state.turn + 1)));
    };
    const auto answers = up_to_turn(now.answers);
    const auto baseline = now.baseline ? up_to_turn(*now.baseline) : std::vector<std::string>();
    auto calls = m_plan.judge->build(
        JudgeInput{now.item, now.turn, answers, now.baseline ? &baseline : nullptr});
    if (!calls || c >= calls->size()) {
      return false;
    }
    state.calls[c].messages = std::move((*calls)[c].messages);
    return !state.calls[c].messages.empty();
  }

  void finish_judging(const JudgeTurn& state)
  {
    const ItemState& s = this->state(state.index);
    VerdictRecord v = base_verdict(s.item, state.turn);
    v.candidate_hash = s.hashes[k_model][state.turn];
    if (s.hashes[k_baseline].size() > state.turn) {
      v.baseline_hash = s.hashes[k_baseline][state.turn];
    }
    std::vector<std::string> positions;
    std::vector<std::string> prompts;
    for (const auto& call : state.calls) {
      positions.push_back(call.position);
      if (prompts.empty() || prompts.back() != call.prompt_id) {
        prompts.push_back(call.prompt_id);
      }
    }
    v.position = fmt::format("{}", fmt::join(positions, ","));
    v.prompt_id = fmt::format("{}", fmt::join(prompts, ","));
    if (!state.calls.empty()) {
      JudgeCall first;
      first.params = state.calls.front().params; // (resample 0)
      v.judge_params = client::openai_wire::params_json(judge_params(first));
    }
    // The judge's replies are stored once, as the responses of the judge
    // calls' requests; Store::verdicts() reads them back into raw_judgment.
    v.raw_judgment = state.calls.empty() ? "[]" : "";
    if (state.error) {
      v.status = "judge_error";
      v.detail = fmt::format("{}: {}", to_string(state.error->kind), state.error->message);
      save_unit(state, v);
      unit_done(true);
      return;
    }
    Verdict verdict = m_plan.judge->combine(input_for(state.index, state.turn), state.verdicts);
    v.status = std::string(to_string(verdict.status));
    v.score = verdict.score;
    v.winner = verdict.winner;
    v.criteria_json = criteria_json(verdict.criteria);
    v.labels_json = verdict.labels.empty() ? "" : nlohmann::json(verdict.labels).dump();
    v.detail = verdict.detail;
    save_unit(state, v);
    unit_done(false);
  }

  // A verdict and the judge calls behind it are committed together.
  void save_unit(const JudgeTurn& state, const VerdictRecord& verdict)
  {
    Store::Transaction unit(m_store);
    for (const auto& record : state.records) {
      m_store.put_judge_call(record);
    }
    m_store.put_verdict(verdict);
    unit.commit();
    turn_finished(state.index);
  }

  void save_verdict(size_t index, const VerdictRecord& verdict)
  {
    m_store.put_verdict(verdict);
    turn_finished(index);
  }

  const RunPlan& m_plan;
  std::int64_t m_run_id;
  client::CachedClient m_client;
  Store& m_store;
  asio::io_context& m_io;
  std::set<std::pair<size_t, size_t>> m_failed;   // (item, turn) that cannot be judged
  std::set<std::pair<size_t, size_t>> m_deferred; // (item, turn) waiting for a batch job
  RunProgress m_progress;
  std::chrono::steady_clock::time_point m_started;
  size_t m_window; // items in progress at most
  std::unique_ptr<ItemReader> m_reader;
  std::unordered_map<size_t, ItemState> m_items;     // by index: the items in progress
  std::unordered_set<std::string> m_system_messages; // ids stored so far
  size_t m_next = 0;                                 // the index of the next item read
  size_t m_active = 0;                               // items started and not finished
  bool m_exhausted = false;                          // every item was read (or reading failed)
  bool m_filling = false;                            // a fill_window() is posted
  static constexpr int k_items_per_handler = 32;
  std::optional<Error> m_read_error;
  long m_turns_read = 0;             // turns of the items read so far
  std::optional<long> m_turns_total; // turns of all the items, once known
  bool m_stopping = false;
  long m_in_flight = 0; // fetches whose callback has not run
  long m_cancelled = 0; // fetches dropped by a stop before they were sent
  // When each reply from a server arrived, for the last k_rate_window.
  std::deque<std::chrono::steady_clock::time_point> m_replies;
  static constexpr std::chrono::seconds k_rate_window{10};

  void note_reply()
  {
    auto now = std::chrono::steady_clock::now();
    m_replies.push_back(now);
    while (!m_replies.empty() && now - m_replies.front() > k_rate_window) {
      m_replies.pop_front();
    }
  }
};

} // namespace

Runner::Runner(asio::io_context& io, client::ClientPool& pool, Store& store)
    : m_io(io), m_pool(pool), m_store(store)
{}

ChatRequest
Runner::answer_request(const EndpointConfig& endpoint, const GenParams& params, const Item& item,
                       size_t turn, const std::vector<std::string>& answers)
{
  ChatRequest r;
  r.endpoint = endpoint.name;
  r.model = endpoint.model;
  if (item.system) {
    r.messages.push_back({Role::system, item.system->text});
  }
  for (size_t t = 0; t < turn; ++t) {
    r.messages.push_back({Role::user, item.turns[t]});
    r.messages.push_back({Role::assistant, answers.at(t)});
  }
  r.messages.push_back({Role::user, item.turns[turn]});
  r.params = params.merged_with(item.params);
  format_for(endpoint, r);
  return r;
}

void
Runner::set_item_count(long items, long turns)
{
  m_item_count = std::pair{items, turns};
  if (m_set_item_count) {
    m_set_item_count(items, turns);
  }
}

void
Runner::stop(bool force, std::chrono::seconds grace)
{
  if (!m_stopping) {
    m_stopping = true;
    m_deadline = std::chrono::steady_clock::now() + grace;
    m_pool.cancel_queued();
    if (m_stop) {
      m_stop();
    }
  }
  m_forced = m_forced || force;
}

RunOutcome
Runner::run(const RunPlan& plan, const std::function<void(const RunProgress&)>& on_progress,
            std::chrono::milliseconds interval,
            const std::function<void(const std::string&)>& on_wait)
{
  RunOutcome outcome;
  const std::string owner = process_owner();
  for (bool told = false;;) {
    auto claim = m_store.claim_run(plan.run, owner, owner_alive);
    if (claim.held_by.empty()) {
      outcome.run_id = claim.run_id;
      break;
    }
    if (!told && on_wait) {
      on_wait(claim.held_by);
      told = true;
    }
    // Wait a second with the io_context running, so that a signal stops the wait.
    bool waited = false;
    asio::steady_timer pause(m_io, std::chrono::seconds(1));
    pause.async_wait([&waited](const boost::system::error_code&) { waited = true; });
    m_io.restart();
    while (!waited && !m_stopping) {
      m_io.run_one();
    }
    pause.cancel();
    m_io.poll();
    if (m_stopping) {
      outcome.run_id = claim.run_id;
      outcome.status = "not_started";
      return outcome;
    }
  }
  // Replies, verdicts and errors are written in batches (a transaction every
  // 100 ms or 1,024 writes, committed on a thread of their own while the next
  // gathers): a crash loses those not committed yet, and their requests are
  // sent again by the next run. A batch of a few writes would write the
  // same index pages again and again (each commit writes every page it
  // changed): at 64 requests in flight, 25 ms batches of 100k items took a
  // quarter more CPU per request than those of 10k.
  m_store.group_commit(1024, std::chrono::milliseconds(100));
  Pipeline pipeline(plan, outcome.run_id, m_pool, m_store, m_io);
  m_stop = [&pipeline] {
    pipeline.stop();
  };
  m_set_item_count = [&pipeline](long items, long turns) {
    pipeline.set_item_count(items, turns);
  };
  if (m_item_count) {
    pipeline.set_item_count(m_item_count->first, m_item_count->second);
  }
  if (m_stopping) {
    pipeline.stop(); // stopped before it started
  }
  pipeline.start();
  auto last_heartbeat = std::chrono::steady_clock::now();

  asio::steady_timer ticker(m_io);
  std::function<void()> tick = [&] {
    ticker.expires_after(interval);
    ticker.async_wait([&](const boost::system::error_code& ec) {
      if (ec || pipeline.finished()) {
        return;
      }
      on_progress(pipeline.progress());
      if (std::chrono::steady_clock::now() - last_heartbeat > std::chrono::seconds(10)) {
        m_store.renew_lease(outcome.run_id, owner);
        m_store.renew_claims(owner);
        last_heartbeat = std::chrono::steady_clock::now();
      }
      tick();
    });
  };
  if (!pipeline.finished()) {
    tick();
  }
  // The ticker would keep run() alive: run handlers until every unit is done.
  // A failure that stops the run (a full disk) still marks it, when the
  // store allows: what was committed stays, and a re-run resumes.
  struct MarkOnFailure
  {
    Store& store;
    std::int64_t run_id;
    bool armed = true;
    ~MarkOnFailure()
    {
      if (armed) {
        try {
          store.finish_run(run_id, "incomplete");
        } catch (...) {
          // The store refuses even that: the lease dies with this process.
        }
      }
    }
  } mark{m_store, outcome.run_id};
  m_io.restart();
  while (!pipeline.finished()) {
    if (m_forced || (m_stopping && std::chrono::steady_clock::now() > m_deadline)) {
      break; // a second signal, or the grace for requests on the wire is over
    }
    if (m_io.run_one_for(std::chrono::milliseconds(25)) == 0 && !m_stopping && m_io.stopped()) {
      break; // no work left although units are missing: cannot happen unless a callback is lost
    }
    m_store.flush_if_due();
  }
  ticker.cancel();
  if (!m_forced) {
    m_io.poll();
  }
  m_stop = nullptr;
  m_set_item_count = nullptr;

  outcome.progress = pipeline.progress();
  outcome.read_error = pipeline.read_error();
  outcome.items_read = pipeline.items_read();
  outcome.all_items_read = pipeline.all_items_read();
  outcome.deferred = pipeline.take_deferred();
  outcome.status =
      pipeline.stopped() ? "interrupted"
      : outcome.progress.errors == 0 && outcome.progress.turns_deferred == 0 && pipeline.finished()
          ? "complete"
          : "incomplete";
  m_store.group_commit(0, std::chrono::milliseconds(0)); // flushes what is left
  mark.armed = false;
  m_store.finish_run(outcome.run_id, outcome.status);
  on_progress(outcome.progress);
  return outcome;
}

} // namespace harness
