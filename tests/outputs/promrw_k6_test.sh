#!/usr/bin/env bash
# promrw_k6_test.sh — k6's two official Grafana dashboards on lt's remote-write data.
# A run with failed requests, checks and dropped iterations is pushed into a real Prometheus
# (Debian's 2.42, native histograms on) twice: once with K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM
# and stale markers (testid=nh), once without (testid=classic): like k6's output, lt sends a trend
# either as a native histogram or as stat gauges, and each dashboard reads one of the two. Then
# every query of both dashboards (tests/outputs/dashboards/, Grafana variables substituted) runs
# against Prometheus' HTTP API and must return data; native histograms must agree with lt's
# summary; stale markers must end the nh series. Then the same pushes against a Prometheus serving
# TLS with basic auth and a required client certificate; a wrong password, an untrusted
# certificate, no client certificate and INSECURE_SKIP_TLS_VERIFY; and SigV4 configured in part
# and a misspelt variable, refused before any traffic (exit 104).
source "$(dirname "$0")/../lib.sh"

DASH=$ROOT/tests/outputs/dashboards

# The queries: every `expr` of a dashboard with its variables set ($quantile_stat: each of $QSTATS),
# run at one instant; prints one line per query: "ok|EMPTY|ERROR <tab> series <tab> expr <tab> values".
cat >"$TMP/dash.py" <<'PY'
import base64, json, ssl, sys, urllib.parse, urllib.request
dash, base, testid, at = sys.argv[1:5]
ca, cert, key, user = (sys.argv[5:9] + [""] * 4)[:4]
ctx = ssl.create_default_context(cafile=ca) if ca else None
if ctx and cert: ctx.load_cert_chain(cert, key)
def walk(o, out):
    if isinstance(o, dict):
        if isinstance(o.get("expr"), str): out.append(o["expr"])
        for v in o.values(): walk(v, out)
    elif isinstance(o, list):
        for v in o: walk(v, out)
exprs = []
walk(json.load(open(dash)), exprs)
# quantile_stat: every value the dashboard offers (QSTATS, from metrics(k6_http_req_duration_))
stats = (__import__("os").environ.get("QSTATS") or "p99").split()
subst = {"$testid": testid, "$quantile": "0.99", "$__rate_interval": "1m"}
queries = []
for e in exprs:
    for st in (stats if "$quantile_stat" in e else [None]):
        q = e.replace("$quantile_stat", st) if st else e
        for k in sorted(subst, key=len, reverse=True): q = q.replace(k, subst[k])
        queries.append(q)
for q in queries:
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": q, "time": at})
    req = urllib.request.Request(url)
    if user: req.add_header("Authorization", "Basic " + base64.b64encode(user.encode()).decode())
    try:
        r = json.load(urllib.request.urlopen(req, context=ctx, timeout=10))["data"]["result"]
        vals = [x.get("value", [0, "x"])[1] for x in r]
        ok = len(r) > 0 and all(v not in ("NaN", "+Inf", "-Inf") for v in vals)
        print("%s\t%d\t%s\t%s" % ("ok" if ok else "EMPTY", len(r), q, ",".join(vals[:3])))
    except Exception as ex:
        print("ERROR\t0\t%s\t%s" % (q, ex))
PY

# run_dashboard LABEL DASHBOARD BASE TESTID TIME [CA CERT KEY USER:PASS]
run_dashboard() {
    local label=$1 n_ok=0 n=0
    shift
    python3 "$TMP/dash.py" "$@" >"$TMP/dash.out" 2>&1
    while IFS=$'\t' read -r st cnt q vals; do
        n=$((n + 1))
        if [ "$st" == ok ]; then n_ok=$((n_ok + 1)); else fail "$label: $q returns data" "$st $vals"; fi
    done <"$TMP/dash.out"
    expect_num "$label: queries of the dashboard that return data (of $n)" "$n_ok" ge 30
    expect_eq "$label: every query returns data" "$n" "$n_ok"
}

