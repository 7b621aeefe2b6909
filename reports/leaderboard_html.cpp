#include <reports/leaderboard.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace reports {

namespace {

// `s` as HTML text or a double- or single-quoted attribute value.
std::string
escape(const std::string& s)
{
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    default: out += c;
    }
  }
  return out;
}

// The largest value a metric can take, for the charts' axes.
double
metric_max(const std::string& metric)
{
  if (metric == "average") {
    return 10;
  }
  if (metric == "score") {
    return 5;
  }
  return 100;
}

struct Bar
{
  std::string label;
  double value = 0;
  std::optional<Interval> ci;
};

// A horizontal bar chart with optional interval whiskers, as inline SVG.
std::string
bar_chart(const std::string& title, const std::vector<Bar>& bars, double max)
{
  const int label_w = 220;
  const int plot_w = 420;
  const int row_h = 26;
  const int top = 28;
  const int height = top + row_h * static_cast<int>(bars.size()) + 24;
  auto x = [&](double v) {
    return label_w + std::clamp(v / max, 0.0, 1.0) * plot_w;
  };
  std::string svg = fmt::format(
      "<svg class=\"chart\" role=\"img\" aria-label=\"{0}\" xmlns=\"http://www.w3.org/2000/svg\" "
      "width=\"{1}\" height=\"{2}\" viewBox=\"0 0 {1} {2}\">\n<title>{0}</title>\n"
      "<text x=\"4\" y=\"18\" class=\"chart-title\">{0}</text>\n",
      escape(title), label_w + plot_w + 70, height);
  for (int tick = 0; tick <= 4; ++tick) {
    double v = max * tick / 4.0;
    svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" class=\"grid\"/>"
                       "<text x=\"{0:.1f}\" y=\"{3}\" class=\"tick\">{4:g}</text>\n",
                       x(v), top - 4, height - 20, height - 6, v);
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    int y = top + row_h * static_cast<int>(i);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"label\">{}</text>\n", label_w - 6, y + 17,
                       escape(b.label));
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" class=\"bar bar{}\"/>\n", label_w,
        y + 5, x(b.value) - label_w, row_h - 10, i % 6);
    if (b.ci) {
      double lo = x(b.ci->low);
      double hi = x(b.ci->high);
      int mid = y + row_h / 2;
      svg += fmt::format("<path d=\"M{0:.1f} {1} H{2:.1f} M{0:.1f} {3} V{4} M{2:.1f} {3} V{4}\" "
                         "class=\"whisker\"/>\n",
                         lo, mid, hi, mid - 6, mid + 6);
    }
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=\"value\">{:.2f}</text>\n",
                       std::max(x(b.value), b.ci ? x(b.ci->high) : 0.0) + 6, y + 17, b.value);
  }
  return svg + "</svg>\n";
}

const RunReport*
report_for(const Leaderboard& board, std::int64_t run_id)
{
  for (const auto* r : board.runs) {
    if (r->run.id == run_id) {
      return r;
    }
  }
  return nullptr;
}

} // namespace

