#!/usr/bin/env python3
"""dashboard_queries.py — runs a Grafana dashboard's queries against Prometheus' HTTP API.

usage: dashboard_queries.py exprs DASHBOARD BASE TIME VAR=VALUE...
       dashboard_queries.py vars  DASHBOARD BASE START END VAR=VALUE...

exprs: every panel target's `expr`, Grafana variables replaced by VAR=VALUE ($__rate_interval
too), run as an instant query at TIME. One line per query:
    ok|EMPTY|ERROR <tab> panel title <tab> number of series <tab> query <tab> first values
EMPTY is no series, or only NaN/Inf values (a panel would draw nothing).

vars: every `label_values(SELECTOR, LABEL)` query variable of the templating, its selector's
variables replaced, asked as /api/v1/label/LABEL/values?match[]=SELECTOR over START..END. One line
per variable: name <tab> space-separated values (sorted).
"""
import json
import re
import sys
import urllib.parse
import urllib.request


def subst(text, values):
    # longest names first, so $testid does not eat the start of a $testid_x
    for name in sorted(values, key=len, reverse=True):
        text = text.replace("${%s}" % name, values[name]).replace("$" + name, values[name])
    return text


def panels(node):
    """Every panel, rows' nested panels included."""
    for p in node.get("panels", []):
        yield p
        yield from panels(p)


def get(base, path, params):
    url = base + path + "?" + urllib.parse.urlencode(params, doseq=True)
    return json.load(urllib.request.urlopen(url, timeout=10))["data"]


def run_exprs(dash, base, at, values):
    for p in panels(dash):
        for t in p.get("targets", []):
            q = subst(t["expr"], values)
            try:
                r = get(base, "/api/v1/query", {"query": q, "time": at})["result"]
                vals = [x["value"][1] for x in r]
                ok = r and all(v not in ("NaN", "+Inf", "-Inf") for v in vals)
                print("%s\t%s\t%d\t%s\t%s" % ("ok" if ok else "EMPTY", p["title"], len(r), q, ",".join(vals[:4])))
            except Exception as ex:  # a malformed query is a line of its own, not a crash
                print("ERROR\t%s\t0\t%s\t%s" % (p["title"], q, ex))


def run_vars(dash, base, start, end, values):
    for v in dash["templating"]["list"]:
        if v.get("type") != "query":
            continue
        q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
        m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", q.strip())
        if not m:
            print("%s\tUNSUPPORTED %s" % (v["name"], q))
            continue
        got = get(base, "/api/v1/label/%s/values" % m.group(2),
                  {"match[]": subst(m.group(1), values), "start": start, "end": end})
        print("%s\t%s" % (v["name"], " ".join(sorted(got))))


def main():
    mode, dash_path, base = sys.argv[1:4]
    dash = json.load(open(dash_path))
    if mode == "exprs":
        at, rest = sys.argv[4], sys.argv[5:]
        run_exprs(dash, base, at, dict(a.split("=", 1) for a in rest))
    else:
        start, end, rest = sys.argv[4], sys.argv[5], sys.argv[6:]
        run_vars(dash, base, start, end, dict(a.split("=", 1) for a in rest))


main()
