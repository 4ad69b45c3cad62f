# Shared helpers for lt's shell test suites. Source it; call `check`/`expect_*`, then `finish`.
# Servers started here listen on 127.0.0.1 only and are stopped when the suite exits.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LT=${LT:-$ROOT/${LT_BIN_DIR:-bin}/lt}
MESIM=${MESIM:-$ROOT/${LT_BIN_DIR:-bin}/mesim}
TMP=$(mktemp -d /tmp/lt-test.XXXXXX)
PASSED=0
FAILED=0
_PIDS=()

cleanup() {
    local p
    for p in "${_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT

pass() { PASSED=$((PASSED + 1)); echo "ok   - $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $1"; [ $# -gt 1 ] && echo "       $2"; return 0; }

# check NAME CMD...: passes when CMD exits 0.
check() {
    local name=$1; shift
    if "$@" >"$TMP/check.out" 2>&1; then pass "$name"; else fail "$name" "$(tail -c 600 "$TMP/check.out")"; fi
}
# expect_eq NAME EXPECTED ACTUAL
expect_eq() { if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi; }
# expect_num NAME VALUE OP BOUND (OP: lt le gt ge), floating point
expect_num() {
    if awk -v v="$2" -v b="$4" -v op="$3" 'BEGIN { v += 0; b += 0;
        ok = (op == "lt" && v < b) || (op == "le" && v <= b) || (op == "gt" && v > b) || (op == "ge" && v >= b);
        exit ok ? 0 : 1 }'; then pass "$1 ($2 $3 $4)"; else fail "$1" "value $2 is not $3 $4"; fi
}
# expect_match NAME REGEX FILE
expect_match() { if grep -Eq -- "$2" "$3"; then pass "$1"; else fail "$1" "no /$2/ in: $(head -c 600 "$3")"; fi; }

finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    exit $?
}

# A free TCP port on 127.0.0.1, chosen by the kernel.
# Never the same port twice in one suite: the kernel may hand a just-released port out again, and
# two servers given one port (nginx's plain and TLS listeners) would not start.
free_port() {
    local port
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        grep -qx "$port" "$TMP/.ports_given" 2>/dev/null || break
    done
    echo "$port" >>"$TMP/.ports_given"
    echo "$port"
}

# wait_port PORT [SECONDS]: waits until something accepts on 127.0.0.1:PORT.
wait_port() {
    local port=$1 deadline=$((SECONDS + ${2:-10}))
    while [ $SECONDS -lt $deadline ]; do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "nothing listens on 127.0.0.1:$port" >&2
    return 1
}

# await_output EXPECTED SECONDS CMD...: runs CMD until it prints EXPECTED or SECONDS pass; prints
# the last output either way, so `expect_eq what EXPECTED "$(await_output ...)"` reports the value seen.
await_output() {
    local want=$1 deadline=$((SECONDS + $2)) got
    shift 2
    while :; do
        got=$("$@" 2>/dev/null)
        [ "$got" == "$want" ] || [ $SECONDS -ge $deadline ] && break
        sleep 0.05
    done
    printf '%s\n' "$got"
}

# await_cond SECONDS CMD...: runs CMD until it succeeds (0) or SECONDS pass (1).
await_cond() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.05
    done
}
# has_connection PID: the process (or a child: PID may be a `timeout` wrapper) has an established
# TCP connection, i.e. it is sending load.
has_connection() {
    local p out
    out=$(ss -Htnp state established 2>/dev/null)
    for p in "$1" $(pgrep -P "$1"); do grep -q "pid=$p," <<<"$out" && return 0; done
    return 1
}
# lines_more_than FILE N: FILE has more than N lines (a watcher wrote a sample after a point).
lines_more_than() { [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -gt "$2" ]; }

# jq-free JSON reads: json_get FILE EXPR, where EXPR is a Python expression on `d`.
json_get() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# start_nginx: serves a small JSON body on plain HTTP ($NGINX_PORT) and, with a certificate made here
# and signed by a test CA ($TMP/ca.pem), on HTTPS ($NGINX_TLS_PORT) for the name localhost.
start_nginx() {
    NGINX_PORT=$(free_port)
    NGINX_TLS_PORT=$(free_port)
    local d=$TMP/nginx
    mkdir -p "$d/logs"
    make_test_certs "$d" >/dev/null 2>&1 || { echo "cannot make certificates" >&2; return 1; }
    sed -e "s|@PORT@|$NGINX_PORT|g" -e "s|@TLS_PORT@|$NGINX_TLS_PORT|g" -e "s|@DIR@|$d|g" \
        "$ROOT/tests/nginx.conf.in" >"$d/nginx.conf"
    nginx -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log" &
    _PIDS+=($!)
    wait_port "$NGINX_PORT" && wait_port "$NGINX_TLS_PORT"
}

