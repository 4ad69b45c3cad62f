# The folders of src/ include one another one way only (README "Architecture"): cli -> exec (owns
# the run) -> vu -> net; plan is data; metrics and base at the ground; output reads metrics, the
# plan and plain numbers, never the runtimes; scrape produces samples beside the VUs; mesim shares
# nothing. Each folder's #include "dir/..." lines are checked against what it may use.
source "$(dirname "$0")/../lib.sh"
declare -A MAY=(
    [base]=""
    [metrics]="base"
    [plan]="base metrics"
    [net]="base"
    [vu]="base metrics net plan"
    [output]="base metrics plan"
    [scrape]="base metrics net"
    [exec]="base metrics plan net output scrape vu"
    [cli]="base metrics plan net output scrape vu exec"
    [mesim]=""
)
for dir in "$ROOT"/src/*/; do
    d=$(basename "$dir")
    if [ -z "${MAY[$d]+x}" ]; then fail "src/$d/ has a place in the layering" "add it to MAY in $0"; continue; fi
    bad=""
    while IFS=: read -r file used; do
        [ "$used" == "$d" ] && continue
        [[ " ${MAY[$d]} " == *" $used "* ]] || bad+=" ${file#"$ROOT"/}->$used"
    done < <(grep -oE '^#include "[a-z_]+/' "$dir"*.[ch] 2>/dev/null | sed -E 's/#include "//; s|/$||')
    if [ -z "$bad" ]; then pass "src/$d/ includes only: ${MAY[$d]:-(nothing of src/)}"; else fail "src/$d/ includes what it may not" "$bad"; fi
done
# one clock: outside mesim (a program of its own) only base/clock.h reads the system clock
clocks=$(grep -lE 'clock_gettime|gettimeofday\(' "$ROOT"/src/*/*.[ch] | grep -v -e /mesim/ -e /base/clock.h)
expect_eq "one clock: only base/clock.h calls clock_gettime" "" "$clocks"
finish
