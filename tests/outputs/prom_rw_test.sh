#!/usr/bin/env bash
# prom_rw_test.sh — `--out prometheus-rw`: lt pushes to a real Prometheus (Debian's, remote-write
# receiver on) while loading a local nginx; what Prometheus then answers must agree with lt's JSON
# summary. Then the same run against a dead port: same exit code, summary intact, a warning, and no
# delay beyond the output's bounded wait.
source "$(dirname "$0")/../lib.sh"

PROMETHEUS=${PROMETHEUS:-$(command -v prometheus || echo /usr/bin/prometheus)}

# start_prometheus: a throwaway Prometheus on a free loopback port ($PROM_PORT), ready to receive.
start_prometheus() {
    PROM_PORT=$(free_port)
    mkdir -p "$TMP/prom"
    printf 'global:\n  scrape_interval: 1h\n  evaluation_interval: 1h\n' >"$TMP/prom.yml"
    "$PROMETHEUS" --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/prom" \
        --web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-remote-write-receiver \
        >"$TMP/prom.log" 2>&1 &
    _PIDS+=($!)
    local deadline=$((SECONDS + 60))
    while [ $SECONDS -lt $deadline ]; do
        curl -sf "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null 2>&1 && return 0
        kill -0 "${_PIDS[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    echo "prometheus did not become ready:" >&2
    tail -n 20 "$TMP/prom.log" >&2
    return 1
}

# prom_query EXPR: the instant query's JSON result list, on stdout.
prom_query() {
    curl -sf -G "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
        python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["data"]["result"]))'
}

if [ ! -x "$PROMETHEUS" ]; then
    fail "prometheus installed" "no prometheus binary (Debian package 'prometheus')"
    finish
fi
[ -x "$LT" ] || { fail "lt built" "$LT missing"; finish; }
check "nginx starts" start_nginx
check "prometheus starts" start_prometheus

cat >"$TMP/script.lua" <<'LUA'
local http = require("lt").http
local m = require("lt").metrics.trend("match_latency_ms", true)
options = { scenarios = { s = { executor = "constant-arrival-rate", rate = 200, timeUnit = "1s",
  duration = "3s", preAllocatedVUs = 5, maxVUs = 20 } } }
function default() local r = http.get(lt.env.URL) m:add(r.timings.duration) end
LUA

URL="http://127.0.0.1:$NGINX_PORT/"
K6_PROMETHEUS_RW_PUSH_INTERVAL=1s K6_PROMETHEUS_RW_TREND_STATS="p(99),count,max" \
    LT_PROMETHEUS_RW_VERBOSE=1 \
    "$LT" -s "$TMP/script.lua" -e URL="$URL" --tag testid=prw \
    --out "prometheus-rw=http://127.0.0.1:$PROM_PORT/api/v1/write" \
    --summary-export "$TMP/s.json" >"$TMP/run.out" 2>"$TMP/run.err"
rc=$?
expect_eq "run with prometheus-rw exits 0" 0 "$rc"
[ $rc -eq 0 ] || tail -n 20 "$TMP/run.err"
check "summary written" test -s "$TMP/s.json"
grep 'prometheus-rw' "$TMP/run.err" | sed 's/^/# /'
if grep -q 'not delivered' "$TMP/run.err"; then fail "everything delivered" "$(grep prometheus-rw "$TMP/run.err")"; else pass "everything delivered"; fi