# start_nginx_http: nginx on loopback with the http{} block's directives read from stdin (the
# caller sets NGINX_PORT=$(free_port) first and listens on it); daemon settings, logs and temp paths
# under $TMP/nginx. Returns once the port accepts.
start_nginx_http() {
    local d=$TMP/nginx
    mkdir -p "$d/logs"
    {
        printf 'daemon off;\nworker_processes 1;\npid %s/nginx.pid;\nerror_log %s/logs/error.log warn;\n' "$d" "$d"
        printf 'events { worker_connections 256; }\nhttp {\n'
        printf '    client_body_temp_path %s/body; proxy_temp_path %s/proxy; fastcgi_temp_path %s/fastcgi;\n' "$d" "$d" "$d"
        printf '    uwsgi_temp_path %s/uwsgi; scgi_temp_path %s/scgi;\n' "$d" "$d"
        cat
        printf '}\n'
    } >"$d/nginx.conf"
    nginx -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log" &
    _PIDS+=($!)
    wait_port "$NGINX_PORT"
}

# make_test_certs DIR: a CA (ca.pem) and a server certificate for localhost/127.0.0.1 signed by it.
make_test_certs() {
    local d=$1
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=lt test CA" \
        -keyout "$d/ca.key" -out "$d/ca.pem"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/server.key" -out "$d/server.csr"
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$d/san.ext"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -days 2 -extfile "$d/san.ext" -out "$d/server.pem"
    cp "$d/ca.pem" "$TMP/ca.pem"
}

# start_mesim_cluster: the reference target, gateway on $GW_PORT, shards on $SHARD_A_PORT etc.
start_mesim_cluster() {
    GW_PORT=$(free_port); SHARD_A_PORT=$(free_port); SHARD_B_PORT=$(free_port); SHARD_C_PORT=$(free_port)
    "$MESIM" cluster --port "$GW_PORT" --shard-ports "$SHARD_A_PORT,$SHARD_B_PORT,$SHARD_C_PORT" "$@" \
        >"$TMP/mesim.log" 2>&1 &
    _PIDS+=($!)
    wait_port "$GW_PORT" && wait_port "$SHARD_A_PORT" && wait_port "$SHARD_B_PORT" && wait_port "$SHARD_C_PORT"
}

# start_prometheus NAME [WEB_CONFIG]: a throwaway Prometheus (Debian's, $PROMETHEUS) with the
# remote-write receiver and native histograms on a free loopback port ($PROM_PORT), its data in
# $TMP/NAME; with a web config, https and basic auth (readiness checked with $CURL_OPTS, if set);
# PROM_FLAGS (an array, if set) adds flags, e.g. PROM_FLAGS=(--web.read-timeout=1s).
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus || echo /usr/bin/prometheus)}
start_prometheus() {
    local name=$1 web=${2:-} scheme=http
    PROM_PORT=$(free_port)
    mkdir -p "$TMP/$name"
    printf 'global:\n  scrape_interval: 1h\n  evaluation_interval: 1h\n' >"$TMP/$name.yml"
    local extra=()
    if [ -n "$web" ]; then extra=(--web.config.file="$web"); scheme=https; fi
    "$PROMETHEUS" --config.file="$TMP/$name.yml" --storage.tsdb.path="$TMP/$name" \
        --web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-remote-write-receiver \
        --enable-feature=native-histograms "${extra[@]+"${extra[@]}"}" \
        ${PROM_FLAGS[@]+"${PROM_FLAGS[@]}"} >"$TMP/$name.log" 2>&1 &
    _PIDS+=($!)
    local deadline=$((SECONDS + 60))
    while [ $SECONDS -lt $deadline ]; do
        curl -sf ${CURL_OPTS[@]+"${CURL_OPTS[@]}"} "$scheme://127.0.0.1:$PROM_PORT/-/ready" >/dev/null 2>&1 && return 0
        kill -0 "${_PIDS[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    echo "prometheus did not become ready:" >&2
    tail -n 20 "$TMP/$name.log" >&2
    return 1
}