# prom_get BASE PATH_AND_QUERY [curl options]: Prometheus' JSON answer.
prom_get() {
    local base=$1 q=$2
    shift 2
    curl -sf "$@" "$base$q"
}
# last_ts BASE TESTID [curl options]: the time of the last push of a run (float seconds).
last_ts() {
    local base=$1 id=$2
    shift 2
    curl -sf "$@" -G "$base/api/v1/query" --data-urlencode "query=k6_http_reqs_total{testid=\"$id\"}[10m]" |
        python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(max(float(v[0]) for s in r for v in s["values"]))'
}
# scalar BASE EXPR TIME [curl options]: the single value of an instant query ("none" if empty).
scalar() {
    local base=$1 q=$2 at=$3
    shift 3
    curl -sf "$@" -G "$base/api/v1/query" --data-urlencode "query=$q" --data-urlencode "time=$at" |
        python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")'
}

# accepted BASE [curl options]: connections the receiver has accepted so far (Prometheus' own
# net_conntrack_listener_conn_accepted_total; the request that reads it is one of them).
accepted() {
    local base=$1
    shift
    curl -sf "$@" "$base/metrics" | awk '/^net_conntrack_listener_conn_accepted_total/ { n += $2 } END { print n + 0 }'
}
# pushes NAME: batches lt delivered in run NAME (its LT_PROMETHEUS_RW_VERBOSE line).
pushes() { sed -n 's/.*delivered \([0-9]*\) batches.*/\1/p' "$TMP/$1.err"; }
# lt_conns NAME, lt_resumed NAME: connections lt opened to the receiver, TLS sessions resumed.
lt_conns() { sed -n 's/.*; \([0-9]*\) connections.*/\1/p' "$TMP/$1.err"; }
lt_resumed() { sed -n 's/.*connections, \([0-9]*\) TLS sessions resumed.*/\1/p' "$TMP/$1.err"; }

if [ ! -x "$PROMETHEUS" ]; then
    fail "prometheus installed" "no prometheus binary (Debian package 'prometheus')"
    finish
fi
[ -x "$LT" ] || { fail "lt built" "$LT missing"; finish; }
CURL_OPTS=()
check "nginx starts" start_nginx
check "prometheus starts (native histograms on)" start_prometheus prom
PLAIN=http://127.0.0.1:$PROM_PORT

# Failures (404, 500), checks, https requests (real TLS handshakes) and, in the second scenario,
# dropped iterations: 50/s of 0.1 s iterations on one VU.
cat >"$TMP/script.lua" <<'LUA'
options = {
  insecureSkipTLSVerify = true,
  scenarios = {
    load = { executor = "constant-arrival-rate", rate = 100, timeUnit = "1s", duration = "4s",
             preAllocatedVUs = 4, maxVUs = 8 },
    slow = { executor = "constant-arrival-rate", rate = 50, timeUnit = "1s", duration = "4s",
             preAllocatedVUs = 1, maxVUs = 1, exec = "slow" },
  },
}
local n = 0
function default()
  n = n + 1
  local k = n % 10
  local url = k == 1 and lt.env.BASE .. "/status/500" or k == 2 and lt.env.BASE .. "/status/404"
              or k < 6 and lt.env.TLS .. "/" or lt.env.BASE .. "/"
  local r = lt.http.get(url)
  lt.check(r, { ["status is 200"] = function(x) return x.status == 200 end })
end
function slow() lt.sleep(0.1) end
LUA
BASE="http://127.0.0.1:$NGINX_PORT"
TLS="https://127.0.0.1:$NGINX_TLS_PORT"
STATS="p(95),p(99),min,max,avg,med,count,sum"

# run_lt NAME URL [VAR=VALUE...]: one bounded run pushing to URL; $TMP/NAME.{json,err}, rc in RC.
run_lt() {
    local name=$1 url=$2
    shift 2
    env K6_PROMETHEUS_RW_PUSH_INTERVAL=1s K6_PROMETHEUS_RW_TREND_STATS="$STATS" LT_PROMETHEUS_RW_STOP_TIMEOUT=2s LT_PROMETHEUS_RW_VERBOSE=1 "$@" \
        timeout 60 "$LT" -s "$TMP/script.lua" -e BASE="$BASE" -e TLS="$TLS" --tag testid="$name" \
        --out "prometheus-rw=$url" --summary-export "$TMP/$name.json" >"$TMP/$name.out" 2>"$TMP/$name.err"
    RC=$?
}

