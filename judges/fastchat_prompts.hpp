#pragma once

#include <harness/error.hpp>
#include <harness/text_file.hpp>

#include <map>
#include <string>

namespace judges {

// One prompt of FastChat's judge_prompts.jsonl (placeholders in Python
// str.format syntax).
struct FastChatPrompt
{
  std::string name; // e.g. "single-math-v1-multi-turn"
  std::string type; // "single" or "pairwise"
  std::string system_prompt;
  std::string prompt_template;
  std::string output_format; // "[[rating]]" or "[[A]]"
};

using FastChatPrompts = std::map<std::string, FastChatPrompt>;

// Parses judge_prompts.jsonl; errors name file, line and field.
harness::Result<FastChatPrompts> parse_fastchat_prompts(const harness::TextFile& file);

} // namespace judges
