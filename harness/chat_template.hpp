#pragma once

#include <harness/error.hpp>
#include <harness/types.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace harness {

// Prompt formats for endpoints of kind `completions` (a raw text prompt).
// Named explicitly in the endpoint config; never guessed from a model name.
// None of them adds a BOS token: the server's tokenizer adds it.
enum class ChatTemplate {
  mistral_inst, // [INST] {system}\n{user} [/INST] {assistant}</s>[INST] {user} [/INST]  (Janus)
  chatml,       // <|im_start|>{role}\n{content}<|im_end|>\n ... <|im_start|>assistant\n
  llama3,       // <|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|> ...
};

// "mistral-inst", "chatml" or "llama3"; an Error names the known ones.
Result<ChatTemplate> parse_chat_template(std::string_view name);
std::string_view to_string(ChatTemplate t);

// Renders a conversation (an optional leading system message, then user and
// assistant turns alternating, ending with a user turn) as the prompt that
// asks the model for the next assistant turn.
std::string render_chat(ChatTemplate t, const std::vector<Message>& messages);

} // namespace harness
