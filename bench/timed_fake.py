#!/usr/bin/env python3
"""The shared fake OpenAI server, with the arrival time of its first chat request.

/stats gains "first_request_unix": the Unix time (float seconds) at which the
first chat request arrived, or null before any did; a benchmark subtracts the
moment it started the client to get the client's time to first request.

Usage: timed_fake.py FAKE_OPENAI_PY [fake_openai.py options]
"""
import importlib.util
import sys
import time

spec = importlib.util.spec_from_file_location("fake_openai", sys.argv[1])
fake = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fake)
first = [None]
original_chat, original_snapshot = fake.FakeOpenAI.chat_completion, fake.Stats.snapshot


async def chat_completion(self, body, keep_alive, reader):
    if first[0] is None:
        first[0] = time.time()
    return await original_chat(self, body, keep_alive, reader)


def snapshot(self):
    return dict(original_snapshot(self), first_request_unix=first[0])


fake.FakeOpenAI.chat_completion = chat_completion
fake.Stats.snapshot = snapshot
sys.exit(fake.main(sys.argv[2:]))
