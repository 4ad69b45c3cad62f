#!/usr/bin/env bash
# lt report --format html (issue 12): pages built from the hand-made timeline fixtures
# (tests/report/fixtures/make_timeline_fixtures.py) are opened in headless Chromium (selenium +
# chromedriver, tests/report/html_check.py): no console error, the expected number of SVG charts
# with drawn data in the DOM, no element made from hostile input, a screenshot kept under
# build/artifacts/. Skips (with a message) only when chromium is not installed; deps/ installs it.
source "$(dirname "$0")/../lib.sh"
F=$ROOT/tests/report/fixtures
ART=$ROOT/${LT_BUILD_DIR:-build}/artifacts
mkdir -p "$ART"

# --- svg.lua unit checks (round ticks, gaps, escaping): no browser needed ---
while IFS= read -r line; do
    case $line in
    "ok   - "*) pass "svg: ${line#ok   - }" ;;
    "FAIL - "*) fail "svg: ${line#FAIL - }" ;;
    esac
done < <(luajit "$ROOT/tests/report/svg_test.lua" "$ROOT/lua" 2>&1 || echo "FAIL - svg_test.lua did not run")

# page NAME SUMMARY...: writes $TMP/NAME.html with lt report --format html; rc in RC.
page() { local n=$1; shift; "$LT" report --format html -o "$TMP/$n.html" "$@" >"$TMP/$n.out" 2>"$TMP/$n.err"; RC=$?; }
# field NAME KEY: a value from the browser's reading of page NAME ($TMP/NAME.json).
field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(len(v) if isinstance(v, list) else v)' "$TMP/$1.json" "$2"; }
# static checks of the page's markup: every chart has both axis labels (line) or one (bars), and
# every tick row steps by 1, 2, 2.5 or 5 x 10^k.
axes_ok() { python3 - "$1" <<'PY'
import math, re, sys
html = open(sys.argv[1]).read()
for svg in re.findall(r'<svg class="chart".*?</svg>', html, re.S):
    labels = re.findall(r'<text class="label"', svg)
    line = 'class="series"' in svg
    if len(labels) != (2 if line else 1):
        sys.exit("chart with %d axis labels" % len(labels))
    ticks = [float(t) for t in re.findall(r'<text class="tick"[^>]*text-anchor="(?:end|middle)">([-\d.]+)</text>', svg)]
    rows = [ticks]  # y and x ticks, split where the sequence restarts
    rows = []
    cur = []
    for t in ticks:
        if cur and t <= cur[-1]:
            rows.append(cur); cur = []
        cur.append(t)
    rows.append(cur)
    for r in rows:
        if len(r) < 2:
            continue
        step = r[1] - r[0]
        mant = step / 10 ** math.floor(math.log10(step))
        if not any(abs(mant - m) < 1e-6 for m in (1, 2, 2.5, 5)):
            sys.exit("tick step %g is not round: %s" % (step, r))
PY
}

# Page checks that need no browser.
page pass "$F/tl_a2.json" "$F/tl_b1.json" "$F/tl_b2.json"
expect_eq "A2+B1+B2 html: exit 0 (ASR 1 pass)" 0 "$RC"
expect_match "html: a Content-Security-Policy without script" "Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'" "$TMP/pass.html"
check "html: no external resource (no src=, no href=, no url( )" bash -c "test -s '$TMP/pass.html' && ! grep -Eiq 'src=|href=|url\\(' '$TMP/pass.html'"
check "html: axis labels on every chart, ticks at round steps" axes_ok "$TMP/pass.html"
expect_match "html: ASR 1 verdict in its colour" '<h2>ASR 1: <span class="verdict v-pass">PASS</span>' "$TMP/pass.html"
expect_match "html: the inputs table names each file" '<td>[^<]*tl_b2.json</td><td>B2</td>' "$TMP/pass.html"
page old "$F/a2_pass.json"
expect_eq "no timeline: exit 0" 0 "$RC"
expect_eq "no timeline: one note per chart" 4 "$(grep -c 'this summary has no timeline (made by an older lt)' "$TMP/old.html")"
"$LT" report --format html "$F/tl_a4.json" >"$TMP/stdout.html" 2>/dev/null
check "html without -o goes to stdout" grep -q '</html>' "$TMP/stdout.html"
page a4 "$F/tl_a4.json"
page a3 "$F/tl_a3.json"
# a3_axes [PAGE]: A3's page (default a3) has its three depth charts in order, on the same axes.
a3_axes() { python3 - "$TMP/${1:-a3}.html" <<'PY'
import re, sys
html = open(sys.argv[1]).read()
charts = re.findall(r'<svg class="chart"[^>]*><title>A3 latency, depth (\w+)</title>(.*?)</svg>', html, re.S)
names = [c[0] for c in charts]
if names != ["shallow", "medium", "deep"]:
    sys.exit("depth charts: %s" % names)
ticks = [re.findall(r'<text class="tick"[^>]*>([-\d.]+)</text>', c[1]) for c in charts]
if not (ticks[0] == ticks[1] == ticks[2]):
    sys.exit("the depth charts' axes differ: %s" % ticks)
PY
}
check "A3: one latency chart per depth, shallow/medium/deep, on the same axes" a3_axes
HOSTILE_FILE="<u>hostile&'x.json"
cp "$F/tl_hostile.json" "$TMP/$HOSTILE_FILE"
page hostile "$TMP/$HOSTILE_FILE"
check "hostile: the markup never reaches the page unescaped" bash -c "test -s '$TMP/hostile.html' && ! grep -Eq '<script|<img|<u>' '$TMP/hostile.html'"
expect_match "hostile: the tag value is there, escaped" '&lt;script&gt;alert\(1\)&lt;/script&gt;' "$TMP/hostile.html"
expect_match "hostile: the file name is there, escaped" '&lt;u&gt;hostile&amp;&#39;x.json' "$TMP/hostile.html"

