#!/usr/bin/env python3
"""A loopback OpenAI-compatible server that echoes the request's Authorization
header back: in an HTTP 400 error body for the model "echo-error", and in the
reply text otherwise. Tests use it to check that evalrun never stores, logs or
reports an API key a server sends back.

Usage: echo_key_server.py PORT_FILE   (listens on 127.0.0.1, a free port)
"""
import http.server
import json
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.reply(200, {"object": "list", "data": [{"id": "echo", "object": "model"},
                                                    {"id": "echo-error", "object": "model"}]})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        request = json.loads(self.rfile.read(length) or b"{}")
        auth = self.headers.get("Authorization", "")
        if request.get("model") == "echo-error":
            self.reply(400, {"error": {"message": "rejected credentials: " + auth, "type": "x"}})
            return
        text = "I saw " + auth + " and the verdict is Rating: [[7]]"
        self.reply(200, {"id": "x", "object": "chat.completion", "model": request.get("model"),
                         "choices": [{"index": 0, "finish_reason": "stop",
                                      "message": {"role": "assistant", "content": text}}],
                         "usage": {"prompt_tokens": 1, "completion_tokens": 1}})


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
