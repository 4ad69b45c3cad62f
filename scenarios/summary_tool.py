#!/usr/bin/env python3
"""Reads lt's JSON summaries (schema lt-summary/1) and mesim's /metrics for the suites and demo.

  summary_tool.py row SUMMARY NAME EXIT                      a suite's table line (exit 1: no summary)
  summary_tool.py verdicts REPORT ASR                        prints the rows of ASR (asr1, asr2) of
                                                             `lt report --format json` and its verdict
  summary_tool.py depths SUMMARY                             A3: p99 per depth (scenario)
  summary_tool.py shares SUMMARY                             requests per shard and symbol (series)
  summary_tool.py mesim-shares URL [URL...]                  orders per shard / symbol from mesim
  summary_tool.py b4-shares SUMMARY URL [URL...]             both side by side, with B4's expected shares
"""
import argparse
import json
import re
import sys
import urllib.request

LOAD_EXCLUDE = {"seed", "control"}  # request kinds that are not load (seeding, admin calls)


def load(path):
    with open(path) as f:
        return json.load(f)


EXIT_WORDS = {"0": "passed", "99": "thresholds failed", "104": "bad configuration", "105": "interrupted",
              "107": "script error", "108": "aborted by the script"}


def load_rows(s, metric):
    """The series of metric that are load (orders), not seeding or control calls."""
    for row in s.get("series", []):
        if row.get("metric") == metric and row.get("tags", {}).get("kind") not in LOAD_EXCLUDE:
            yield row


def top_errors(s, n=2):
    """'connection refused: 31' / 'status 503: 16': what the failed load requests died of."""
    why = {}
    for row in load_rows(s, "http_req_failed"):
        failed = row.get("values", {}).get("passes", 0)  # a rate's passes: samples that were 1
        if failed:
            tags = row.get("tags", {})
            key = tags.get("error") or "status %s" % tags.get("status", "?")
            why[key] = why.get(key, 0) + failed
    return ", ".join("%s: %d" % kv for kv in sorted(why.items(), key=lambda kv: -kv[1])[:n])


def cmd_row(a):
    """One line of a suite's table: figures, no verdict (lt report judges). Exit 1: no summary."""
    what = EXIT_WORDS.get(a.exit, "error")
    try:
        s = load(a.summary)
    except (OSError, ValueError):
        print("%-22s %-18s (no summary)" % (a.name, what))
        return 1
    m = s.get("metrics", {})

    def v(k, f):
        return m.get(k, {}).get("values", {}).get(f)

    def fmt(x, f):
        return (f % x) if isinstance(x, (int, float)) else "-"

    def observed(t):
        if t.get("no_data"):
            return "no data: %s" % t.get("no_data_reason", "")
        return "observed %s" % t.get("observed")

    th = s.get("thresholds", [])
    bad = [t for t in th if not t.get("ok")]
    fr = v("http_req_failed", "rate")
    print("%-22s %-18s %9s %9s %9s %8s %s" % (
        a.name, what, fmt(v("http_reqs", "count"), "%d"), fmt(v("http_reqs", "rate"), "%.1f"),
        fmt(v("http_req_duration", "p(99)") if v("http_req_duration", "count") else None, "%.2f"),
        fmt(100 * fr if isinstance(fr, (int, float)) else None, "%.2f%%"),
        "%d/%d ok" % (len(th) - len(bad), len(th))
        + "".join("; FAILED %s %s (%s)" % (t.get("metric"), t.get("expr"), observed(t)) for t in bad)))
    if fr == 1 and v("http_reqs", "count"):
        print("  %s: every request failed (%s)" % (a.name, top_errors(s)))
    return 0


VERDICT_WORDS = {"pass": "PASS", "fail": "FAIL", "undecided": "undecided"}


def cmd_verdicts(a):
    """The rows of one ASR of an lt report (schema lt-report/1), one line each, and its notes;
    prints the ASR's verdict (pass, fail, undecided) as the last line, for the suite to read."""
    r = load(a.report)
    asr = r[a.asr]
    out = sys.stderr  # the rows are for people; stdout carries only the verdict word
    print("%s rows (lt report, %s):" % (a.asr.upper(), a.report), file=out)
    for row in asr["rows"]:
        if not row.get("required", True) and row["verdict"] == "undecided":
            continue  # not counted and no data: only in report.md
        print("  %-9s %s: %s (limit %s)" % (VERDICT_WORDS.get(row["verdict"], row["verdict"]),
                                            row["criterion"], row["figure"], row["limit"]), file=out)
        if row["verdict"] != "pass":
            print("            source: %s" % row["source"], file=out)
    for n in r.get("notes", []):
        print("  note: %s" % n, file=out)
    print(asr["verdict"])
    return 0


