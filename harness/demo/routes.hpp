#pragma once

#include <string>
#include <string_view>

namespace harness::demo {

// The demo backend's answer to one HTTP request, whatever carries it (the
// loopback server, or the in-process transport of a dry run).
struct RouteReply
{
  int status = 200;
  std::string body;        // JSON
  bool completion = false; // a chat or text completion was served
};

// Routes GET /health, GET /models and POST /chat/completions and
// /completions (each with or without the /v1 prefix) to demo_reply();
// anything else is a 404 with an OpenAI-style error body.
RouteReply route(std::string_view method, std::string_view target, std::string_view body);

} // namespace harness::demo
