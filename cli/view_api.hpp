#pragma once

#include <harness/store.hpp>

#include <string>

namespace cli {

// One reply of evalrun view's JSON API.
struct ViewReply
{
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Answers a GET of `target` (path and query, as the browser sent it) from
// `store`, which it only reads:
//   /api/runs                           every run, with its headline numbers
//   /api/runs/R                         run R: its configuration, counts, judge diagnostics
//   /api/runs/R/verdicts?status=&category=&source=&q=&offset=&limit=
//                                       a page of its verdicts (limit at most 200)
//   /api/runs/R/items/ITEM/TURN         one turn: the conversation, the answers judged,
//                                       the verdict and every judge call with its reply
// Anything else: 404 with {"error": ...}; a malformed number: 400.
ViewReply view_api(harness::Store& store, const std::string& target);

} // namespace cli
