#pragma once

#include <reports/run_report.hpp>

#include <harness/store.hpp>

#include <string>
#include <vector>

namespace cli {

// One reply of evalrun view's JSON API.
struct ViewReply
{
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// evalrun view's JSON API over a store it only reads. Answers a GET of
// `target` (path and query, as the browser sent it):
//   /api/runs                           every run, with its report's headline and interval
//   /api/runs/R                         run R: its configuration, counts, judge diagnostics,
//                                       its report (Markdown, as evalrun report prints it),
//                                       its scores as [value, verdicts] pairs
//   /api/runs/R/verdicts?status=&category=&source=&q=&offset=&limit=
//                                       a page of its verdicts (limit at most 200); status
//                                       also "unreadable", "errors", and "inconsistent" or
//                                       "flipped" (pairs whose two games disagree)
//   /api/runs/R/items/ITEM/TURN         one turn: the conversation, the answers judged,
//                                       the verdict and every judge call with its reply
// Anything else: 404 with {"error": ...}; a malformed number: 400.
class ViewApi
{
public:
  explicit ViewApi(harness::Store& store) : m_store(store) {}
  ViewReply get(const std::string& target);

private:
  // The runs' reports (reports::collect), made again only when a run has
  // changed (another process may be writing to the database).
  const std::vector<reports::RunReport>& run_reports();

  harness::Store& m_store;
  std::string m_reports_state; // the runs, their status and verdict counts
  std::vector<reports::RunReport> m_reports;
};

} // namespace cli
