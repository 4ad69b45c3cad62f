/* plan_thresholds.c — options.thresholds as the plan's threshold list (plan_internal.h): each
 * expression parsed and its metric selector checked before any traffic. */
#include "plan/plan_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const plan_threshold_keys[] = {"threshold", "abortOnFail", "delayAbortEval", NULL};

static int parse_threshold_item(ctx *c, const char *metric, const cJSON *it, int idx, plan *p) {
    char where[300];
    snprintf(where, sizeof where, "thresholds[\"%s\"][%d]", metric, idx + 1);
    threshold_plan *t = &p->thresholds[p->nthresholds];
    memset(t, 0, sizeof *t);
    const char *src = NULL;
    if (cJSON_IsString(it)) {
        src = it->valuestring;
    } else if (cJSON_IsObject(it)) {
        const cJSON *k;
        cJSON_ArrayForEach(k, it) {
            if (!plan_in_list(k->string, plan_threshold_keys))
                return plan_fail(
                    c, "%s: unknown key '%s' (expected threshold, abortOnFail, delayAbortEval)",
                    where, k->string);
        }
        const cJSON *th = cJSON_GetObjectItemCaseSensitive(it, "threshold");
        if (!cJSON_IsString(th))
            return plan_fail(c, "%s.threshold: missing expression string", where);
        src = th->valuestring;
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(it, "abortOnFail");
        if (a && !cJSON_IsBool(a))
            return plan_fail(c, "%s.abortOnFail: must be true or false", where);
        t->abort_on_fail = cJSON_IsTrue(a);
        if (plan_get_duration(c, it, "delayAbortEval", where, 0, true, &t->delay_abort_eval))
            return -1;
    } else {
        return plan_fail(c, "%s: must be an expression string or {threshold=..., abortOnFail=...}",
                         where);
    }
    char e[200];
    if (threshold_parse(src, &t->expr, e, sizeof e) != 0)
        return plan_fail(c, "%s: '%s': %s", where, src, e);
    if (selector_parse(metric, &t->sel, e, sizeof e) != 0)
        return plan_fail(c, "thresholds[\"%s\"]: %s", metric, e);
    t->metric_src = strdup(metric);
    t->expr_src = strdup(src);
    p->nthresholds++;
    return 0;
}

int plan_parse_thresholds(ctx *c, const cJSON *o, plan *p) {
    const cJSON *th = cJSON_GetObjectItemCaseSensitive(o, "thresholds");
    if (!th || cJSON_IsNull(th)) return 0;
    if (!cJSON_IsObject(th))
        return plan_fail(c, "thresholds: must be a table of metric = {expressions}");
    int total = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, th) total += cJSON_IsArray(m) ? cJSON_GetArraySize(m) : 1;
    p->thresholds = calloc(total + 1, sizeof *p->thresholds);
    cJSON_ArrayForEach(m, th) {
        if (cJSON_IsArray(m)) {
            int i = 0;
            const cJSON *it;
            cJSON_ArrayForEach(it, m) if (parse_threshold_item(c, m->string, it, i++, p)) return -1;
        } else if (cJSON_IsString(m)) {
            if (parse_threshold_item(c, m->string, m, 0, p)) return -1;
        } else if (!(cJSON_IsObject(m) && cJSON_GetArraySize(m) == 0)) {
            return plan_fail(c, "thresholds[\"%s\"]: must be a list of expressions", m->string);
        }
    }
    return 0;
}

/* A threshold on {scenario:NAME} where no scenario has that name can never see a sample: a typo
 * ("shalow") would otherwise end as "no data" only after the whole run. Refused up front. */
int plan_check_threshold_scenarios(ctx *c, const plan *p) {
    for (int i = 0; i < p->nthresholds; i++) {
        const metric_selector *sel = &p->thresholds[i].sel;
        for (int k = 0; k < sel->ntags; k++) {
            if (strcmp(sel->tags[k].key, "scenario")) continue;
            bool known = false;
            for (int j = 0; j < p->nscenarios && !known; j++)
                known = strcmp(p->scenarios[j].name, sel->tags[k].value) == 0;
            if (known) continue;
            char names[200] = "";
            size_t used = 0;
            for (int j = 0; j < p->nscenarios && used < sizeof names; j++)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", j ? ", " : "",
                                         p->scenarios[j].name);
            return plan_fail(c, "thresholds[\"%s\"]: no scenario is named '%s' (scenarios: %s)",
                             p->thresholds[i].metric_src, sel->tags[k].value, names);
        }
    }
    return 0;
}
