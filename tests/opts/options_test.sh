# k6's options that lt does not implement stop the run before any traffic: exit 104 with a message
# naming the option and saying lt does not support it (a typo stays "unknown option").
source "$(dirname "$0")/../lib.sh"

# refused NAME OPTIONS_LUA EXPECTED_MESSAGE
refused() {
    printf 'options = %s\nfunction default() end\n' "$2" >"$TMP/$1.lua"
    "$LT" inspect "$TMP/$1.lua" >"$TMP/$1.out" 2>&1
    expect_eq "$1: lt inspect exits 104" 104 $?
    "$LT" run "$TMP/$1.lua" -q >"$TMP/$1.run" 2>&1
    expect_eq "$1: lt run exits 104" 104 $?
    expect_match "$1: message" "$3" "$TMP/$1.out"
}
refused hosts '{ hosts = { ["a.test"] = "127.0.0.1" } }' "options.hosts: k6's option 'hosts' is not supported by lt"
refused rps '{ rps = 100 }' "options.rps: k6's option 'rps' is not supported by lt"
refused min_iter '{ minIterationDuration = "1s" }' "options.minIterationDuration: .*not supported by lt"
refused externally '{ scenarios = { s = { executor = "externally-controlled", vus = 1 } } }' \
    "scenarios.s.executor: k6's executor 'externally-controlled' is not supported by lt"
refused browser '{ scenarios = { s = { executor = "constant-vus", duration = "1s", options = { browser = { type = "chromium" } } } } }' \
    "scenarios.s.options: k6's scenario option 'options' is not supported by lt"
refused typo '{ noConectionReuse = true }' "options.noConectionReuse: unknown option"

# flags show in the resolved options as the script's keys do (lt inspect prints what will run)
printf 'options = {}\nfunction default() end\n' >"$TMP/plain.lua"
"$LT" inspect "$TMP/plain.lua" --insecure-skip-tls-verify >"$TMP/flag.json" 2>&1
expect_eq "--insecure-skip-tls-verify shows in lt inspect" True "$(json_get "$TMP/flag.json" "d['insecureSkipTLSVerify']")"
finish
