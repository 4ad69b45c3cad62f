#!/usr/bin/env python3
"""Compares `lt inspect SCRIPT` JSON with the spec's numbers (k6-load-testing-spec sections 5.1-5.9).
usage: inspect_check.py NAME INSPECT.json   -> prints "ok - ..." / "FAIL - ..." lines, exit 1 on failure.
Durations may come back as k6 strings ("3m30s") or numbers; numbers are read as milliseconds
(the Lua API's rule), so both forms compare in seconds."""
import json
import re
import sys

P99 = ["p(99)<200"]
A2_TH = {"http_req_duration": P99, "match_latency_ms": P99, "http_req_failed": ["rate<0.01"]}
TWO_TH = {"http_req_duration": P99, "match_latency_ms": P99}


def car(rate, unit, duration, pre, mx, **extra):
    d = {"executor": "constant-arrival-rate", "rate": rate, "timeUnit": unit, "duration": duration,
         "preAllocatedVUs": pre, "maxVUs": mx}
    d.update(extra)
    return d


A3_TH = dict(TWO_TH)
for s in ("shallow", "medium", "deep"):
    A3_TH["http_req_duration{scenario:%s}" % s] = P99
    A3_TH["match_latency_ms{scenario:%s}" % s] = P99
A4_TH = dict(TWO_TH)
for ph in ("before", "outage"):
    A4_TH["http_req_duration{phase:%s}" % ph] = P99
    A4_TH["match_latency_ms{phase:%s}" % ph] = P99

SPEC = {
    "a1_warmup": ({"warmup": car(500, "1m", "2m", 20, 50)}, {}),
    "a2_normal_load": ({"normal_load": car(17, "1s", "5m", 30, 60)}, A2_TH),
    "a3_depth_variation": ({
        "shallow": car(17, "1s", "3m", 30, 60, startTime="0s", env={"DEPTH_LABEL": "shallow"}, setup="seed_shallow"),
        "medium": car(17, "1s", "3m", 30, 60, startTime="3m30s", env={"DEPTH_LABEL": "medium"}, setup="seed_medium"),
        "deep": car(17, "1s", "3m", 30, 60, startTime="7m", env={"DEPTH_LABEL": "deep"}, setup="seed_deep"),
    }, A3_TH),
    "a4_kafka_degradation": ({"kafka_degradation": car(17, "1s", "3m", 30, 60)}, A4_TH),
    "b1_baseline": ({"baseline": car(17, "1s", "3m", 30, 60)}, TWO_TH),
    "b2_peak_sustained": ({"peak_sustained": car(84, "1s", "5m", 100, 200)}, A2_TH),
    "b3_ramp": ({"ramp": {"executor": "ramping-arrival-rate", "startRate": 17, "timeUnit": "1s",
                          "preAllocatedVUs": 150, "maxVUs": 300,
                          "stages": [{"duration": "2m", "target": 17}, {"duration": "2m", "target": 42},
                                     {"duration": "2m", "target": 84}, {"duration": "4m", "target": 84}]}},
                TWO_TH),
    "b4_hot_symbol": ({"hot_symbol": car(84, "1s", "5m", 100, 200)}, TWO_TH),
}
DURATION_KEYS = {"duration", "timeUnit", "startTime"}
UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def seconds(v):
    if isinstance(v, (int, float)):
        return v / 1000.0
    if isinstance(v, str):
        parts = re.findall(r"([0-9.]+)(h|ms|m|s|us|µs|ns)", v)
        if parts and "".join(a + b for a, b in parts) == v:
            return sum(float(a) * UNITS[b] for a, b in parts)
        try:
            return float(v)
        except ValueError:
            pass
    return v


def thresholds_of(th):
    """{metric: [expr, ...]} from the string or {threshold=...} object forms."""
    out = {}
    for metric, lst in (th or {}).items():
        if isinstance(lst, (str, dict)):
            lst = [lst]
        out[metric] = sorted(x["threshold"] if isinstance(x, dict) else x for x in lst)
    return out


results = []


def check(name, cond, detail=""):
    results.append(cond)
    print(("ok   - %s" % name) if cond else ("FAIL - %s\n       %s" % (name, detail)))


def main():
    name, path = sys.argv[1], sys.argv[2]
    got = json.load(open(path))
    opts = got.get("options", got)  # the options, or a wrapper holding them
    scen_spec, th_spec = SPEC[name]
    scen = opts.get("scenarios", {})
    check("%s: scenarios %s" % (name, sorted(scen_spec)), sorted(scen) == sorted(scen_spec), sorted(scen))
    for sname, want in scen_spec.items():
        have = scen.get(sname, {})
        for k, v in want.items():
            h = have.get(k)
            if k in DURATION_KEYS:
                ok = seconds(h) == seconds(v)
            elif k == "stages":
                ok = isinstance(h, list) and len(h) == len(v) and all(
                    seconds(a.get("duration")) == seconds(b["duration"]) and a.get("target") == b["target"]
                    for a, b in zip(h, v))
            elif k == "env":
                ok = isinstance(h, dict) and all(h.get(ek) == ev for ek, ev in v.items())
            else:
                ok = h == v
            check("%s.%s.%s = %s" % (name, sname, k, json.dumps(v)), ok, "got %s" % json.dumps(h))
        if "startTime" not in want:
            st = have.get("startTime", 0)
            check("%s.%s starts at 0" % (name, sname), seconds(st) in (0, 0.0, None) or st in ("0s", None), st)
    th = thresholds_of(opts.get("thresholds"))
    want_th = {k: sorted(v) for k, v in th_spec.items()}
    check("%s: thresholds %s" % (name, json.dumps(want_th, sort_keys=True)), th == want_th,
          "got %s" % json.dumps(th, sort_keys=True))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