std::string
leaderboard_html(const Leaderboard& board, const std::string& evalrun_version)
{
  std::string html = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>evalrun leaderboard</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #1f2328; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }
p.meta { color: #57606a; margin-top: 0; }
table { border-collapse: collapse; margin: 1rem 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d0d7de; padding: .35rem .6rem; text-align: right; }
th { background: #f6f8fa; cursor: pointer; user-select: none; }
th:first-child, td:first-child { text-align: left; }
th.sorted-asc::after { content: " \25B2"; } th.sorted-desc::after { content: " \25BC"; }
td .ci { color: #57606a; font-size: .85em; }
td.warn { background: #fff8c5; }
td .cut { color: #9a6700; font-size: .85em; }
.legend { font-size: .9rem; color: #57606a; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
svg.chart { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; }
svg .chart-title { font-size: 13px; font-weight: 600; fill: #1f2328; }
svg .label { font-size: 12px; text-anchor: end; fill: #1f2328; }
svg .value, svg .tick { font-size: 11px; fill: #57606a; }
svg .tick { text-anchor: middle; }
svg .grid { stroke: #eaeef2; }
svg .whisker { stroke: #1f2328; stroke-width: 1.5; fill: none; }
svg .bar0 { fill: #0969da; } svg .bar1 { fill: #1a7f37; } svg .bar2 { fill: #bf8700; }
svg .bar3 { fill: #8250df; } svg .bar4 { fill: #cf222e; } svg .bar5 { fill: #57606a; }
.demo { color: #cf222e; font-weight: 600; }
</style>
</head>
<body>
<h1>evalrun leaderboard</h1>
)";
  bool any_demo = false;
  for (const auto& [key, cell] : board.cells) {
    any_demo = any_demo || cell.demo;
  }
  html += fmt::format(
      "<p class=\"meta\">evalrun {} · {} models · {} columns · values with 95% bootstrap "
      "intervals{}</p>\n",
      escape(evalrun_version), board.models.size(), board.columns.size(),
      any_demo ? " · <span class=\"demo\">includes DEMO BACKEND results, which say nothing "
                 "about any model</span>"
               : "");
  html += "<ol class=\"legend\">\n";
  for (const auto& c : board.columns) {
    const auto warning = c.judge_warning();
    html += fmt::format(
        "<li>{} — {} ({}){}</li>\n", escape(c.title()), escape(c.metric),
        metric_unit(c.metric) == "percent" ? "%" : metric_unit(c.metric),
        warning.empty() ? "" : " <span class=\"warning\">⚠ " + escape(warning) + "</span>");
  }
  html += "</ol>\n<table id=\"leaderboard\">\n<thead><tr><th data-type=\"text\">model</th>";
  for (size_t c = 0; c < board.columns.size(); ++c) {
    const auto& metric = board.columns[c].metric;
    html += fmt::format("<th title=\"{}\">[{}] {} {}{}</th>", escape(board.columns[c].title()),
                        c + 1, escape(board.columns[c].bench), escape(metric),
                        metric_unit(metric) == "percent" ? " (%)" : "");
  }
  html += "</tr></thead>\n<tbody>\n";
  for (const auto& model : board.models) {
    html += fmt::format("<tr><td>{}</td>", escape(model));
    for (size_t c = 0; c < board.columns.size(); ++c) {
      auto it = board.cells.find({model, c});
      if (it == board.cells.end() || !it->second.value) {
        html += "<td data-value=\"\">–</td>";
        continue;
      }
      const auto& cell = it->second;
      html += fmt::format(
          "<td data-value=\"{:.6f}\"{} title=\"run {} · {} · n {} · {} of {} answers cut short · "
          "computed {} · judge: {} · tokens: {}\">{:.2f}{}{}</td>",
          *cell.value, cell.failures ? " class=\"warn\"" : "", cell.run_id, escape(cell.status),
          cell.n, cell.cut_short, cell.answers, escape(cell.computed_at), escape(cell.judge),
          escape(cell.tokens), *cell.value,
          cell.ci ? fmt::format(" <span class=\"ci\">({:.2f}–{:.2f})</span>", cell.ci->low,
                                cell.ci->high)
                  : "",
          cell.cut_short ? fmt::format(" <span class=\"cut\">{} cut short</span>", cell.cut_short)
                         : "");
    }
    html += "</tr>\n";
  }
  html += "</tbody>\n</table>\n";
  if (!board.not_run.empty()) {
    html += "<h2>Cells that could not run</h2>\n<table id=\"not-run\">\n<thead><tr><th "
            "data-type=\"text\">model</th><th data-type=\"text\">bench</th><th "
            "data-type=\"text\">settings</th><th "
            "data-type=\"text\">reason</th></tr></thead>\n<tbody>\n";
    for (const auto& n : board.not_run) {
      html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                          escape(n.model), escape(n.bench), escape(n.settings), escape(n.reason));
    }
    html += "</tbody>\n</table>\n";
  }

  // One chart per column, then the breakdowns.
  html += "<h2>Headline metrics</h2>\n<div class=\"charts\">\n";
  for (size_t c = 0; c < board.columns.size(); ++c) {
    std::vector<Bar> bars;
    for (const auto& model : board.models) {
      auto it = board.cells.find({model, c});
      if (it != board.cells.end() && it->second.value) {
        bars.push_back({model, *it->second.value, it->second.ci});
      }
    }
    if (!bars.empty()) {
      html += bar_chart(
          fmt::format("[{}] {} {}", c + 1, board.columns[c].bench, board.columns[c].metric), bars,
          metric_max(board.columns[c].metric));
    }
  }
  html += "</div>\n";

  std::string breakdowns;
  std::string turns;
  for (size_t c = 0; c < board.columns.size(); ++c) {
    std::vector<Bar> by_source;
    std::vector<Bar> by_turn;
    for (const auto& model : board.models) {
      auto it = board.cells.find({model, c});
      if (it == board.cells.end()) {
        continue;
      }
      const auto* r = report_for(board, it->second.run_id);
      if (!r) {
        continue;
      }
      if (r->pairwise_by_source.size() > 1) {
        for (const auto& [source, s] : r->pairwise_by_source) {
          if (s.tie_win_rate) {
            by_source.push_back({model + " · " + source, *s.tie_win_rate * 100, std::nullopt});
          }
        }
      }
      if (r->absolute && r->absolute->by_source.size() > 1) {
        for (const auto& [source, score] : r->absolute->by_source) {
          by_source.push_back({model + " · " + source, score, std::nullopt});
        }
      }
      if (r->run.protocol == "single" && r->scores.turn2.n > 0) {
        if (r->scores.turn1.mean) {
          by_turn.push_back({model + " · turn 1", *r->scores.turn1.mean, std::nullopt});
        }
        by_turn.push_back({model + " · turn 2", r->scores.turn2.mean.value_or(0), std::nullopt});
      }
    }
    const auto& col = board.columns[c];
    if (!by_source.empty()) {
      breakdowns += bar_chart(fmt::format("[{}] {} by source", c + 1, col.bench), by_source,
                              metric_max(col.metric));
    }
    if (!by_turn.empty()) {
      turns += bar_chart(fmt::format("[{}] {} turn 1 vs turn 2", c + 1, col.bench), by_turn, 10);
    }
  }
  if (!breakdowns.empty()) {
    html += "<h2>Per-source breakdown</h2>\n<div class=\"charts\">\n" + breakdowns + "</div>\n";
  }
  if (!turns.empty()) {
    html += "<h2>MT-Bench: turn 1 vs turn 2</h2>\n<div class=\"charts\">\n" + turns + "</div>\n";
  }
  html += R"(<script>
// Click a header to sort by that column (again to reverse); no libraries.
document.querySelectorAll('#leaderboard th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var body = document.querySelector('#leaderboard tbody');
    var rows = Array.prototype.slice.call(body.rows);
    var desc = !th.classList.contains('sorted-desc');
    document.querySelectorAll('#leaderboard th').forEach(function (h) { h.classList.remove('sorted-asc', 'sorted-desc'); });
    th.classList.add(desc ? 'sorted-desc' : 'sorted-asc');
    rows.sort(function (a, b) {
      var x = a.cells[col], y = b.cells[col];
      if (th.dataset.type === 'text') { return (desc ? -1 : 1) * x.textContent.localeCompare(y.textContent); }
      var u = parseFloat(x.dataset.value), v = parseFloat(y.dataset.value);
      if (isNaN(u)) return 1; if (isNaN(v)) return -1;
      return desc ? v - u : u - v;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
document.body.dataset.ready = 'yes';
</script>
</body>
</html>
)";
  return html;
}

} // namespace reports