c0=$(accepted "$PLAIN")
run_lt nh "$PLAIN/api/v1/write" K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true \
    K6_PROMETHEUS_RW_STALE_MARKERS=true
c1=$(accepted "$PLAIN")
expect_eq "nh run exits 0" 0 "$RC"
# Keep-alive: every push of the run (each second, then the final values and the stale markers)
# on one connection, counted by the receiver.
expect_num "nh: pushes in the run" "$(pushes nh)" ge 5
expect_eq "nh: connections the receiver got for all of them (plain http, kept alive)" 1 $((c1 - c0 - 1))
[ "$RC" -eq 0 ] || tail -n 5 "$TMP/nh.err"
if grep -q 'not delivered\|rejected' "$TMP/nh.err"; then fail "nh: everything delivered" "$(grep prometheus-rw "$TMP/nh.err")"; else pass "nh: everything delivered"; fi
run_lt classic "$PLAIN/api/v1/write"
expect_eq "classic run exits 0" 0 "$RC"
if grep -q 'not delivered\|rejected' "$TMP/classic.err"; then fail "classic: everything delivered" "$(grep prometheus-rw "$TMP/classic.err")"; else pass "classic: everything delivered"; fi
n=$(json_get "$TMP/nh.json" 'd["metrics"]["dropped_iterations"]["values"]["count"]' 2>/dev/null)
expect_num "the run dropped iterations" "${n:-0}" gt 0
n=$(json_get "$TMP/nh.json" 'd["metrics"]["http_req_failed"]["values"]["rate"]' 2>/dev/null)
expect_num "the run had failed requests (rate)" "${n:-0}" gt 0.1

# what a push costs, native histograms against trend stats (8 stats here)
grep -h 'delivered' "$TMP/nh.err" | sed 's/^/# nh: /'
grep -h 'delivered' "$TMP/classic.err" | sed 's/^/# classic: /'
T_NH=$(last_ts "$PLAIN" nh)
T_CL=$(last_ts "$PLAIN" classic)
echo "# last pushes at $T_NH (nh), $T_CL (classic)"

# The dashboards' template variables: testid's values, and quantile_stat's (metric names).
ids=$(prom_get "$PLAIN" /api/v1/label/testid/values | python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["data"])))')
expect_eq "label_values(testid) lists both runs" "classic nh" "$ids"
stats=$(prom_get "$PLAIN" /api/v1/label/__name__/values | python3 -c '
import json, re, sys
print(" ".join(sorted({m.group(1) for n in json.load(sys.stdin)["data"] for m in [re.search(r"http_req_duration_(min|max|count|sum|avg|med|p[0-9]+)$", n)] if m})))')
expect_eq "metrics(k6_http_req_duration_) gives quantile_stat's values" "avg count max med min p95 p99 sum" "$stats"

run_dashboard "native dashboard (nh)" "$DASH/k6-prometheus-native-histogram.json" "$PLAIN" nh "$T_NH"
QSTATS=$stats run_dashboard "classic dashboard (classic), every quantile_stat" "$DASH/k6-prometheus.json" "$PLAIN" classic "$T_CL"

# Native histograms against lt's summary, at the last push (cumulative since the start).
want=$(json_get "$TMP/nh.json" 'd["metrics"]["http_req_duration"]["values"]["count"]')
got=$(scalar "$PLAIN" 'histogram_count(sum(k6_http_req_duration_seconds{testid="nh"}))' "$T_NH")
expect_eq "histogram_count = summary's http_req_duration count" "$want" "${got%.*}"
# A quantile from the native histogram must lie between the samples it stands for: Prometheus
# takes rank q*n and interpolates inside that bucket (lt's p(N) interpolates between the samples
# at ranks (n-1)*q, so at a sparse tail the two definitions differ by the gap between neighbouring
# samples, which is not a conversion error). The samples come from the summary's exported
# histogram (lt's buckets, each value within 1/1024); the bracket is widened by the 0.37% bound
# the conversion to schema 8 promises (docs/outputs.md), rounded up to 0.5%.
for q in 0.5 0.9 0.99; do
    got=$(scalar "$PLAIN" "histogram_quantile($q, sum(k6_http_req_duration_seconds{testid=\"nh\"}))" "$T_NH")
    res=$(python3 - "$TMP/nh.json" "$q" "$got" <<'PY'
import json, math, sys
h = json.load(open(sys.argv[1]))["metrics"]["http_req_duration"]["histogram"]
q, got = float(sys.argv[2]), float(sys.argv[3]) * 1000
vals = [0.0] * h["zero"]
for idx, c in h["pos"]:
    e, sub = divmod(idx, h["sub"])
    vals += [min(max(math.ldexp(1 + (sub + 0.5) / h["sub"], e - 1100), h["min"]), h["max"])] * c
vals.sort()
r = math.ceil(q * len(vals))
lo, hi = vals[max(0, r - 2)] * 0.995, vals[min(len(vals) - 1, r)] * 1.005
print("%s %.6f ms in [%.6f, %.6f] ms (samples at ranks %d..%d of %d)" % ("ok" if lo <= got <= hi else "OUT", got, lo, hi, max(0, r - 2), min(len(vals) - 1, r), len(vals)))
PY
)
    case "$res" in ok*) pass "histogram_quantile($q) from the native histogram: ${res#ok }" ;;
    *) fail "histogram_quantile($q) from the native histogram" "$res" ;; esac
