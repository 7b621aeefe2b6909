// Store: the queries that browse a run (evalrun view, the judge diagnostics).

#include <harness/sqlite_statement.hpp>
#include <harness/store.hpp>

#include <string>
#include <utility>
#include <vector>

namespace harness {

namespace {

// The verdicts of run ?1 matching the filter's parameters ?2 … ?7.
constexpr const char* k_matching =
    "FROM verdicts v JOIN judge_setups j ON j.id = v.setup "
    "LEFT JOIN requests c ON c.id = v.candidate LEFT JOIN requests b ON b.id = v.baseline "
    "LEFT JOIN texts ct ON ct.id = c.response LEFT JOIN texts bt ON bt.id = b.response "
    "WHERE v.run_id = ?1 "
    "AND (?2 = '' OR v.status = ?2 "
    "  OR (?2 = 'errors' AND v.status IN ('judge_error', 'candidate_error')) "
    "  OR (?2 = 'unreadable' AND v.status IN ('parse_failed', 'out_of_range'))) "
    "AND (?3 = '' OR v.category = ?3) AND (?4 = '' OR v.source = ?4) "
    "AND (?6 = '' OR v.item_id = ?6) AND (?7 = 0 OR v.turn = ?7) "
    "AND (?5 = '' OR instr(lower(v.item_id), lower(?5)) > 0 "
    "  OR instr(lower(v.detail), lower(?5)) > 0 OR instr(lower(ct.body), lower(?5)) > 0 "
    "  OR EXISTS (SELECT 1 FROM judge_calls k "
    "    JOIN requests r ON r.id = k.request JOIN texts t ON t.id = r.response "
    "    WHERE k.run_id = v.run_id AND k.item_id = v.item_id AND k.turn = v.turn "
    "    AND instr(lower(t.body), lower(?5)) > 0)) ";

// Item order: ids that are whole numbers first, by value (81 before 100), then the others.
constexpr const char* k_item_order = "ORDER BY v.item_id GLOB '*[^0-9]*' OR v.item_id = '', "
                                     "CAST(v.item_id AS INTEGER), v.item_id, v.turn ";

void
bind_filter(Statement& s, std::int64_t run_id, const Store::VerdictFilter& f)
{
  s.bind(1, run_id).bind(2, f.status).bind(3, f.category).bind(4, f.source).bind(5, f.text);
  s.bind(6, f.item_id).bind(7, static_cast<std::int64_t>(f.turn));
}

} // namespace

Store::VerdictPage
Store::verdict_page(std::int64_t run_id, const VerdictFilter& filter)
{
  flush();
  VerdictPage page;
  static const std::string count_sql = std::string("SELECT COUNT(*) ") + k_matching;
  // The columns Store::read_verdict reads (raw_judgment and judge left out).
  static const std::string page_sql =
      std::string("SELECT v.item_id, v.turn, v.category, v.status, v.score, j.prompt_id, "
                  "j.judge_model_id, j.judge_params, j.position, '', v.detail, "
                  "COALESCE(c.hash, v.candidate), NULL, v.system_message_id, v.source, v.winner, "
                  "v.criteria, j.rubric, v.meta, v.labels, COALESCE(b.hash, v.baseline), "
                  "length(ct.body), length(bt.body) ") +
      k_matching + k_item_order + "LIMIT ?8 OFFSET ?9";
  Statement count(*m_statements, count_sql.c_str());
  bind_filter(count, run_id, filter);
  count.step();
  page.total = static_cast<long>(count.integer(0));
  Statement s(*m_statements, page_sql.c_str());
  bind_filter(s, run_id, filter);
  s.bind(8, static_cast<std::int64_t>(filter.limit))
      .bind(9, static_cast<std::int64_t>(filter.offset));
  while (s.step()) {
    page.rows.push_back(read_verdict(s, run_id));
  }
  return page;
}

std::vector<std::pair<std::string, long>>
Store::verdict_counts(std::int64_t run_id, VerdictColumn column)
{
  flush();
  const char* sql =
      column == VerdictColumn::status
          ? "SELECT status, COUNT(*) FROM verdicts WHERE run_id = ? GROUP BY 1 ORDER BY 2 DESC, 1"
      : column == VerdictColumn::category
          ? "SELECT category, COUNT(*) FROM verdicts WHERE run_id = ? GROUP BY 1 ORDER BY 2 DESC, 1"
          : "SELECT source, COUNT(*) FROM verdicts WHERE run_id = ? GROUP BY 1 ORDER BY 2 DESC, 1";
  Statement s(*m_statements, sql);
  s.bind(1, run_id);
  std::vector<std::pair<std::string, long>> out;
  while (s.step()) {
    out.emplace_back(s.text(0), static_cast<long>(s.integer(1)));
  }
  return out;
}

Store::JudgeCallCounts
Store::judge_call_counts(std::int64_t run_id)
{
  flush();
  Statement s(*m_statements,
              "SELECT COUNT(*), COALESCE(SUM(attempt > 0), 0), (SELECT COUNT(*) FROM (SELECT 1 "
              "FROM judge_calls WHERE run_id = ?1 AND attempt > 0 GROUP BY item_id, turn)) "
              "FROM judge_calls WHERE run_id = ?1");
  s.bind(1, run_id).step();
  return {static_cast<long>(s.integer(0)), static_cast<long>(s.integer(1)),
          static_cast<long>(s.integer(2))};
}

std::vector<JudgeCallRecord>
Store::judge_calls(std::int64_t run_id, const std::string& item_id, int turn)
{
  flush();
  Statement s(*m_statements, "SELECT item_id, turn, call_index, attempt, position, prompt_id, "
                             "COALESCE(r.hash, c.request), status, value, label, "
                             "COALESCE(NULLIF(raw, ''), t.body, '') "
                             "FROM judge_calls c LEFT JOIN requests r ON r.id = c.request "
                             "LEFT JOIN texts t ON t.id = r.response "
                             "WHERE run_id = ? AND item_id = ? AND turn = ? "
                             "ORDER BY call_index, attempt");
  s.bind(1, run_id).bind(2, item_id).bind(3, static_cast<std::int64_t>(turn));
  std::vector<JudgeCallRecord> out;
  while (s.step()) {
    out.push_back(read_judge_call(s, run_id));
  }
  return out;
}

} // namespace harness
