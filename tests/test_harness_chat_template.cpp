#include <harness/chat_template.hpp>

#include <doctest/doctest.h>

using namespace harness;

TEST_SUITE_BEGIN("harness::chat_template");

namespace {

const std::vector<Message> k_single = {{Role::system, "Be kind."}, {Role::user, "Hi?"}};
const std::vector<Message> k_two_turns = {
    {Role::system, "Be kind."}, {Role::user, "Q1"}, {Role::assistant, "A1"}, {Role::user, "Q2"}};

} // namespace

TEST_CASE("mistral-inst is Janus's format, byte for byte")
{
  CHECK(render_chat(ChatTemplate::mistral_inst, k_single) == "[INST] Be kind.\nHi? [/INST] ");
  CHECK(render_chat(ChatTemplate::mistral_inst, {{Role::user, "Hi?"}}) == "[INST] Hi? [/INST] ");
  // Janus strips (system + "\n" + prompt): surrounding whitespace goes.
  CHECK(render_chat(ChatTemplate::mistral_inst, {{Role::system, ""}, {Role::user, " Hi? \n"}}) ==
        "[INST] Hi? [/INST] ");
  CHECK(render_chat(ChatTemplate::mistral_inst, k_two_turns) ==
        "[INST] Be kind.\nQ1 [/INST] A1</s>[INST] Q2 [/INST] ");
}

TEST_CASE("chatml")
{
  CHECK(render_chat(ChatTemplate::chatml, k_two_turns) ==
        "<|im_start|>system\nBe "
        "kind.<|im_end|>\n<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\n"
        "A1<|im_end|>\n<|im_start|>user\nQ2<|im_end|>\n<|im_start|>assistant\n");
}

TEST_CASE("llama3 (no BOS: the server adds it)")
{
  CHECK(render_chat(ChatTemplate::llama3, k_single) ==
        "<|start_header_id|>system<|end_header_id|>\n\nBe kind.<|eot_id|><|start_header_id|>user"
        "<|end_header_id|>\n\nHi?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
}

TEST_CASE("template names")
{
  CHECK(parse_chat_template("mistral-inst").value() == ChatTemplate::mistral_inst);
  CHECK(to_string(ChatTemplate::llama3) == "llama3");
  auto bad = parse_chat_template("mistral");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("mistral-inst, chatml, llama3") != std::string::npos);
}

TEST_SUITE_END();
