#!/usr/bin/env python3
"""Feeds `lt report --format html` summaries whose timeline is a fixture's with values replaced at
random by values of the wrong type or length (seeded, so a failure repeats). The page must still
be written: exit 0, 99 or 110 and nothing on stderr, never a Lua error.

usage: timeline_fuzz.py LT SUMMARY RUNS WORKDIR   (prints "bad N of RUNS", exits 1 when N > 0)
"""
import copy
import json
import os
import random
import subprocess
import sys

JUNK = [None, 1, -1, 0, 1e308, "x", "<script>", [], {}, [None], [1, "a", {}], {"a": 1}, True,
        [1e308, -5, 0]]


def mutate(rng, v, depth=0):
    if rng.random() < 0.25 or depth > 4:
        return copy.deepcopy(rng.choice(JUNK))
    if isinstance(v, dict):
        return {k: mutate(rng, x, depth + 1) for k, x in v.items()}
    if isinstance(v, list):
        out = [mutate(rng, x, depth + 1) for x in v[:50]]
        return out[:rng.randint(0, len(out))] if rng.random() < 0.2 else out
    return v


def main():
    lt, summary, runs, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    base = json.load(open(summary))
    rng = random.Random(7)
    src, out = os.path.join(work, "fuzz.json"), os.path.join(work, "fuzz.html")
    bad = 0
    for i in range(runs):
        s = copy.deepcopy(base)
        s["timeline"] = mutate(rng, base["timeline"])
        with open(src, "w") as f:
            json.dump(s, f)
        r = subprocess.run([lt, "report", "--format", "html", "-o", out, src], capture_output=True, text=True)
        if r.returncode not in (0, 99, 110) or r.stderr:
            bad += 1
            if bad <= 3:
                print("run %d: exit %d: %s" % (i, r.returncode, r.stderr.strip()[:300]))
    print("bad %d of %d" % (bad, runs))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
