#!/usr/bin/env python3
"""A fake OpenAI server with the Batch API, for evalrun's batch tests (loopback only).

  GET  /v1/models                  one model, --model
  POST /v1/chat/completions        a judgment at once (a plain request)
  POST /v1/files                   multipart/form-data: purpose=batch, file=<JSON Lines>
  POST /v1/batches                 {"input_file_id", "endpoint", "completion_window", "metadata"}
  GET  /v1/batches/ID, /v1/batches?limit=N
  GET  /v1/files/ID/content        a batch's output or error file
  GET  /stats                      what was asked: files, batches, lines, plain requests
  POST /admin/finish               lets every batch held (--hold) complete

A batch is "validating", then "in_progress" for --polls GETs, then
"completed" (unless --hold keeps it in progress until /admin/finish). Each
input line is checked (custom_id, method POST, url = the batch's endpoint,
body.model = --model) and answered with a judgment in MT-Bench's single
format, "Rating: [[N]]", N from the SHA-256 of the prompt: the same for the
same prompt, in a batch or not. --fail-first K: the first K lines ever seen
fail (in the error file) instead; --drop-first K: the first K get no line at all.
"""
import argparse
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"files": {}, "batches": {}, "order": [], "stats": {
    "files_uploaded": 0, "batches_created": 0, "lines": 0, "plain_requests": 0,
    "answered": {}, "failed_lines": 0, "dropped_lines": 0, "bad_lines": 0}}
held = {"finished": False}


def rating(body):
    text = json.dumps(body.get("messages", body.get("prompt", "")), sort_keys=True)
    return 1 + int(hashlib.sha256(text.encode()).hexdigest(), 16) % 10


def completion(body, n):
    return {"id": f"chatcmpl-{n}", "object": "chat.completion", "model": body.get("model"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": f"Fair answer. Rating: [[{rating(body)}]]"}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}


def batch_view(b):
    return {k: b[k] for k in ("id", "object", "endpoint", "input_file_id", "status", "output_file_id",
                             "error_file_id", "request_counts", "metadata", "errors")}


def advance(b, args):
    # One GET further along: validating, in progress for --polls GETs, completed.
    if b["status"] == "validating":
        b["status"] = "in_progress"
        return
    if b["status"] != "in_progress":
        return
    b["polls"] += 1
    if b["polls"] < args.polls or (args.hold and not held["finished"]):
        return
    out, err = [], []
    for n, line in enumerate(b["lines"]):
        req = json.loads(line)
        cid = req.get("custom_id")
        problem = None
        if req.get("method") != "POST" or req.get("url") != b["endpoint"]:
            problem = "bad method or url"
        elif req.get("body", {}).get("model") != args.model:
            problem = "unknown model " + str(req.get("body", {}).get("model"))
        if problem:
            state["stats"]["bad_lines"] += 1
            err.append({"id": f"req-{n}", "custom_id": cid, "response": None,
                        "error": {"code": "invalid_request", "message": problem}})
            continue
        if state["stats"]["dropped_lines"] < args.drop_first:
            state["stats"]["dropped_lines"] += 1
            continue  # no line at all, in neither file
        if state["stats"]["failed_lines"] < args.fail_first:
            state["stats"]["failed_lines"] += 1
            err.append({"id": f"req-{n}", "custom_id": cid,
                        "response": {"status_code": 500, "request_id": f"r{n}",
                                     "body": {"error": {"message": "server busy", "type": "server_error"}}},
                        "error": None})
            continue
        state["stats"]["answered"][cid] = state["stats"]["answered"].get(cid, 0) + 1
        out.append({"id": f"req-{n}", "custom_id": cid,
                    "response": {"status_code": 200, "request_id": f"r{n}", "body": completion(req["body"], n)},
                    "error": None})
    for kind, lines in (("output_file_id", out), ("error_file_id", err)):
        if lines:
            fid = f"file-{len(state['files']) + 1}"
            state["files"][fid] = "".join(json.dumps(x) + "\n" for x in lines)
            b[kind] = fid
    b["request_counts"] = {"total": len(b["lines"]), "completed": len(out), "failed": len(err)}
    b["status"] = "completed"


def multipart_file(body, content_type):
    boundary = re.search(r"boundary=([^;]+)", content_type).group(1).encode()
    parts = body.split(b"--" + boundary)
    fields = {}
    for part in parts:
        if b"\r\n\r\n" not in part:
            continue
        head, _, value = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]+)"', head)
        if name:
            fields[name.group(1).decode()] = value[:-2] if value.endswith(b"\r\n") else value
    return fields


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def do_GET(self):
        with lock:
            if self.path == "/v1/models":
                return self.reply(200, {"object": "list", "data": [{"id": args.model, "object": "model", "owned_by": "openai"}]})
            if self.path == "/stats":
                return self.reply(200, state["stats"])
            m = re.fullmatch(r"/v1/batches/([\w-]+)", self.path)
            if m and m.group(1) in state["batches"]:
                b = state["batches"][m.group(1)]
                advance(b, args)
                return self.reply(200, batch_view(b))
            if self.path.startswith("/v1/batches?"):
                return self.reply(200, {"object": "list", "data": [batch_view(state["batches"][i]) for i in reversed(state["order"])]})
            m = re.fullmatch(r"/v1/files/([\w-]+)/content", self.path)
            if m and m.group(1) in state["files"]:
                data = state["files"][m.group(1)].encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
        self.reply(404, {"error": {"message": "not found: " + self.path}})

    def do_POST(self):
        data = self.body()
        with lock:
            if self.path == "/v1/chat/completions":
                state["stats"]["plain_requests"] += 1
                return self.reply(200, completion(json.loads(data), 0))
            if self.path == "/admin/finish":
                held["finished"] = True
                return self.reply(200, {})
            if self.path == "/v1/files":
                fields = multipart_file(data, self.headers.get("Content-Type", ""))
                if fields.get("purpose") != b"batch" or "file" not in fields:
                    return self.reply(400, {"error": {"message": "expected purpose=batch and a file"}})
                fid = f"file-{len(state['files']) + 1}"
                state["files"][fid] = fields["file"].decode()
                state["stats"]["files_uploaded"] += 1
                return self.reply(200, {"id": fid, "object": "file", "purpose": "batch", "bytes": len(fields["file"])})
            if self.path == "/v1/batches":
                req = json.loads(data)
                fid = req.get("input_file_id")
                if fid not in state["files"] or req.get("completion_window") != "24h":
                    return self.reply(400, {"error": {"message": "bad input_file_id or completion_window"}})
                lines = [l for l in state["files"][fid].splitlines() if l.strip()]
                bid = f"batch_{len(state['batches']) + 1}"
                state["batches"][bid] = {
                    "id": bid, "object": "batch", "endpoint": req.get("endpoint"), "input_file_id": fid,
                    "status": "validating", "output_file_id": None, "error_file_id": None,
                    "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
                    "metadata": req.get("metadata") or {}, "errors": None, "lines": lines, "polls": 0}
                state["order"].append(bid)
                state["stats"]["batches_created"] += 1
                state["stats"]["lines"] += len(lines)
                return self.reply(200, batch_view(state["batches"][bid]))
        self.reply(404, {"error": {"message": "not found: " + self.path}})


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--port-file", required=True)
parser.add_argument("--model", default="judge-model")
parser.add_argument("--polls", type=int, default=2)
parser.add_argument("--hold", action="store_true")
parser.add_argument("--fail-first", type=int, default=0)
parser.add_argument("--drop-first", type=int, default=0)
args = parser.parse_args()
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.replace(args.port_file + ".tmp", args.port_file)
server.serve_forever()
