#include <harness/chat_template.hpp>

#include <fmt/core.h>

namespace harness {

namespace {

// Python's str.strip() for ASCII whitespace.
std::string
strip(std::string_view s)
{
  constexpr std::string_view k_space = " \t\n\r\v\f";
  auto b = s.find_first_not_of(k_space);
  if (b == std::string_view::npos) {
    return {};
  }
  auto e = s.find_last_not_of(k_space);
  return std::string(s.substr(b, e - b + 1));
}

std::string
render_mistral(const std::vector<Message>& messages)
{
  // Janus's apply_template_mistral_instruct for the first turn:
  // "[INST] " + (system + "\n" + user).strip() + " [/INST] "; later turns as
  // in the Mistral format: the answer, "</s>", then the next [INST] block.
  std::string system;
  size_t i = 0;
  if (!messages.empty() && messages[0].role == Role::system) {
    system = messages[0].content;
    i = 1;
  }
  std::string out;
  bool first_user = true;
  for (; i < messages.size(); ++i) {
    const auto& m = messages[i];
    if (m.role == Role::user) {
      std::string content = first_user ? strip(system + "\n" + m.content) : m.content;
      first_user = false;
      out += "[INST] " + content + " [/INST] ";
    } else if (m.role == Role::assistant) {
      out += m.content + "</s>";
    }
  }
  return out;
}

std::string
render_chatml(const std::vector<Message>& messages)
{
  std::string out;
  for (const auto& m : messages) {
    out += fmt::format("<|im_start|>{}\n{}<|im_end|>\n",
                       m.role == Role::system ? "system"
                       : m.role == Role::user ? "user"
                                              : "assistant",
                       m.content);
  }
  return out + "<|im_start|>assistant\n";
}

std::string
render_llama3(const std::vector<Message>& messages)
{
  // Meta's template trims each message's content.
  std::string out;
  for (const auto& m : messages) {
    out += fmt::format("<|start_header_id|>{}<|end_header_id|>\n\n{}<|eot_id|>",
                       m.role == Role::system ? "system"
                       : m.role == Role::user ? "user"
                                              : "assistant",
                       strip(m.content));
  }
  return out + "<|start_header_id|>assistant<|end_header_id|>\n\n";
}

} // namespace

Result<ChatTemplate>
parse_chat_template(std::string_view name)
{
  if (name == "mistral-inst") {
    return ChatTemplate::mistral_inst;
  }
  if (name == "chatml") {
    return ChatTemplate::chatml;
  }
  if (name == "llama3") {
    return ChatTemplate::llama3;
  }
  return Error(Error::Kind::config,
               fmt::format("unknown template '{}' (known: mistral-inst, chatml, llama3)", name));
}

std::string_view
to_string(ChatTemplate t)
{
  switch (t) {
  case ChatTemplate::mistral_inst: return "mistral-inst";
  case ChatTemplate::chatml: return "chatml";
  case ChatTemplate::llama3: return "llama3";
  }
  return "chatml";
}

std::string
render_chat(ChatTemplate t, const std::vector<Message>& messages)
{
  switch (t) {
  case ChatTemplate::mistral_inst: return render_mistral(messages);
  case ChatTemplate::chatml: return render_chatml(messages);
  case ChatTemplate::llama3: return render_llama3(messages);
  }
  return render_chatml(messages);
}

} // namespace harness
