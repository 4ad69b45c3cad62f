#!/usr/bin/env python3
"""Reads lt's JSON summaries (schema lt-summary/1) and mesim's /metrics for the suites and demo.

  summary_tool.py row SUMMARY NAME EXIT [--max-failed PCT]   a suite's table line, and why a test
                                                             cannot pass (exit 1 then)
  summary_tool.py a4 SUMMARY [--limit PCT] [--noise-ms MS]   A4 verdict: outage p99 vs before p99
  summary_tool.py depths SUMMARY                             A3: p99 per depth (scenario)
  summary_tool.py shares SUMMARY                             requests per shard and symbol (series)
  summary_tool.py mesim-shares URL [URL...]                  orders per shard / symbol from mesim
  summary_tool.py b4-shares SUMMARY URL [URL...]             both side by side, with B4's expected shares
"""
import argparse
import json
import math
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


def case_problems(s, max_failed):
    """Why a test's numbers cannot make it pass, whatever its thresholds said (they may be off, or
    not ask): no load request, all or too many failed, seeding failed, no successful latency sample,
    an interrupted run. [] when the numbers stand. (A threshold with no data fails in lt: exit 99.)"""
    problems = []
    reqs = sum(r.get("values", {}).get("count", 0) for r in load_rows(s, "http_reqs"))
    failed = sum(r.get("values", {}).get("passes", 0) for r in load_rows(s, "http_req_failed"))
    if reqs == 0:
        problems.append("no load request was sent")
    elif failed == reqs:
        problems.append("all %d load requests failed (%s)" % (reqs, top_errors(s)))
    elif 100.0 * failed / reqs > max_failed:
        problems.append("%.1f%% of load requests failed (%d of %d; limit %g%%, --max-failed) (%s)"
                        % (100.0 * failed / reqs, failed, reqs, max_failed, top_errors(s)))
    seed = [c for c in s.get("checks", []) if c.get("name", "").startswith("seed response")]
    seed_failed = sum(c.get("fails", 0) for c in seed)
    if seed_failed:
        problems.append("seeding failed (%d of %d seed requests): the book was not the spec's"
                        % (seed_failed, seed_failed + sum(c.get("passes", 0) for c in seed)))
    latency = s.get("metrics", {}).get("match_latency_ms")
    if latency is not None and not latency.get("values", {}).get("count"):
        problems.append("match_latency_ms has no sample: no order succeeded")
    if s.get("partial"):
        problems.append("the run was interrupted: partial results")
    return problems


def cmd_row(a):
    """One line of a suite's table, then one indented line per problem. Exit 1 when the test
    cannot pass on its numbers (lt's exit code is judged by the caller)."""
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
    problems = case_problems(s, a.max_failed)
    for p in problems:
        print("  %s: %s" % (a.name, p))
    return 1 if problems else 0


def phase_p99(s, metric, phase):
    """(p99, None) of metric{phase:PHASE}, or (None, why not)."""
    vals = s.get("metrics", {}).get("%s{phase:%s}" % (metric, phase), {}).get("values")
    if vals is None:
        return None, "no %s sub-metric" % phase
    if not vals.get("count"):
        return None, "no sample %s" % ("before the outage" if phase == "before" else "during the outage")
    if not isinstance(vals.get("p(99)"), (int, float)):
        return None, "no p(99) in the %s sub-metric (summaryTrendStats?)" % phase
    return vals["p(99)"], None


def cmd_a4(a):
    """The verdict uses match_latency_ms (order requests only); http_req_duration also holds the
    seeding request (phase=before) and the broker calls, so it is printed for information.
    No ratio is a pass unless both phases have samples and the ratio is a finite number."""
    try:
        s = load(a.summary)
    except (OSError, ValueError) as e:
        print("A4: no summary (%s) -> FAIL" % e)
        return 2
    status = 0
    for metric, decides in (("match_latency_ms", True), ("http_req_duration", False)):
        before, why_b = phase_p99(s, metric, "before")
        outage, why_o = phase_p99(s, metric, "outage")
        if why_b or why_o:
            print("A4 %s: %s -> %s" % (metric, "; ".join(w for w in (why_b, why_o) if w),
                                        "FAIL" if decides else "for information"))
            if decides:
                status = 1
            continue
        limit = before * (1 + a.limit / 100.0)
        ratio = outage / before if before > 0 else float("nan")
        if not math.isfinite(ratio):
            print("A4 %s: p99 before %.3f ms, during the outage %.3f ms: undefined ratio -> %s"
                  % (metric, before, outage, "FAIL" if decides else "for information"))
            if decides:
                status = 1
            continue
        ok = outage <= limit or (outage - before) < a.noise_ms
        verdict = ("PASS" if ok else "FAIL") if decides else "for information: includes seeding and broker calls"
        print("A4 %s: p99 before %.3f ms, during the outage %.3f ms, ratio %.3f (limit %.2f%s) -> %s"
              % (metric, before, outage, ratio, 1 + a.limit / 100.0,
                 ", or an increase under %g ms" % a.noise_ms if a.noise_ms else "", verdict))
        if decides and not ok:
            status = 1
    return status


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
    x.add_argument("--max-failed", type=float, default=1.0)
    x = sub.add_parser("a4")
    x.add_argument("summary")
    x.add_argument("--limit", type=float, default=10.0)
    x.add_argument("--noise-ms", type=float, default=0.0)
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
    return {"row": cmd_row, "a4": cmd_a4, "depths": cmd_depths, "shares": cmd_shares,
            "mesim-shares": cmd_mesim_shares, "b4-shares": cmd_b4_shares}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