for q in k6_http_reqs_total k6_vus k6_http_req_duration_p99 k6_match_latency_ms_p99 \
    k6_http_req_duration_p99_window k6_iterations_total k6_http_req_failed_rate; do
    n=$(prom_query "$q" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
    expect_num "prometheus has $q" "${n:-0}" ge 1
done

# Every series Prometheus holds agrees with the summary's series of the same tags.
prom_query '{__name__=~"k6_.+"}' >"$TMP/prom.json"
prom_query k6_http_reqs_total | sed "s/^/# /"
python3 - "$TMP/s.json" "$TMP/prom.json" >"$TMP/cmp.out" 2>&1 <<'PY'
import json, re, sys
summary = json.load(open(sys.argv[1])); prom = json.load(open(sys.argv[2]))
def san(k):
    k = re.sub(r'[^a-zA-Z0-9_]', '_', k)
    return '_' + k if k[:1].isdigit() else k
series = {}
for s in summary.get("series", []):
    key = (s["metric"], tuple(sorted((san(k), v) for k, v in s["tags"].items() if v != "" and k != "testid")))
    series[key] = s
def find(metric, labels):
    return series.get((metric, tuple(sorted((k, v) for k, v in labels.items() if k not in ("__name__", "testid")))))
bad = 0; checked = {}
def check(ok, what):
    global bad
    if not ok: bad += 1; print("MISMATCH", what)
for r in prom:
    lab = r["metric"]; name = lab["__name__"]; val = float(r["value"][1])
    if lab.get("testid") != "prw": check(False, "no testid label on %s" % lab)
    for metric, suffix, get in (
        ("http_reqs", "_total", lambda v: v["count"]),
        ("iterations", "_total", lambda v: v["count"]),
        ("http_req_duration", "_p99", lambda v: v["p(99)"] / 1000),
        ("http_req_duration", "_count", lambda v: v["count"]),
        ("http_req_duration", "_max", lambda v: v["max"] / 1000),
        ("match_latency_ms", "_p99", lambda v: v["p(99)"] / 1000),
        ("match_latency_ms", "_count", lambda v: v["count"]),
    ):
        if name != "k6_" + metric + suffix: continue
        s = find(metric, lab)
        if s is None: check(False, "no summary series for %s" % lab); continue
        want = get(s["values"])
        check(abs(val - want) <= 0.001 * abs(want) + 1e-12, "%s %s: prometheus %r, summary %r" % (name, lab, val, want))
        checked[name] = checked.get(name, 0) + 1
total = sum(float(r["value"][1]) for r in prom if r["metric"]["__name__"] == "k6_http_reqs_total")
want = summary["metrics"]["http_reqs"]["values"]["count"]
check(total == want, "sum(k6_http_reqs_total) %r != summary http_reqs %r" % (total, want))
p99 = [r for r in prom if r["metric"]["__name__"] == "k6_match_latency_ms_p99"]
if len(p99) == 1:  # one tag set: the summary's metric-wide p99 too
    want = summary["metrics"]["match_latency_ms"]["values"]["p(99)"] / 1000
    check(abs(float(p99[0]["value"][1]) - want) <= 0.001 * want, "match_latency p99 vs summary metric")
for n in ("k6_http_reqs_total", "k6_http_req_duration_p99", "k6_match_latency_ms_p99", "k6_iterations_total"):
    check(checked.get(n, 0) >= 1, "nothing compared for " + n)
print("compared", checked, "requests", total)
sys.exit(1 if bad else 0)
PY
if [ $? -eq 0 ]; then pass "prometheus agrees with the summary ($(tail -n 1 "$TMP/cmp.out"))"; else fail "prometheus agrees with the summary" "$(head -c 1500 "$TMP/cmp.out")"; fi

# The windowed p99 has one point per push: a range query over the run sees more than one.
n=$(curl -sf -G "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode 'query=count_over_time(k6_http_req_duration_p99_window[5m])' |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(max([int(x["value"][1]) for x in r] or [0]))')
expect_num "k6_http_req_duration_p99_window has a point per push" "${n:-0}" ge 3

# ---- A push interval longer than the 10 s request timeout keeps its one connection ----
# (the timeout bounds a request; an idle kept-alive connection waits for the next push)
cat >"$TMP/idle.lua" <<'LUA'
options = { scenarios = { s = { executor = "constant-vus", vus = 1, duration = "23s" } } }
function default() lt.sleep(0.2) end
LUA
accepted() { curl -sf "http://127.0.0.1:$PROM_PORT/metrics" | awk '/^net_conntrack_listener_conn_accepted_total/ { n += $2 } END { print n + 0 }'; }
c0=$(accepted)
K6_PROMETHEUS_RW_PUSH_INTERVAL=11s LT_PROMETHEUS_RW_VERBOSE=1 "$LT" -s "$TMP/idle.lua" -q \
    --out "prometheus-rw=http://127.0.0.1:$PROM_PORT/api/v1/write" >/dev/null 2>"$TMP/idle.err"
c1=$(accepted)
grep "prometheus-rw" "$TMP/idle.err" | sed "s/^/# /"
expect_num "11 s push interval: pushes" "$(sed -n 's/.*delivered \([0-9]*\) batches.*/\1/p' "$TMP/idle.err")" ge 3
expect_eq "11 s push interval: connections the receiver got (one, idle 11 s between pushes)" 1 $((c1 - c0 - 1))

# ---- A receiver that closes a kept-alive connection instead of answering ----
# The race keep-alive brings: the receiver closes an idle connection just as the next push goes
# out on it. This one answers the first POST of each connection (204, kept alive) and closes the
# connection at the second without an answer: lt must send that push again at once on a new
# connection, with no warning and no backoff, and lose nothing.
FLAKY=$(free_port)
cat >"$TMP/flaky.py" <<'PY'
import http.server, sys, threading
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.n = getattr(self, "n", 0) + 1
        if self.n == 1:
            self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers()
            print("stored", len(body), flush=True)
        else:
            self.close_connection = True  # no answer
            print("closed", flush=True)
    def setup(self):
        super().setup(); print("connection", flush=True)
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$TMP/flaky.py" "$FLAKY" >"$TMP/flaky.log" 2>&1 &
_PIDS+=($!)
check "the flaky receiver starts" wait_port "$FLAKY"
sed 's/duration = "3s"/duration = "4s"/' "$TMP/script.lua" >"$TMP/flaky.lua"
K6_PROMETHEUS_RW_PUSH_INTERVAL=1s LT_PROMETHEUS_RW_VERBOSE=1 LT_PROMETHEUS_RW_STOP_TIMEOUT=3s \
    "$LT" -s "$TMP/flaky.lua" -e URL="$URL" --out "prometheus-rw=http://127.0.0.1:$FLAKY/api/v1/write" \
    >/dev/null 2>"$TMP/flaky.err"
expect_eq "flaky receiver: the run exits 0" 0 $?
grep "prometheus-rw" "$TMP/flaky.err" | sed "s/^/# /"
if grep -v 'delivered [0-9]* batches' "$TMP/flaky.err" | grep -q 'prometheus-rw'; then fail "flaky receiver: everything delivered, no warning" "$(grep prometheus-rw "$TMP/flaky.err")"; else pass "flaky receiver: everything delivered, no warning"; fi
sent=$(sed -n 's/.*delivered \([0-9]*\) batches.*/\1/p' "$TMP/flaky.err")
resent=$(sed -n 's/.*, \([0-9]*\) pushes resent.*/\1/p' "$TMP/flaky.err")
expect_num "flaky receiver: pushes delivered" "${sent:-0}" ge 4
expect_eq "flaky receiver: every push but the first resent once, after its connection closed" $((${sent:-1} - 1)) "${resent:-none}"
expect_eq "flaky receiver: pushes it stored" "${sent:-none}" "$(grep -c stored "$TMP/flaky.log")"
# (wait_port's probe was one more)
expect_eq "flaky receiver: connections, one per push" "${sent:-none}" $(($(grep -c connection "$TMP/flaky.log") - 1))

# ---- K6_PROMETHEUS_RW_TLS_MINIMUM_VERSION: k6 wants TLS 1.3 unless it says 1.2 ----
OLD=$(free_port)
cat >"$TMP/tls12.py" <<'PY'
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers()
        print("stored", flush=True)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
PY
python3 "$TMP/tls12.py" "$OLD" "$TMP/nginx/server.pem" "$TMP/nginx/server.key" >"$TMP/tls12.log" 2>&1 &
_PIDS+=($!)
check "a TLS 1.2-only receiver starts" wait_port "$OLD"
sed 's/duration = "3s"/duration = "1s"/' "$TMP/script.lua" >"$TMP/short.lua"
# run_min NAME [VAR=VALUE...]: a short run pushing to the TLS 1.2 receiver; rc in RC
run_min() {
    local name=$1
    shift
    env SSL_CERT_FILE="$TMP/ca.pem" LT_PROMETHEUS_RW_VERBOSE=1 LT_PROMETHEUS_RW_STOP_TIMEOUT=2s "$@" \
        "$LT" -s "$TMP/short.lua" -e URL="$URL" --out "prometheus-rw=https://127.0.0.1:$OLD/api/v1/write" \
        >/dev/null 2>"$TMP/$name.err"
    RC=$?
}
run_min min13
expect_eq "TLS minimum 1.3 by default (k6's): the run still exits 0" 0 "$RC"
expect_match "TLS minimum 1.3 by default: a TLS 1.2 receiver is refused, the reason said" 'prometheus-rw: .*tls: .*(protocol version|no protocols available|unsupported protocol)' "$TMP/min13.err"
expect_eq "TLS minimum 1.3 by default: nothing reached the TLS 1.2 receiver" 0 "$(grep -c stored "$TMP/tls12.log")"
grep -h "prometheus-rw" "$TMP/min13.err" | sed "s/^/# /"
run_min min12 K6_PROMETHEUS_RW_TLS_MINIMUM_VERSION=1.2
expect_eq "TLS_MINIMUM_VERSION=1.2: exit 0" 0 "$RC"
if grep -v 'delivered [0-9]* batches' "$TMP/min12.err" | grep -q 'prometheus-rw'; then fail "TLS_MINIMUM_VERSION=1.2: delivered to a TLS 1.2 receiver" "$(grep prometheus-rw "$TMP/min12.err")"; else pass "TLS_MINIMUM_VERSION=1.2: delivered to a TLS 1.2 receiver"; fi
expect_num "TLS_MINIMUM_VERSION=1.2: pushes the receiver stored" "$(grep -c stored "$TMP/tls12.log")" ge 1
run_min min11 K6_PROMETHEUS_RW_TLS_MINIMUM_VERSION=1.1
expect_eq "TLS_MINIMUM_VERSION=1.1: refused before any traffic (104)" 104 "$RC"
expect_match "TLS_MINIMUM_VERSION=1.1: the message names the variable and the values" 'K6_PROMETHEUS_RW_TLS_MINIMUM_VERSION=.1\.1.*1\.2.*1\.3' "$TMP/min11.err"

# ---- AWS SigV4 (K6_PROMETHEUS_RW_SIGV4_*), checked by a receiver that verifies signatures ----
# The receiver recomputes each push's signature from the request as it arrived (an independent
# implementation of AWS's algorithm, here in Python) with the secret it shares with lt, and
# answers 204 when it matches, 403 when not. tests/unit/test_prom_rw_sigv4.c holds the signer to
# AWS's published examples.
AWS=$(free_port)
cat >"$TMP/sigv4.py" <<'PY'
import hashlib, hmac, http.server, re, sys, time, urllib.parse
AK, SK, REGION = "AKIDLT", "lt/secret+KEY", "eu-west-1"
def h(k, m): return hmac.new(k, m.encode(), hashlib.sha256).digest()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        why = self.check(body)
        print("valid" if why is None else "invalid: " + why, flush=True)
        self.send_response(204 if why is None else 403)
        msg = (why or "").encode()
        self.send_header("Content-Length", str(len(msg))); self.end_headers(); self.wfile.write(msg)
    def check(self, body):
        m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                         r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})", self.headers.get("Authorization", ""))
        if not m: return "no SigV4 Authorization: %r" % self.headers.get("Authorization")
        ak, day, region, service, signed, sig = m.groups()
        if (ak, region, service) != (AK, REGION, "aps"): return "scope %s %s %s" % (ak, region, service)
        date = self.headers["X-Amz-Date"]
        t = time.mktime(time.strptime(date, "%Y%m%dT%H%M%SZ")) - time.timezone
        if date[:8] != day or abs(t - time.time()) > 300: return "date " + date
        sha = hashlib.sha256(body).hexdigest()
        if self.headers["X-Amz-Content-Sha256"] != sha: return "payload hash"
        names = signed.split(";")
        for need in ("host", "content-length", "content-type", "content-encoding", "x-amz-date",
                     "x-amz-content-sha256", "x-prometheus-remote-write-version", "x-scope-orgid"):
            if need not in names: return "%s not signed (%s)" % (need, signed)
        if "user-agent" in names or "authorization" in names: return "signed " + signed
        path, _, query = self.path.partition("?")
        q = sorted(urllib.parse.parse_qsl(query, keep_blank_values=True))
        cq = "&".join(urllib.parse.quote(k, safe="-_.~") + "=" + urllib.parse.quote(v, safe="-_.~") for k, v in q)
        if cq != query: return "query not sent in canonical form: " + query
        ch = "".join("%s:%s\n" % (n, ",".join(" ".join(v.split()) for v in self.headers.get_all(n))) for n in names)
        creq = "\n".join(["POST", urllib.parse.quote(path, safe="/-_.~"), cq, ch, signed, sha])
        scope = "%s/%s/aps/aws4_request" % (day, REGION)
        sts = "\n".join(["AWS4-HMAC-SHA256", date, scope, hashlib.sha256(creq.encode()).hexdigest()])
        key = h(h(h(h(("AWS4" + SK).encode(), day), REGION), "aps"), "aws4_request")
        want = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        return None if hmac.compare_digest(want, sig) else "signature mismatch"
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$TMP/sigv4.py" "$AWS" >"$TMP/sigv4.log" 2>&1 &
_PIDS+=($!)
check "the SigV4-verifying receiver starts" wait_port "$AWS"
# run_aws NAME [VAR=VALUE...]: a short run pushing to it (a path and a query to sign); rc in RC
run_aws() {
    local name=$1
    shift
    env LT_PROMETHEUS_RW_VERBOSE=1 LT_PROMETHEUS_RW_STOP_TIMEOUT=2s K6_PROMETHEUS_RW_PUSH_INTERVAL=1s \
        K6_PROMETHEUS_RW_HEADERS_X-Scope-OrgID=tenant-1 "$@" \
        "$LT" -s "$TMP/short.lua" -e URL="$URL" \
        --out "prometheus-rw=http://127.0.0.1:$AWS/workspaces/ws-lt/api/v1/remote_write?z=1&a=b%20c" \
        >/dev/null 2>"$TMP/$name.err"
    RC=$?
}
SIGV4=(K6_PROMETHEUS_RW_SIGV4_REGION=eu-west-1 K6_PROMETHEUS_RW_SIGV4_ACCESS_KEY=AKIDLT)
run_aws sigv4 "${SIGV4[@]}" K6_PROMETHEUS_RW_SIGV4_SECRET_KEY=lt/secret+KEY
expect_eq "SigV4: the run exits 0" 0 "$RC"
if grep -v 'delivered [0-9]* batches' "$TMP/sigv4.err" | grep -q 'prometheus-rw'; then fail "SigV4: every push accepted, no warning" "$(grep prometheus-rw "$TMP/sigv4.err") / $(sort "$TMP/sigv4.log" | uniq -c)"; else pass "SigV4: every push accepted, no warning"; fi
sent=$(sed -n 's/.*delivered \([0-9]*\) batches.*/\1/p' "$TMP/sigv4.err")
expect_num "SigV4: pushes delivered" "${sent:-0}" ge 2
expect_eq "SigV4: pushes whose signature the receiver verified" "${sent:-none}" "$(grep -c '^valid' "$TMP/sigv4.log")"
expect_eq "SigV4: pushes it refused" 0 "$(grep -c '^invalid' "$TMP/sigv4.log")"
: >"$TMP/sigv4.log"
run_aws sigv4bad "${SIGV4[@]}" K6_PROMETHEUS_RW_SIGV4_SECRET_KEY=not-the-secret
expect_match "SigV4 with a wrong secret: the receiver's 403 is said" 'prometheus-rw: .*rejected.*HTTP 403: signature mismatch' "$TMP/sigv4bad.err"
expect_eq "SigV4 with a wrong secret: the receiver refused every push" 0 "$(grep -c '^valid' "$TMP/sigv4.log")"
run_aws sigv4part "${SIGV4[@]}"
expect_eq "SigV4 partly configured: refused before any traffic (104)" 104 "$RC"
expect_match "SigV4 partly configured: the message names the missing variable" 'SIGV4_SECRET_KEY is not set' "$TMP/sigv4part.err"
run_aws sigv4auth "${SIGV4[@]}" K6_PROMETHEUS_RW_SIGV4_SECRET_KEY=x K6_PROMETHEUS_RW_BEARER_TOKEN=t
expect_eq "SigV4 and a bearer token: refused (104)" 104 "$RC"
expect_match "SigV4 and a bearer token: the message says why" 'SigV4 signing writes the Authorization header' "$TMP/sigv4auth.err"

