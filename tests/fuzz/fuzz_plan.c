// fuzz-sources: src/plan/*.c src/metrics/threshold.c
// fuzz-libs: libcjson
/* fuzz_plan.c — the options loader: any JSON (what a script's `options` table becomes) either
 * builds a complete plan or fails with a message; never a crash, a leak, or a plan whose
 * numbers are nonsense (negative durations, more preallocated than maximum VUs). */
#include "plan/plan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cJSON *o = cJSON_ParseWithLength((const char *)data, size);
    if (!o) return 0;
    char err[512] = "";
    plan_overrides ov = {.time_scale = 0.5};
    plan *p = plan_build(o, &ov, err, sizeof err);
    if (!p && !err[0]) abort(); /* a refusal always says why */
    if (p) {
        for (int i = 0; i < p->nscenarios; i++) {
            const scenario_plan *s = &p->scenarios[i];
            if (s->start_time < 0 || s->graceful_stop < 0 || scenario_duration(s) < 0) abort();
            if (s->max_vus < s->pre_allocated_vus) abort();
        }
        if (plan_total_duration(p) < 0) abort();
        char *text = cJSON_PrintUnformatted(p->resolved);
        free(text);
        plan_free(p);
    }
    cJSON_Delete(o);
    return 0;
}
