#!/usr/bin/env python3
"""Reads mesim's Prometheus /metrics for the end-to-end tests.

  prom.py sum NAME [label=value ...] -- URL [URL ...]   sum of matching samples over the URLs
  prom.py watch OUT SECONDS URL [URL ...]               every SECONDS, appends one JSON line
        {"t": seconds since start, "s": {"name{l=v,...}": value}} to OUT until killed
  prom.py rates WATCHFILE NAME [label=value ...]        per-interval rates of a counter, as
        JSON [[t, rate], ...] (the sum over matching series)
"""
import json
import re
import signal
import sys
import time
import urllib.request

SAMPLE = re.compile(r'^([A-Za-z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)')


def scrape(url):
    out = {}
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            text = r.read().decode()
    except Exception:
        return out
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m and not line.startswith("#"):
            labels = ",".join("%s=%s" % kv for kv in sorted(re.findall(r'(\w+)="([^"]*)"', m.group(2) or "")))
            out["%s{%s}" % (m.group(1), labels)] = out.get("%s{%s}" % (m.group(1), labels), 0) + float(m.group(3))
    return out


def matches(key, name, filters):
    n, _, labels = key.partition("{")
    if n != name:
        return False
    have = dict(kv.split("=", 1) for kv in labels.rstrip("}").split(",") if kv)
    return all(have.get(k) == v for k, v in filters.items())


def total(samples, name, filters):
    return sum(v for k, v in samples.items() if matches(k, name, filters))


def parse_filters(args):
    return dict(a.split("=", 1) for a in args)


def main():
    cmd = sys.argv[1]
    if cmd == "sum":
        i = sys.argv.index("--")
        name, filters, urls = sys.argv[2], parse_filters(sys.argv[3:i]), sys.argv[i + 1:]
        s = 0.0
        for u in urls:
            s += total(scrape(u), name, filters)
        print(int(s) if s == int(s) else s)
    elif cmd == "watch":
        out, every, urls = sys.argv[2], float(sys.argv[3]), sys.argv[4:]
        signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
        t0 = time.monotonic()
        with open(out, "a") as f:
            while True:
                t = time.monotonic() - t0
                s = {}
                for u in urls:
                    for k, v in scrape(u).items():
                        if k.startswith(("me_orders_total", "me_matches_total", "me_orderbook_depth",
                                         "me_events_", "me_broker_paused", "gw_requests_total")):
                            s[k] = s.get(k, 0) + v
                f.write(json.dumps({"t": round(t, 3), "s": s}) + "\n")
                f.flush()
                time.sleep(max(0.0, every - (time.monotonic() - t0 - t)))
    elif cmd == "rates":
        rows = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
        name, filters = sys.argv[3], parse_filters(sys.argv[4:])
        out = []
        for a, b in zip(rows, rows[1:]):
            dt = b["t"] - a["t"]
            if dt > 0:
                out.append([round(b["t"], 2), (total(b["s"], name, filters) - total(a["s"], name, filters)) / dt])
        print(json.dumps(out))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