def cmd_depths(a):
    s = load(a.summary)
    print("A3 latency per depth (ms):")
    for name in ("shallow", "medium", "deep"):
        vals = s.get("metrics", {}).get("http_req_duration{scenario:%s}" % name, {}).get("values", {})
        if not vals:
            print("  %-8s (no sub-metric)" % name)
            continue
        if not vals.get("count"):
            print("  %-8s (no sample)" % name)
            continue
        print("  %-8s count %6s  med %8.3f  p(95) %8.3f  p(99) %8.3f  max %8.3f" % (
            name, vals.get("count", "-"), vals.get("med", 0), vals.get("p(95)", 0),
            vals.get("p(99)", 0), vals.get("max", 0)))
    return 0


def request_counts(s):
    by_shard, by_symbol = {}, {}
    for row in s.get("series", []):
        if row.get("metric") != "http_reqs":
            continue
        tags = row.get("tags", {})
        if tags.get("kind") in LOAD_EXCLUDE or "symbol" not in tags:
            continue
        n = row.get("values", {}).get("count", 0)
        by_shard[tags.get("shard", "?")] = by_shard.get(tags.get("shard", "?"), 0) + n
        by_symbol[tags["symbol"]] = by_symbol.get(tags["symbol"], 0) + n
    return by_shard, by_symbol


def print_shares(title, by_shard, by_symbol):
    total = sum(by_shard.values()) or sum(by_symbol.values())
    print(title)
    if not total:
        print("  (no requests)")
        return
    for k in sorted(by_shard):
        print("  shard %-14s %7d  %5.1f%%" % (k, by_shard[k], 100.0 * by_shard[k] / total))
    for k in sorted(by_symbol):
        print("  %-20s %7d  %5.1f%%" % (k, by_symbol[k], 100.0 * by_symbol[k] / total))


def cmd_shares(a):
    s = load(a.summary)
    by_shard, by_symbol = request_counts(s)
    print_shares("Requests per shard and symbol (lt summary series, %s):" % a.summary, by_shard, by_symbol)
    return 0


SAMPLE = re.compile(r'^(\w+)\{([^}]*)\}\s+(\S+)')


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        text = r.read().decode()
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
            yield m.group(1), labels, float(m.group(3))


def cmd_mesim_shares(a):
    by_shard, by_symbol = {}, {}
    for url in a.urls:
        for name, labels, v in scrape(url):
            if name == "me_orders_total" and labels.get("side") == a.side:
                by_shard[labels["shard"]] = by_shard.get(labels["shard"], 0) + int(v)
                by_symbol[labels["symbol"]] = by_symbol.get(labels["symbol"], 0) + int(v)
    print_shares("%s orders per shard and symbol (mesim me_orders_total{side=\"%s\"}):" % (a.side, a.side),
                 by_shard, by_symbol)
    return 0


def cmd_b4_shares(a):
    """B4: lt's requests and mesim's orders per shard and symbol, with the expected shares."""
    lt_shard, lt_sym = request_counts(load(a.summary))
    me_shard, me_sym = {}, {}
    for url in a.urls:
        for name, labels, v in scrape(url):
            if name == "me_orders_total" and labels.get("side") == "BUY":
                me_shard[labels["shard"]] = me_shard.get(labels["shard"], 0) + int(v)
                me_sym[labels["symbol"]] = me_sym.get(labels["symbol"], 0) + int(v)
    lt_total, me_total = sum(lt_shard.values()) or 1, sum(me_shard.values()) or 1
    other = 0.2 / 11
    print("%-14s %10s %7s %12s %7s %9s" % ("", "lt reqs", "share", "mesim BUYs", "share", "expected"))
    rows = [("shard " + k, lt_shard, me_shard, k, 0.8 + 3 * other if k == "a" else 4 * other)
            for k in sorted(set(lt_shard) | set(me_shard))]
    rows += [(k, lt_sym, me_sym, k, 0.8 if k == a.hot else other) for k in sorted(set(lt_sym) | set(me_sym))]
    for label, lt_d, me_d, key, want in rows:
        print("%-14s %10d %6.1f%% %12d %6.1f%% %8.1f%%" % (label, lt_d.get(key, 0), 100.0 * lt_d.get(key, 0) / lt_total,
              me_d.get(key, 0), 100.0 * me_d.get(key, 0) / me_total, 100 * want))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    x = sub.add_parser("row")
    x.add_argument("summary")
    x.add_argument("name")
    x.add_argument("exit")
    x = sub.add_parser("verdicts")
    x.add_argument("report")
    x.add_argument("asr", choices=("asr1", "asr2"))
    x = sub.add_parser("depths")
    x.add_argument("summary")
    x = sub.add_parser("shares")
    x.add_argument("summary")
    x = sub.add_parser("mesim-shares")
    x.add_argument("urls", nargs="+")
    x.add_argument("--side", default="BUY")
    x = sub.add_parser("b4-shares")
    x.add_argument("summary")
    x.add_argument("urls", nargs="+")
    x.add_argument("--hot", default="TEST-ASSET-A")
    a = p.parse_args()
    return {"row": cmd_row, "verdicts": cmd_verdicts, "depths": cmd_depths, "shares": cmd_shares,
            "mesim-shares": cmd_mesim_shares, "b4-shares": cmd_b4_shares}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