done
want=$(json_get "$TMP/nh.json" 'd["metrics"]["iteration_duration"]["values"]["count"]')
got=$(scalar "$PLAIN" 'histogram_count(sum(k6_iteration_duration_seconds{testid="nh"}))' "$T_NH")
expect_eq "histogram_count(iteration_duration) = summary's" "$want" "${got%.*}"
got=$(scalar "$PLAIN" 'histogram_quantile(0.99, sum(rate(k6_http_req_duration_seconds{testid="nh"}[1m])))' "$T_NH")
expect_num "histogram_quantile over sum(rate(...[1m])) gives a latency (s)" "${got/none/-1}" gt 0

# Stale markers: the nh series end at the run's end; the classic ones (without) linger.
now=$(date +%s.%N)
got=$(scalar "$PLAIN" 'count({testid="nh"})' "$now")
expect_eq "stale markers: no nh series is current after the run" none "$got"
got=$(scalar "$PLAIN" 'count(k6_http_req_duration_seconds{testid="nh"})' "$T_NH")
expect_num "nh histogram series current at the last push" "${got/none/0}" ge 1
got=$(scalar "$PLAIN" 'count({testid="classic"})' "$now")
expect_num "without stale markers the classic series stay current" "${got/none/0}" ge 10

# ---- https with basic auth and a client certificate ----
d=$TMP/nginx
openssl req -newkey rsa:2048 -nodes -subj "/CN=lt client" -keyout "$TMP/client.key" -out "$TMP/client.csr" >/dev/null 2>&1
openssl x509 -req -in "$TMP/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -out "$TMP/client.pem" >/dev/null 2>&1
# bcrypt, which Prometheus' basic_auth_users wants: Python's crypt (libxcrypt) on Debian 12,
# else apache2-utils' htpasswd.
hash=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))' 2>/dev/null)
case "$hash" in '$2'*) ;; *) hash=$(htpasswd -nbB -C 4 lt s3cret 2>/dev/null | cut -d: -f2) ;; esac
cat >"$TMP/web.yml" <<EOF
tls_server_config:
  cert_file: $d/server.pem
  key_file: $d/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: $d/ca.pem
basic_auth_users:
  lt: '$hash'
EOF
CURL_OPTS=(--cacert "$d/ca.pem" --cert "$TMP/client.pem" --key "$TMP/client.key" -u lt:s3cret)
check "prometheus starts with TLS, basic auth and client certificates" start_prometheus tlsprom "$TMP/web.yml"
SECURE=https://127.0.0.1:$PROM_PORT
CERTS=(K6_PROMETHEUS_RW_CLIENT_CERTIFICATE="$TMP/client.pem" K6_PROMETHEUS_RW_CLIENT_CERTIFICATE_KEY="$TMP/client.key")

