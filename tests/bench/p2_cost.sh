#!/usr/bin/env bash
# P2's per-request cost without wall-clock rates (issue 15): user/sys CPU per 100k requests over a
# fixed iteration count (N, default 40,000; -u 10 -i N: shared-iterations) REPS times against a
# local nginx, and with CG=1 callgrind's instructions per request (the Ir of 6,000 iterations minus
# those of 2,000, over 4,000: start-up and the summary cancel). SCRIPT= another script; CGKEEP=FILE
# keeps the 6,000-iteration profile for callgrind_annotate; CGFN=vu_resume counts only inside it
# (the Lua side of each request: the iteration between its resumes and yields). WRK=1 also runs wrk
# (-t1 -c10 -d${WRK_SECONDS:-5}s, tests/bench/wrk_scripted.lua) after each lt run on the same nginx,
# with its user/sys CPU per 100k of the requests it counted: a reference from the same minutes.
# Not part of `make test`.
. "$(dirname "$0")/../lib.sh"
start_nginx || exit 2
N=${N:-40000}
for i in $(seq ${REPS:-3}); do
  /usr/bin/time -f "%U %S" -o $TMP/time.$i "$LT" -s ${SCRIPT:-$ROOT/tests/bench/lt_scripted.lua} --threads 1 -q -u 10 -i $N \
    -e BENCH_URL=http://127.0.0.1:$NGINX_PORT -e BENCH_CONNS=10 -e BENCH_DURATION=10s --summary-export $TMP/s.json >/dev/null 2>$TMP/err.$i
  reqs=$(json_get $TMP/s.json "int(d['metrics']['http_reqs']['values']['count'])")
  fails=$(json_get $TMP/s.json "d['metrics']['http_req_failed']['values']['rate']")
  read u s < $TMP/time.$i
  awk -v r=$reqs -v u=$u -v s=$s -v f=$fails 'BEGIN{printf "reqs %d failed %.3f  user CPU-s/100k %.3f sys %.3f\n", r, f, u*1e5/r, s*1e5/r}'
  if [ -n "${WRK:-}" ]; then
    /usr/bin/time -f "%U %S" -o $TMP/wtime.$i wrk -t1 -c10 -d${WRK_SECONDS:-5}s -s $ROOT/tests/bench/wrk_scripted.lua \
      http://127.0.0.1:$NGINX_PORT/orders >$TMP/wrk.$i 2>&1
    wreqs=$(awk '/requests in/{print $1}' $TMP/wrk.$i)
    read u s < $TMP/wtime.$i
    awk -v r=$wreqs -v u=$u -v s=$s 'BEGIN{printf "wrk  reqs %d         user CPU-s/100k %.3f sys %.3f\n", r, u*1e5/r, s*1e5/r}'
  fi
done
if [ -n "${CG:-}" ]; then
  for n in 2000 6000; do
    valgrind --tool=callgrind ${CGFN:+--toggle-collect=$CGFN} --callgrind-out-file=$TMP/cg.$n "$LT" -s ${SCRIPT:-$ROOT/tests/bench/lt_scripted.lua} --threads 1 -q -u 10 -i $n \
      -e BENCH_URL=http://127.0.0.1:$NGINX_PORT -e BENCH_CONNS=10 -e BENCH_DURATION=10s >/dev/null 2>$TMP/cgerr.$n
    grep -h "^summary:\|^totals:" $TMP/cg.$n | head -1 | awk '{print $2}' > $TMP/ir.$n
  done
  awk -v a=$(cat $TMP/ir.2000) -v b=$(cat $TMP/ir.6000) 'BEGIN{printf "callgrind: %.0f instructions per request (Ir difference 6000 - 2000 iterations / 4000)\n", (b-a)/4000}'
  [ -n "${CGKEEP:-}" ] && cp $TMP/cg.6000 $CGKEEP
  if [ -n "${CGTOP:-}" ]; then # the CGTOP functions that grow most per request (exclusive Ir)
    for n in 2000 6000; do callgrind_annotate --auto=no --inclusive=no --threshold=100 $TMP/cg.$n 2>/dev/null >$TMP/ann.$n; done
    python3 - $TMP/ann.2000 $TMP/ann.6000 $CGTOP <<'PY'
import re, sys
def read(f):
    d = {}
    for line in open(f):
        m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(.*\S)\s*$", line)
        if m and "PROGRAM TOTALS" not in line:
            d[m.group(2)] = d.get(m.group(2), 0) + int(m.group(1).replace(",", ""))
    return d
a, b = read(sys.argv[1]), read(sys.argv[2])
diff = sorted(((b.get(k, 0) - a.get(k, 0)) / 4000, k) for k in set(a) | set(b))
for v, k in reversed(diff[-int(sys.argv[3]):]):
    print("%8.0f  %s" % (v, k[-110:]))
PY
  fi
fi