# ---- Prometheus absent: nothing listens on the port ----
DEAD=$(free_port)
t0=$(date +%s.%N)
"$LT" -s "$TMP/script.lua" -e URL="$URL" --summary-export "$TMP/base.json" >/dev/null 2>"$TMP/base.err"
rc_base=$?
t1=$(date +%s.%N)
"$LT" -s "$TMP/script.lua" -e URL="$URL" --out "prometheus-rw=http://127.0.0.1:$DEAD/api/v1/write" \
    --summary-export "$TMP/dead.json" >/dev/null 2>"$TMP/dead.err"
rc_dead=$?
t2=$(date +%s.%N)
expect_eq "dead receiver: same exit code as without the output" "$rc_base" "$rc_dead"
n=$(json_get "$TMP/dead.json" 'd["metrics"]["http_reqs"]["values"]["count"]' 2>/dev/null)
expect_num "dead receiver: summary intact (http_reqs)" "${n:-0}" ge 500
expect_match "dead receiver: warning on stderr" 'lt: prometheus-rw: .*not delivered' "$TMP/dead.err"
grep "prometheus-rw" "$TMP/dead.err" | sed "s/^/# /"
extra=$(awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "%.2f", (c - b) - (b - a) }')
expect_num "dead receiver: delay beyond the run (s)" "$extra" lt 6.5
finish