c0=$(accepted "$SECURE" "${CURL_OPTS[@]}")
run_lt tls "$SECURE/api/v1/write" SSL_CERT_FILE="$d/ca.pem" K6_PROMETHEUS_RW_USERNAME=lt \
    K6_PROMETHEUS_RW_PASSWORD=s3cret "${CERTS[@]}" K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true
c1=$(accepted "$SECURE" "${CURL_OPTS[@]}")
expect_eq "tls run exits 0" 0 "$RC"
if grep -v 'delivered [0-9]* batches' "$TMP/tls.err" | grep -q 'prometheus-rw'; then fail "tls: everything delivered, no warning" "$(grep prometheus-rw "$TMP/tls.err")"; else pass "tls: everything delivered, no warning"; fi
# One TLS connection (one handshake) for every push of the run, counted by the receiver.
expect_num "tls: pushes in the run" "$(pushes tls)" ge 5
expect_eq "tls: connections the receiver got for all of them (https, kept alive)" 1 $((c1 - c0 - 1))
grep -h 'delivered' "$TMP/tls.err" | sed 's/^/# tls (https, kept alive): /'
grep -h 'delivered' "$TMP/nh.err" | sed 's/^/# nh (plain http, kept alive): /'
T_TLS=$(last_ts "$SECURE" tls "${CURL_OPTS[@]}")
run_dashboard "native dashboard over https (tls)" "$DASH/k6-prometheus-native-histogram.json" "$SECURE" tls \
    "${T_TLS:-0}" "$d/ca.pem" "$TMP/client.pem" "$TMP/client.key" lt:s3cret
run_lt tlsclassic "$SECURE/api/v1/write" SSL_CERT_FILE="$d/ca.pem" K6_PROMETHEUS_RW_USERNAME=lt \
    K6_PROMETHEUS_RW_PASSWORD=s3cret "${CERTS[@]}"
expect_eq "tls classic run exits 0" 0 "$RC"
T_TLSC=$(last_ts "$SECURE" tlsclassic "${CURL_OPTS[@]}")
QSTATS=$stats run_dashboard "classic dashboard over https (tlsclassic), every quantile_stat" \
    "$DASH/k6-prometheus.json" "$SECURE" tlsclassic "${T_TLSC:-0}" "$d/ca.pem" "$TMP/client.pem" \
    "$TMP/client.key" lt:s3cret
want=$(json_get "$TMP/tls.json" 'd["metrics"]["http_reqs"]["values"]["count"]')
got=$(scalar "$SECURE" 'sum(k6_http_reqs_total{testid="tls"})' "${T_TLS:-0}" "${CURL_OPTS[@]}")
expect_eq "tls: sum(k6_http_reqs_total) = summary's http_reqs" "$want" "$got"

# A receiver that closes idle connections after 1 s (Go's IdleTimeout is its ReadTimeout), pushed
# every 2 s: lt reconnects when it finds the connection closed, without a warning or a lost push,
# and resumes the TLS session (no full handshake, no certificate exchange) on each new connection.
PROM_FLAGS=(--web.read-timeout=1s)
check "prometheus starts with TLS and a 1 s idle timeout" start_prometheus tlsidle "$TMP/web.yml"
unset PROM_FLAGS
IDLE=https://127.0.0.1:$PROM_PORT
c0=$(accepted "$IDLE" "${CURL_OPTS[@]}")
run_lt idle "$IDLE/api/v1/write" SSL_CERT_FILE="$d/ca.pem" K6_PROMETHEUS_RW_USERNAME=lt \
    K6_PROMETHEUS_RW_PASSWORD=s3cret "${CERTS[@]}" K6_PROMETHEUS_RW_PUSH_INTERVAL=2s