# A malformed timeline (wrong lengths, wrong types) is drawn where it can be, never a crash.
python3 - "$F/a2_pass.json" "$TMP/bad_tl.json" "$TMP/other.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["timeline"] = {"interval_s": "x", "t": [1, 2, None], "http": {"reqs": [1], "p50_ms": "no", "p99_ms": [1, None, {}]},
                 "scenarios": 5, "trends": {"match_latency_ms": []}, "events": "x",
                 "scraped": [1, {"metric": None}, {"metric": "me_orderbook_depth", "values": [1, 2]}]}
json.dump(s, open(sys.argv[2], "w"))
t = json.load(open(sys.argv[1].replace("a2_pass", "tl_a2")))
t["script"], t["scenarios"] = "lua/my_own_test.lua", {"mine": {}}
json.dump(t, open(sys.argv[3], "w"))
PY
page bad "$TMP/bad_tl.json"
expect_eq "malformed timeline: exit 0, as in Markdown" 0 "$RC"
expect_eq "malformed timeline: the one usable series is drawn" 1 "$(grep -c 'class="series"' "$TMP/bad.html")"
expect_eq "malformed timeline: no error on stderr" "" "$(cat "$TMP/bad.err")"
# Timelines with values of the wrong type or length at random (seeded): still a page, no Lua error
# (a scenario that was a number, not an object, once stopped the page with "attempt to index").
for fx in tl_a4 tl_a3; do
    check "timeline fuzz on $fx: 40 malformed timelines, every page written" \
        python3 "$ROOT/tests/report/timeline_fuzz.py" "$LT" "$F/$fx.json" 40 "$TMP"
done
page other "$TMP/other.json"
expect_match "a summary of no test case is charted too" '<h3>not a test case: [^<]*other.json</h3>' "$TMP/other.html"
expect_eq "... with its rate, latency and symbol share charts" 3 "$(grep -c '<svg class="chart"' "$TMP/other.html")"

# --- in the browser ---
if ! command -v chromium >/dev/null 2>&1; then
    echo "SKIP: chromium is not installed (bash deps/install.sh installs it): browser checks not run"
    finish
fi
if ! /usr/bin/python3 -c 'import selenium' 2>/dev/null || [ ! -x "${LT_CHROMEDRIVER:-/usr/bin/chromedriver}" ]; then
    fail "browser checks need python3-selenium and chromium-driver (deps/packages.txt; bash deps/install.sh)"
    finish
fi
# browse NAME [SCALE]: reads page NAME in Chromium into $TMP/NAME.json, screenshot (1280x2000
# window at device scale SCALE, default 1) build/artifacts/report-NAME.png
browse() {
    rm -f "$ART/report-$1.png"
    timeout 120 /usr/bin/python3 "$ROOT/tests/report/html_check.py" "$TMP/$1.html" "$ART/report-$1.png" \
        "${2:-1}" >"$TMP/$1.json" 2>"$TMP/$1.browser.err"
    check "$1: Chromium opened the page" test -s "$TMP/$1.json"
    if [ ! -s "$TMP/$1.json" ]; then tail -5 "$TMP/$1.browser.err"; echo '{}' >"$TMP/$1.json"; fi
    expect_eq "$1: no console error or warning" 0 "$(field "$1" console 2>/dev/null)"
    check "$1: screenshot is a non-empty PNG" python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.exit(0 if len(d) > 1000 and d[:8] == b"\x89PNG\r\n\x1a\n" else 1)' "$ART/report-$1.png"
}
# charts NAME N: N <svg class="chart"> in the DOM, every one with drawn data.
charts() {
    expect_eq "$1: $2 charts in the DOM" "$2" "$(field "$1" charts 2>/dev/null)"
    expect_eq "$1: each of the $2 has a data path or bar" "$2" "$(field "$1" drawn 2>/dev/null)"
}

browse pass
# A2: rate, latency, symbol shares; B1: + depth, matches/s; B2: + shard shares (6)
charts pass 14
expect_eq "pass: the two unscraped charts (A2) say so" 2 "$(field pass nodata)"
expect_eq "pass: 4 bar charts (A2, B1 symbols; B2 shards, symbols)" 4 "$(field pass bar_charts)"

