#!/usr/bin/env python3
"""The shared fake OpenAI server, logging every chat request it receives, for tests.

Each chat request appends two lines to LOG_FILE (opened for appending, so that
several lives of the server share one log): "recv DIGEST" when it arrives and
"OUTCOME DIGEST" when it is answered, where OUTCOME is ok, 429, 500, garbage,
hang (held until the client gave up) or the HTTP status of any other reply, and
DIGEST is the fake's own prompt digest: the first 16 bytes of SHA-256 over the
canonical JSON of [model, messages], in hex ("-" for a body that is not a chat
request). A test computes the same digest from what the harness stored and so
tells a request sent again from one sent for the first time.

Usage: logging_fake.py FAKE_OPENAI_PY LOG_FILE [fake_openai.py options]
"""
import hashlib
import importlib.util
import json
import sys

spec = importlib.util.spec_from_file_location("fake_openai", sys.argv[1])
fake = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fake)
log = open(sys.argv[2], "a", buffering=1)


def prompt_digest(body):
    """The digest fake_openai.py gives (model, messages); "-" when there is none."""
    try:
        req = json.loads(body)
        canon = json.dumps([req["model"], req["messages"]], sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False).encode()
    except (ValueError, TypeError, KeyError):
        return "-"
    return hashlib.sha256(canon).digest()[:16].hex()


def outcome(reply):
    if reply is None:
        return "hang"
    status = reply.split(b" ", 2)[1].decode()
    if status == "200":
        return "garbage" if b"chatcmpl-garbage" in reply else "ok"
    return status


original = fake.FakeOpenAI.chat_completion


async def chat_completion(self, body, keep_alive, reader):
    digest = prompt_digest(body)
    log.write("recv %s\n" % digest)
    reply = await original(self, body, keep_alive, reader)
    log.write("%s %s\n" % (outcome(reply), digest))
    return reply


fake.FakeOpenAI.chat_completion = chat_completion
sys.exit(fake.main(sys.argv[3:]))
