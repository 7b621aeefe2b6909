#!/usr/bin/env python3
"""The shared fake OpenAI server, with the times of its first and last chat requests.

/stats gains:
  first_request_unix  the Unix time (float seconds) at which the first chat
                      request arrived, or null before any did; a benchmark
                      subtracts the moment it started the client to get the
                      client's time to first request;
  last_reply_unix     when the last chat request answered so far was answered;
  server_cpu_window_s the server's CPU time (user + system) from the first
                      request's arrival to the last reply: with the window's
                      wall time, how busy the server was while it had work.

Usage: timed_fake.py FAKE_OPENAI_PY [fake_openai.py options]
"""
import importlib.util
import sys
import time

spec = importlib.util.spec_from_file_location("fake_openai", sys.argv[1])
fake = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fake)
first = [None, None]  # arrival time, CPU time then
last = [None, None]   # reply time, CPU time then
original_chat, original_snapshot = fake.FakeOpenAI.chat_completion, fake.Stats.snapshot


async def chat_completion(self, body, keep_alive, reader):
    if first[0] is None:
        first[0], first[1] = time.time(), time.process_time()
    reply = await original_chat(self, body, keep_alive, reader)
    last[0], last[1] = time.time(), time.process_time()
    return reply


def snapshot(self):
    cpu = None if first[1] is None or last[1] is None else last[1] - first[1]
    return dict(original_snapshot(self), first_request_unix=first[0], last_reply_unix=last[0],
                server_cpu_window_s=cpu)


fake.FakeOpenAI.chat_completion = chat_completion
fake.Stats.snapshot = snapshot
sys.exit(fake.main(sys.argv[2:]))
