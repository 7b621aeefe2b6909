#include <harness/jsonl.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

namespace harness {

std::vector<std::pair<int, std::string_view>>
non_blank_lines(std::string_view text)
{
  std::vector<std::pair<int, std::string_view>> out;
  int line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    ++line_number;
    auto line = text.substr(start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      out.emplace_back(line_number, line);
    }
  }
  return out;
}

Result<int>
for_each_jsonl(const TextFile& file,
               const std::function<Result<bool>(int, const nlohmann::json&)>& on_record)
{
  int records = 0;
  for (const auto& [line_number, line] : non_blank_lines(file.content)) {
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      return Error{Error::Kind::config, fmt::format("{}:{}: not valid JSON: {}", file.path.string(),
                                                    line_number, e.what())};
    }
    if (!record.is_object()) {
      return Error{Error::Kind::config,
                   fmt::format("{}:{}: expected a JSON object", file.path.string(), line_number)};
    }
    auto r = on_record(line_number, record);
    if (!r) {
      return Error{r.error().kind,
                   fmt::format("{}:{}: {}", file.path.string(), line_number, r.error().message)};
    }
    ++records;
  }
  return records;
}

Result<int>
for_each_record(const TextFile& file,
                const std::function<Result<bool>(int, const nlohmann::json&)>& on_record)
{
  auto whole = nlohmann::json::parse(file.content, nullptr, false);
  if (whole.is_discarded() || !(whole.is_array() || whole.is_object())) {
    return for_each_jsonl(file, on_record);
  }
  if (whole.is_object()) {
    whole = nlohmann::json::array({std::move(whole)});
  }
  for (size_t i = 0; i < whole.size(); ++i) {
    auto r = whole[i].is_object() ? on_record(static_cast<int>(i), whole[i])
                                  : Result<bool>(Error(Error::Kind::config, "expected an object"));
    if (!r) {
      return Error(r.error().kind,
                   fmt::format("{}: record [{}]: {}", file.path.string(), i, r.error().message));
    }
  }
  return static_cast<int>(whole.size());
}

} // namespace harness
