#include <judges/fastchat_prompts.hpp>

#include <harness/jsonl.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

namespace judges {

using harness::Error;
using harness::Result;

Result<FastChatPrompts>
parse_fastchat_prompts(const harness::TextFile& file)
{
  FastChatPrompts prompts;
  auto walked =
      harness::for_each_jsonl(file, [&](int, const nlohmann::json& record) -> Result<bool> {
        FastChatPrompt p;
        for (auto [field, target] : {std::pair{"name", &p.name},
                                     {"type", &p.type},
                                     {"system_prompt", &p.system_prompt},
                                     {"prompt_template", &p.prompt_template},
                                     {"output_format", &p.output_format}}) {
          auto it = record.find(field);
          if (it == record.end() || !it->is_string()) {
            return Error(Error::Kind::config, fmt::format("field '{}': expected a string", field));
          }
          *target = it->get<std::string>();
        }
        if (prompts.count(p.name)) {
          return Error(Error::Kind::config, fmt::format("field 'name': duplicate '{}'", p.name));
        }
        prompts[p.name] = std::move(p);
        return true;
      });
  if (!walked) {
    return walked.error();
  }
  return prompts;
}

} // namespace judges
