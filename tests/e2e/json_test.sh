# lt.json and JSON files: strict decoding (lt.json.decode, res:json(), setup data) with errors that
# say what and where, and valid UTF-8 JSON in every file lt writes (summary, NDJSON plain and
# gzip, inspect) when scripts and servers hand it invalid UTF-8. Against nginx on loopback.
source "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/e2e/scripts

# nginx serving the bodies of this suite (some with invalid UTF-8) as files.
start_json_nginx() {
    NGINX_PORT=$(free_port)
    local w=$TMP/www
    mkdir -p "$w"
    printf '{"status":"ACCEPTED"}' >"$w/ok"
    printf 'not json' >"$w/notjson"
    printf '{"a":1}garbage' >"$w/trailing"
    printf '{"k":"abcd\xff"}' >"$w/badjson"
    printf 'lone \xff cut \xe2\x82 overlong \xc0\xaf surrogate \xed\xa0\x80' >"$w/bad"
    chmod 755 "$TMP" "$w" && chmod 644 "$w"/* # nginx's worker runs as another user
    start_nginx_http <<CONF
    access_log off;
    default_type application/json;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $w;
    }
CONF
}
start_json_nginx || { fail "nginx starts"; finish; }
URL=http://127.0.0.1:$NGINX_PORT/

# strict_json FILE: the file is one JSON value in valid UTF-8 (the check of issue 10).
strict_json() { python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8", errors="strict"))' "$1"; }
# strict_ndjson FILE: every line of the (possibly gzipped) file is JSON in valid UTF-8.
strict_ndjson() {
    python3 -c '
import gzip, json, sys
p = sys.argv[1]
raw = (gzip.open(p) if p.endswith(".gz") else open(p, "rb")).read()
lines = raw.decode("utf-8", errors="strict").splitlines()
assert len(lines) >= 3, "only %d lines" % len(lines)
for l in lines: json.loads(l)' "$1"
}
j() { json_get "$TMP/$1.json" "$2"; }

# --- strict decoding, as scripts see it: each property is a check ---
timeout 60 "$LT" -s "$S/json_strict.lua" -e URL="$URL" -q --summary-export "$TMP/strict.json" \
    >"$TMP/strict.out" 2>"$TMP/strict.err"
expect_eq "json_strict: exit 0" 0 "$?"
want=14
expect_eq "json_strict: all $want properties ran" "$want" "$(j strict "len(d['checks'])" 2>/dev/null)"
failed_before=$FAILED
while IFS=$'\t' read -r name fails; do
    expect_eq "lt.json: $name" 0 "$fails"
done < <(j strict "'\n'.join(c['name'] + '\t' + str(c['fails']) for c in d['checks'])" 2>/dev/null)
[ "$FAILED" == "$failed_before" ] || grep -v '^ *[✓✗]' "$TMP/strict.err" | sed 's/^/       | /' | head -20

# --- invalid UTF-8 from the script and the server: every file lt writes is valid UTF-8 JSON ---
bad_script="$TMP/bad"$'\xff'".lua" # the script's own path is not UTF-8 either
cp "$S/utf8_out.lua" "$bad_script"
timeout 60 "$LT" -s "$bad_script" -e URL="$URL" -q --tag "static=s"$'\xff' \
    --out lt-json="$TMP/u.ndjson" --out lt-json="$TMP/u.ndjson.gz" --out json="$TMP/u.k6.json" \
    --out csv="$TMP/u.csv" --summary-export "$TMP/u.json" \
    >"$TMP/u.out" 2>"$TMP/u.err"
rc=$?
expect_eq "utf8: exit 0" 0 "$rc"
[ "$rc" == 0 ] || sed 's/^/       | /' "$TMP/u.err" | tail -15
check "utf8: the JSON summary is valid UTF-8 JSON" strict_json "$TMP/u.json"
check "utf8: the NDJSON is valid UTF-8 JSON, line by line" strict_ndjson "$TMP/u.ndjson"
check "utf8: the gzipped NDJSON too" strict_ndjson "$TMP/u.ndjson.gz"
check "utf8: k6's json output (every sample) is valid UTF-8 JSON too" strict_ndjson "$TMP/u.k6.json"
check "utf8: the csv output is valid UTF-8" python3 -c 'open(__import__("sys").argv[1], "rb").read().decode("utf-8")' "$TMP/u.csv"
R=$'\xef\xbf\xbd' # U+FFFD, as python prints it
BODY="lone $R cut $R overlong $R$R surrogate $R$R$R"
expect_eq "utf8: a check name from the body, repaired" "2" \
    "$(j u "[c['passes'] for c in d['checks'] if c['name']=='body: $BODY'][0]" 2>&1)"
expect_eq "utf8: the selector's check name is repaired alike (threshold has data)" "True True" \
    "$(j u "' '.join(str(t[k]) for t in d['thresholds'] if t['metric'].startswith('checks{') for k in ('has_data','ok'))" 2>&1)"
expect_eq "utf8: a tag value from the body, repaired" "True" \
    "$(j u "any(s['tags'].get('from_body')=='$BODY' for s in d['series'])" 2>&1)"
expect_eq "utf8: a tag key, repaired" "True" \
    "$(j u "any(s['tags'].get('k$R')=='$BODY' for s in d['series'])" 2>&1)"
expect_eq "utf8: the name tag of a request, repaired" "True" \
    "$(j u "any(s['tags'].get('name')=='named $R$R$R' for s in d['series'])" 2>&1)"
expect_eq "utf8: a URL with raw bytes as name tag, repaired" "True" \
    "$(j u "any(s['tags'].get('name','').endswith('/ok?q=$R$R') for s in d['series'])" 2>&1)"
expect_eq "utf8: the scenario name, repaired (scenarios and tags)" "True True" \
    "$(j u "str('sc$R' in d['scenarios']) + ' ' + str(any(s['tags'].get('scenario')=='sc$R' for s in d['series']))" 2>&1)"
expect_eq "utf8: options.tags and scenario env in the resolved options" "r$R e$R" \
    "$(j u "d['options']['tags']['run'] + ' ' + d['options']['scenarios']['sc$R']['env']['E']" 2>&1)"
expect_eq "utf8: the script path, repaired" "bad$R.lua" "$(j u "d['script'].rsplit('/', 1)[1]" 2>&1)"
expect_eq "utf8: NDJSON run line: script and --tag value" "bad$R.lua s$R" \
    "$(python3 -c 'import json,sys; d=json.loads(open(sys.argv[1], encoding="utf-8").readline()); print(d["script"].rsplit("/",1)[1], d["tags"]["static"])' "$TMP/u.ndjson" 2>&1)"
timeout 20 "$LT" inspect "$bad_script" >"$TMP/inspect.json" 2>"$TMP/inspect.err"
expect_eq "utf8: inspect exits 0" 0 "$?"
check "utf8: inspect prints valid UTF-8 JSON" strict_json "$TMP/inspect.json"

# --- lt.abort's reason: repaired, and cut before a character, never inside one ---
timeout 60 "$LT" -s "$bad_script" -e URL="$URL" -e ABORT=1 -q --summary-export "$TMP/ab.json" \
    >"$TMP/ab.out" 2>"$TMP/ab.err"
expect_eq "abort: exit 108" 108 "$?"
check "abort: the JSON summary is valid UTF-8 JSON" strict_json "$TMP/ab.json"
expect_eq "abort: the reason is cut before the character that does not fit" "254 0" \
    "$(j ab "str(d['abort_reason'].count('a')) + ' ' + str(d['abort_reason'].count('é'))" 2>&1)"
# --- summaryTrendStats with `count`: once in the text, once in the JSON (no duplicate key) ---
timeout 60 "$LT" -s "$S/trend_stats.lua" -e URL="$URL" --no-color --summary-export "$TMP/ts.json" \
    >"$TMP/ts.out" 2>"$TMP/ts.err"
expect_eq "trend stats: exit 0" 0 "$?"
expect_eq "trend stats: http_req_duration's line names count once" 1 \
    "$(grep -E '^ *http_req_duration\.' "$TMP/ts.out" "$TMP/ts.err" | grep -o 'count=' | wc -l)"
expect_eq "trend stats: no duplicate key in the JSON summary" "ok" "$(python3 -c '
import json, sys
def no_dup(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)): raise SystemExit("duplicate key in %r" % keys)
    return dict(pairs)
d = json.load(open(sys.argv[1]), object_pairs_hook=no_dup)
v = d["metrics"]["http_req_duration"]["values"]
print("ok" if v.get("count") == 3 else "count %r" % v.get("count"))' "$TMP/ts.json" 2>&1)"
finish