c1=$(accepted "$IDLE" "${CURL_OPTS[@]}")
expect_eq "idle timeout: the run exits 0" 0 "$RC"
if grep -v 'delivered [0-9]* batches' "$TMP/idle.err" | grep -q 'prometheus-rw'; then fail "idle timeout: everything delivered, no warning" "$(grep prometheus-rw "$TMP/idle.err")"; else pass "idle timeout: everything delivered, no warning"; fi
grep -h 'delivered' "$TMP/idle.err" | sed 's/^/# idle (receiver closes after 1 s idle): /'
n=$(lt_conns idle)
expect_num "idle timeout: lt reconnected (connections)" "${n:-0}" ge 2
expect_eq "idle timeout: connections the receiver got = lt's" "${n:-none}" $((c1 - c0 - 1))
expect_eq "idle timeout: every reconnection resumed the TLS session" $((${n:-1} - 1)) "$(lt_resumed idle)"
want=$(json_get "$TMP/idle.json" 'd["metrics"]["http_reqs"]["values"]["count"]')
got=$(scalar "$IDLE" 'sum(k6_http_reqs_total{testid="idle"})' "$(last_ts "$IDLE" idle "${CURL_OPTS[@]}")" "${CURL_OPTS[@]}")
expect_eq "idle timeout: sum(k6_http_reqs_total) = summary's http_reqs" "$want" "$got"

# Short runs for the failure cases.
sed -i 's/duration = "4s"/duration = "1s"/' "$TMP/script.lua"
run_lt badpw "$SECURE/api/v1/write" SSL_CERT_FILE="$d/ca.pem" K6_PROMETHEUS_RW_USERNAME=lt \
    K6_PROMETHEUS_RW_PASSWORD=wrong "${CERTS[@]}"
expect_eq "wrong password: the run still exits 0" 0 "$RC"
expect_match "wrong password: rejected with HTTP 401, said on stderr" 'prometheus-rw: .*rejected.*HTTP 401' "$TMP/badpw.err"
run_lt untrusted "$SECURE/api/v1/write" K6_PROMETHEUS_RW_USERNAME=lt K6_PROMETHEUS_RW_PASSWORD=s3cret "${CERTS[@]}"
expect_match "untrusted certificate: refused, the reason said" 'prometheus-rw: .*certificate verify failed' "$TMP/untrusted.err"
run_lt insecure "$SECURE/api/v1/write" K6_PROMETHEUS_RW_INSECURE_SKIP_TLS_VERIFY=true \
    K6_PROMETHEUS_RW_USERNAME=lt K6_PROMETHEUS_RW_PASSWORD=s3cret "${CERTS[@]}"
if grep -v 'delivered [0-9]* batches' "$TMP/insecure.err" | grep -q 'prometheus-rw'; then fail "INSECURE_SKIP_TLS_VERIFY: delivered without trusting the CA" "$(grep prometheus-rw "$TMP/insecure.err")"; else pass "INSECURE_SKIP_TLS_VERIFY: delivered without trusting the CA"; fi
got=$(scalar "$SECURE" 'count(count_over_time(k6_vus{testid="insecure"}[10m]))' "$(date +%s.%N)" "${CURL_OPTS[@]}")
expect_num "INSECURE_SKIP_TLS_VERIFY: its series are in Prometheus" "${got/none/0}" ge 1
run_lt nocert "$SECURE/api/v1/write" SSL_CERT_FILE="$d/ca.pem" K6_PROMETHEUS_RW_USERNAME=lt K6_PROMETHEUS_RW_PASSWORD=s3cret
expect_match "no client certificate: the receiver's refusal is said" 'prometheus-rw: .*not delivered' "$TMP/nocert.err"
grep -h 'prometheus-rw' "$TMP/badpw.err" "$TMP/untrusted.err" "$TMP/nocert.err" | sed 's/^/# /'

# Refused before any traffic.
run_lt sigv4 "$SECURE/api/v1/write" K6_PROMETHEUS_RW_SIGV4_REGION=eu-west-1
expect_eq "K6_PROMETHEUS_RW_SIGV4_REGION alone: exit 104" 104 "$RC"
expect_match "K6_PROMETHEUS_RW_SIGV4_REGION alone: the message says what is missing" 'SigV4 needs all of' "$TMP/sigv4.err"
run_lt typo "$PLAIN/api/v1/write" K6_PROMETHEUS_RW_STALE_MARKER=true
expect_eq "a misspelt K6_PROMETHEUS_RW_ variable: exit 104" 104 "$RC"
expect_match "a misspelt variable is named" 'unknown variable K6_PROMETHEUS_RW_STALE_MARKER ' "$TMP/typo.err"
finish
