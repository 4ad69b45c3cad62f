#!/usr/bin/env bash
# The HTTP client (test_http) against nginx: plain HTTP, HTTPS verified against a test CA (by name
# and by IP SAN), verification failure, insecure_skip_verify, and TLS session resumption.
# test_http's own "N passed, N failed" line is this suite's result.
source "$(dirname "$0")/../lib.sh"
BIN=$ROOT/${LT_BUILD_DIR:-build}/tests/test_http
if [ ! -x "$BIN" ]; then
    fail "test_http is built" "missing $BIN (run make unit)"
    finish
fi
if ! start_nginx; then
    fail "nginx starts" "$(tail -c 600 "$TMP/nginx/logs/error.log" 2>/dev/null)"
    finish
fi
LT_TEST_NGINX_PORT=$NGINX_PORT LT_TEST_NGINX_TLS_PORT=$NGINX_TLS_PORT LT_TEST_CA=$TMP/ca.pem "$BIN"
