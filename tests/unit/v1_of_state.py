#!/usr/bin/env python3
"""v1_of_state.py -- a v0 /master/state as the SUBSCRIBED record a master
sends for it, converted by tests/fake_master.py's own Cluster (what the
fake master streams), without the RecordIO framing:
{"type":"SUBSCRIBED","subscribed":{"get_state":...}}.

  v1_of_state.py STATE.json            the record on standard output
  v1_of_state.py --fixtures            (re)write tests/fixtures/v1/ from
                                       tests/fixtures/state/*.json and
                                       tests/fixtures/mesosdns/*/state.json

The fixtures it writes are committed; test_event.c parses each beside its
v0 source and compares them field by field."""
import glob
import json
import os
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests"))
import fake_master  # noqa: E402


def record(doc):
    return {"type": "SUBSCRIBED",
            "subscribed": {"get_state": fake_master.Cluster(doc).get_state()}}


def convert(path):
    with open(path, "rb") as f:
        doc = json.loads(f.read())
    return json.dumps(record(doc), separators=(",", ":"), ensure_ascii=False)


def fixtures():
    out = os.path.join(TOP, "tests", "fixtures", "v1")
    os.makedirs(out, exist_ok=True)
    srcs = [("state", p) for p in sorted(glob.glob(os.path.join(TOP, "tests/fixtures/state/*.json")))]
    srcs += [("mesosdns", p) for p in sorted(glob.glob(os.path.join(TOP, "tests/fixtures/mesosdns/*/state.json")))]
    for kind, p in srcs:
        name = os.path.basename(p) if kind == "state" else \
            "mesosdns-" + os.path.basename(os.path.dirname(p)) + ".json"
        try:
            text = convert(p)
        except (ValueError, TypeError, KeyError, AttributeError):
            continue  # not a state a master could have: no v1 form
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write(text + "\n")
        print(name)


if __name__ == "__main__":
    if sys.argv[1:] == ["--fixtures"]:
        fixtures()
    elif len(sys.argv) == 2:
        sys.stdout.write(convert(sys.argv[1]) + "\n")
    else:
        sys.exit("usage: v1_of_state.py STATE.json | --fixtures")
