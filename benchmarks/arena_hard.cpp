#include <benchmarks/arena_hard.hpp>

#include <harness/jsonl.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>

namespace benchmarks {

using harness::Error;
using harness::Item;
using harness::Result;
using nlohmann::json;

namespace {

Result<std::string>
string_field(const json& record, const char* field)
{
  auto it = record.find(field);
  if (it == record.end() || !it->is_string()) {
    return Error(Error::Kind::config, fmt::format("field '{}': expected a string", field));
  }
  return it->get<std::string>();
}

} // namespace

Result<ArenaHardAnswer>
arena_hard_answer(const json& record)
{
  auto id = string_field(record, "question_id");
  if (!id) {
    return id.error();
  }
  auto choices = record.find("choices");
  if (choices == record.end() || !choices->is_array() || choices->empty() ||
      !(*choices)[0].is_object()) {
    return Error(Error::Kind::config, "field 'choices': expected a non-empty list of objects");
  }
  const auto& turns = (*choices)[0].find("turns");
  if (turns == (*choices)[0].end() || !turns->is_array() || turns->empty() ||
      !(*turns)[0].is_object()) {
    return Error(Error::Kind::config,
                 "field 'choices[0].turns': expected a non-empty list of objects");
  }
  const json& turn = (*turns)[0];
  auto content = string_field(turn, "content");
  if (!content) {
    return Error(Error::Kind::config, "choices[0].turns[0]." + content.error().message);
  }
  ArenaHardAnswer answer{*id, *content, std::nullopt};
  if (auto n = turn.find("token_len"); n != turn.end()) {
    if (!n->is_number_integer()) {
      return Error(Error::Kind::config,
                   "field 'choices[0].turns[0].token_len': expected an integer");
    }
    answer.token_len = n->get<long>();
  }
  return answer;
}

Result<std::vector<Item>>
load_arena_hard(const harness::BenchSpec& spec, const harness::FileSet& files)
{
  auto questions =
      harness::required_file(spec, files, "questions", "the arena_hard adapter reads it");
  if (!questions) {
    return questions.error();
  }
  auto answers = harness::required_file(
      spec, files, "references", "the arena_hard judge compares with the baseline's answers");
  if (!answers) {
    return answers.error();
  }
  std::map<std::string, ArenaHardAnswer> baseline;
  auto walked = harness::for_each_jsonl(**answers, [&](int, const json& r) -> Result<bool> {
    auto answer = arena_hard_answer(r);
    if (!answer) {
      return answer.error();
    }
    baseline[answer->question_id] = std::move(*answer); // the last line of a repeated id wins
    return true;
  });
  if (!walked) {
    return walked.error();
  }

  std::vector<Item> items;
  std::set<std::string> seen;
  walked = harness::for_each_jsonl(**questions, [&](int, const json& q) -> Result<bool> {
    Item item;
    auto id = string_field(q, "question_id");
    if (!id) {
      return id.error();
    }
    if (!seen.insert(*id).second) {
      return Error(Error::Kind::config,
                   fmt::format("field 'question_id': '{}' appears twice", *id));
    }
    item.id = *id;
    auto category = string_field(q, "category");
    if (!category) {
      return category.error();
    }
    item.category = *category;
    auto turns = q.find("turns");
    if (turns == q.end() || !turns->is_array() || turns->size() != 1 || !(*turns)[0].is_object()) {
      return Error(Error::Kind::config, "field 'turns': expected a list of one object");
    }
    auto content = string_field((*turns)[0], "content");
    if (!content) {
      return Error(Error::Kind::config, "turns[0]." + content.error().message);
    }
    item.turns = {std::move(*content)};
    if (auto cluster = q.find("cluster"); cluster != q.end() && cluster->is_string()) {
      item.meta["cluster"] = {cluster->get<std::string>()};
    }
    auto answer = baseline.find(item.id);
    if (answer == baseline.end()) {
      return Error(Error::Kind::config, fmt::format("question '{}' has no baseline answer in {}",
                                                    item.id, (*answers)->path.string()));
    }
    item.references = {answer->second.text};
    if (answer->second.token_len) {
      item.meta["baseline_token_len"] = {std::to_string(*answer->second.token_len)};
    }
    items.push_back(std::move(item));
    return true;
  });
  if (!walked) {
    return walked.error();
  }
  return items;
}

} // namespace benchmarks
