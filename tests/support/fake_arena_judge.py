#!/usr/bin/env python3
"""The shared fake OpenAI server with Arena-Hard judge replies, for tests.

A prompt that holds Arena-Hard's verdict labels ([[A>>B]] ... [[B>>A]]) is
answered, from the request digest, with one label (5 in 8), no label at all
(2 in 8: the harness must ask the judge to continue; a continuation gets a
label half of the time, else none again) or two conflicting labels (1 in 8: no
verdict, and no continuation). Everything else is fake_openai.py's.

Usage: fake_arena_judge.py FAKE_OPENAI_PY [fake_openai.py options]
"""
import importlib.util
import sys

spec = importlib.util.spec_from_file_location("fake_openai", sys.argv[1])
fake = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fake)

LABELS = ["A>>B", "A>B", "A=B", "B>A", "B>>A"]
CONTINUE = "continue your judgment and finish by outputting a final verdict label"
original = fake.generate_reply


def generate_reply(h, text, json_mode, schema=None):
    if "[[A>>B]]" in text and "[[B>>A]]" in text:
        roll = fake._pick(h, b"arena", 8)
        label = LABELS[fake._pick(h, b"label", 5)]
        if CONTINUE in text:
            return "Finishing: [[%s]]" % label if roll % 2 == 0 else "Still undecided."
        if roll in (0, 1):
            return "My own answer first: " + fake._words(h, b"own", 20)
        if roll == 2:
            return "Either [[A>B]] or [[B>A]], hard to say."
        return fake._words(h, b"expl", 20) + " My final verdict is [[%s]]" % label
    return original(h, text, json_mode, schema)


fake.generate_reply = generate_reply
sys.exit(fake.main(sys.argv[2:]))