browse a4
charts a4 3
expect_eq "A4: the outage is shaded on the rate and the latency chart" 2 "$(field a4 shades)"
expect_eq "A4: the broker pause is marked on both" 2 "$(field a4 marks)"
expect_match "A4: the event is listed with its time and tags" '<li>t = 60.000 s: pause_broker \(phase=outage\)</li>' "$TMP/a4.html"

browse a3
charts a3 5

page b4 "$F/tl_b4.json"
browse b4
charts b4 6
expect_eq "B4: its intended shares ticked on each bar (3 shards, 12 symbols) and in the legends" 17 "$(grep -o 'class="expected"' "$TMP/b4.html" | wc -l)"
expect_match "B4: the hot symbol's share is shown" 'TEST-ASSET-A</title></rect><text class="tick"[^>]*>80\.0% \(912\)' "$TMP/b4.html"

browse old
charts old 1
expect_eq "no timeline: the four notes are shown" 4 "$(field old nodata)"

browse hostile
expect_eq "hostile: no <script> element in the DOM" 0 "$(field hostile scripts)"
expect_eq "hostile: no <img> element in the DOM" 0 "$(field hostile imgs)"
# has_text NAME TEXT: TEXT is in the visible text of page NAME as the browser read it
has_text() { python3 -c 'import json,sys; sys.exit(0 if sys.argv[2] in json.load(open(sys.argv[1]))["text"] else 1)' "$TMP/$1.json" "$2"; }
check "hostile: the tag value shows as text" has_text hostile "<script>alert(1)</script>"
check "hostile: the file name shows as text" has_text hostile "$HOSTILE_FILE"

# --- end to end: real A2 and A4 runs (--time-scale 0.01 / 0.02, ~3 s each) against mesim, scraped ---
PORT=$(free_port)
"$MESIM" shard --port "$PORT" >"$TMP/mesim.log" 2>&1 &
_PIDS+=($!)
check "mesim shard starts" wait_port "$PORT"
# e2e NAME SCRIPT SCALE: runs lua/SCRIPT against mesim into $TMP/NAME_summary.json, then its page.
e2e() {
    curl -sf -X POST "http://127.0.0.1:$PORT/admin/reset" >/dev/null
    timeout 60 "$LT" -s "$ROOT/lua/$2" -e ME_SHARD_A_URL="http://127.0.0.1:$PORT" --time-scale "$3" \
        -q --scrape "http://127.0.0.1:$PORT/metrics" --scrape-filter 'me_*' \
        --summary-export "$TMP/$1_summary.json" >"$TMP/$1.run" 2>&1
    expect_eq "$2 against mesim: exit 0" 0 "$?"
    page "$1" "$TMP/$1_summary.json"
    browse "$1"
}
e2e e2e a2_normal_load.lua 0.01
expect_eq "A2 against mesim: report exit 0" 0 "$RC"
if python3 -c 'import json,sys; sys.exit(0 if "timeline" in json.load(open(sys.argv[1])) else 1)' "$TMP/e2e_summary.json"; then
    # rate, latency, book depth, matches/s (scraped), symbol shares
    charts e2e 5
    expect_eq "A2 against mesim: no chart replaced by a note" 0 "$(field e2e nodata)"
    e2e e2e_a4 a4_kafka_degradation.lua 0.02
    charts e2e_a4 5
    expect_eq "A4 against mesim: the broker outage shaded on the four time charts" 4 "$(field e2e_a4 shades)"
    expect_match "A4 against mesim: the pause is listed" '<li>t = [0-9.]+ s: pause_broker \(phase=outage\)</li>' "$TMP/e2e_a4.html"
    e2e e2e_a3 a3_depth_variation.lua 0.01
    # rate, the three depths, book depth, matches/s, symbol shares
    charts e2e_a3 7
    check "A3 against mesim: the depth charts in order, on the same axes" a3_axes e2e_a3
else
    echo "note: this lt writes no summary timeline yet: the real run's page is checked for its notes"
    charts e2e 1
    expect_eq "A2 against mesim, no timeline: the four notes" 4 "$(field e2e nodata)"
fi

# The README's screenshot (docs/report-screenshot.png): A2, A4, B1, B2 at 0.7 scale, under 300 KB.
# LT_UPDATE_DOCS=1 copies it into docs/.
page readme "$F/tl_a2.json" "$F/tl_a4.json" "$F/tl_b1.json" "$F/tl_b2.json"
expect_eq "A2+A4+B1+B2: exit 0" 0 "$RC"
browse readme 0.7
charts readme 17
expect_num "README screenshot size (bytes)" "$(stat -c %s "$ART/report-readme.png" 2>/dev/null || echo 0)" lt 300000
[ "${LT_UPDATE_DOCS:-0}" = 1 ] && cp "$ART/report-readme.png" "$ROOT/docs/report-screenshot.png"
finish
