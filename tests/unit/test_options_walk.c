/* test_options_walk.c — every option key the plan accepts has an effect. The walk goes over the
 * plan's own key tables (plan_key_tables), so a key added there without a proof here fails: for
 * each key, two options that differ only in that key must give different plans (the resolved
 * plan `lt inspect` prints, or for the keys that resolved copies as written — tags, timeline,
 * summaryTrendStats — the parsed fields). k6's options lt does not implement are refused with
 * "not supported by lt". */
#include "plan/plan.h"
#include "t.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One proof: `base` and `with` (full options as JSON) differ in `key` only, written at `where`. */
typedef struct {
    const char *where, *key, *base, *with;
} proof;

#define SC(body)  "{\"scenarios\":{\"s\":" body "}}"
#define CVU_BODY  "{\"executor\":\"constant-vus\",\"duration\":\"10s\""
#define CVU(more) SC(CVU_BODY more "}")
#define TOP(more) "{\"scenarios\":{\"s\":" CVU_BODY "}}" more "}"
/* constant-arrival-rate with rate R, duration D and preAllocatedVUs P (a key given twice in JSON
 * counts once: the first) */
#define CAR_RDP(r, d, p, more)                                                                     \
    SC("{\"executor\":\"constant-arrival-rate\",\"rate\":" r ",\"duration\":\"" d "\","            \
       "\"preAllocatedVUs\":" p more "}")
#define CAR(more) CAR_RDP("10", "10s", "2", more)
#define RAR_P(p, more, stages)                                                                     \
    SC("{\"executor\":\"ramping-arrival-rate\",\"preAllocatedVUs\":" p ",\"stages\":" stages more  \
       "}")
#define RAR(more, stages) RAR_P("2", more, stages)
#define ST1               "[{\"duration\":\"10s\",\"target\":5}]"
#define RVU(more, stages) SC("{\"executor\":\"ramping-vus\",\"stages\":" stages more "}")
#define PVI(more)         SC("{\"executor\":\"per-vu-iterations\"" more "}")
#define SHI(more)         SC("{\"executor\":\"shared-iterations\",\"iterations\":5" more "}")
#define TH(item)          TOP(",\"thresholds\":{\"http_req_duration\":[" item "]}")
#define TL(entry)         TOP(",\"timeline\":[" entry "]")

static const proof proofs[] = {
    /* top level */
    {"options", "scenarios", "{}", CVU("")},
    {"options", "thresholds", TOP(""),
     TOP(",\"thresholds\":{\"http_req_duration\":[\"p(99)<200\"]}")},
    {"options", "tags", TOP(""), TOP(",\"tags\":{\"a\":\"b\"}")},
    {"options", "discardResponseBodies", TOP(""), TOP(",\"discardResponseBodies\":true")},
    {"options", "insecureSkipTLSVerify", TOP(""), TOP(",\"insecureSkipTLSVerify\":true")},
    {"options", "setupTimeout", TOP(""), TOP(",\"setupTimeout\":\"5s\"")},
    {"options", "teardownTimeout", TOP(""), TOP(",\"teardownTimeout\":\"5s\"")},
    {"options", "summaryTrendStats", TOP(""), TOP(",\"summaryTrendStats\":[\"avg\",\"p(99)\"]")},
    {"options", "maxTagSets", TOP(""), TOP(",\"maxTagSets\":50")},
    {"options", "timeline", TOP(""), TL("{\"at\":\"1s\",\"tags\":{\"p\":\"x\"}}")},
    {"options", "vus", "{}", "{\"vus\":3}"},
    {"options", "duration", "{}", "{\"duration\":\"5s\"}"},
    {"options", "iterations", "{}", "{\"iterations\":5}"},
    {"options", "stages", "{}", "{\"stages\":" ST1 "}"},
    /* read by the run from the resolved plan (src/cli/run.c setup_scraper) */
    {"options", "scrape", TOP(""), TOP(",\"scrape\":\"http://127.0.0.1:1/metrics\"")},
    {"options", "noConnectionReuse", TOP(""), TOP(",\"noConnectionReuse\":true")},
    {"options", "noVUConnectionReuse", TOP(""), TOP(",\"noVUConnectionReuse\":true")},
    {"options", "userAgent", TOP(""), TOP(",\"userAgent\":\"x/1\"")},
    /* the segment's share (plan->share: what lt inspect prints under "segment") */
    {"options", "executionSegment", TOP(""), TOP(",\"executionSegment\":\"0:1/2\"")},
    {"options", "executionSegmentSequence", TOP(",\"executionSegment\":\"0:1/3\""),
     TOP(",\"executionSegment\":\"0:1/3\",\"executionSegmentSequence\":\"0,1/3,2/3,1\"")},
    {"options", "batch", TOP(""), TOP(",\"batch\":5")},
    {"options", "batchPerHost", TOP(""), TOP(",\"batchPerHost\":0")},
    /* every scenario */
    {"scenario", "executor", SC("{\"executor\":\"constant-vus\",\"vus\":2,\"duration\":\"1s\"}"),
     SC("{\"executor\":\"per-vu-iterations\",\"vus\":2}")},
    {"scenario", "startTime", CVU(""), CVU(",\"startTime\":\"5s\"")},
    {"scenario", "gracefulStop", CVU(""), CVU(",\"gracefulStop\":\"5s\"")},
    {"scenario", "exec", CVU(""), CVU(",\"exec\":\"other\"")},
    {"scenario", "env", CVU(""), CVU(",\"env\":{\"A\":\"1\"}")},
    {"scenario", "tags", CVU(""), CVU(",\"tags\":{\"t\":\"1\"}")},
    {"scenario", "setup", CVU(""), CVU(",\"setup\":\"prepare\"")},
    /* each executor's own */
    {"constant-arrival-rate", "rate", CAR(""), CAR_RDP("20", "10s", "2", "")},
    {"constant-arrival-rate", "timeUnit", CAR(""), CAR(",\"timeUnit\":\"1m\"")},
    {"constant-arrival-rate", "duration", CAR(""), CAR_RDP("10", "20s", "2", "")},
    {"constant-arrival-rate", "preAllocatedVUs", CAR(",\"maxVUs\":9"),
     CAR_RDP("10", "10s", "3", ",\"maxVUs\":9")},
    {"constant-arrival-rate", "maxVUs", CAR(""), CAR(",\"maxVUs\":9")},
    {"constant-arrival-rate", "queueWhenBusy", CAR(""), CAR(",\"queueWhenBusy\":true")},
    {"ramping-arrival-rate", "startRate", RAR("", ST1), RAR(",\"startRate\":3", ST1)},
    {"constant-arrival-rate", "schedulePrecision", CAR(""), CAR(",\"schedulePrecision\":\"5ms\"")},
    {"ramping-arrival-rate", "schedulePrecision", RAR("", ST1),
     RAR(",\"schedulePrecision\":\"5ms\"", ST1)},
    {"ramping-arrival-rate", "timeUnit", RAR("", ST1), RAR(",\"timeUnit\":\"1m\"", ST1)},
    {"ramping-arrival-rate", "stages", RAR("", ST1),
     RAR("", "[{\"duration\":\"5s\",\"target\":5}]")},
    {"ramping-arrival-rate", "preAllocatedVUs", RAR(",\"maxVUs\":9", ST1),
     RAR_P("3", ",\"maxVUs\":9", ST1)},
    {"ramping-arrival-rate", "maxVUs", RAR("", ST1), RAR(",\"maxVUs\":9", ST1)},
    {"ramping-arrival-rate", "queueWhenBusy", RAR("", ST1), RAR(",\"queueWhenBusy\":true", ST1)},
    {"constant-vus", "vus", CVU(""), CVU(",\"vus\":3")},
    {"constant-vus", "duration", CVU(""),
     SC("{\"executor\":\"constant-vus\",\"duration\":\"20s\"}")},
    {"ramping-vus", "startVUs", RVU("", ST1), RVU(",\"startVUs\":0", ST1)},
    {"ramping-vus", "stages", RVU("", ST1), RVU("", "[{\"duration\":\"10s\",\"target\":6}]")},
    {"ramping-vus", "gracefulRampDown", RVU("", ST1), RVU(",\"gracefulRampDown\":\"5s\"", ST1)},
    {"per-vu-iterations", "vus", PVI(""), PVI(",\"vus\":2")},
    {"per-vu-iterations", "iterations", PVI(""), PVI(",\"iterations\":3")},
    {"per-vu-iterations", "maxDuration", PVI(""), PVI(",\"maxDuration\":\"1m\"")},
    {"shared-iterations", "vus", SHI(""), SHI(",\"vus\":2")},
    {"shared-iterations", "iterations", SHI(""),
     SC("{\"executor\":\"shared-iterations\",\"iterations\":7}")},
    {"shared-iterations", "maxDuration", SHI(""), SHI(",\"maxDuration\":\"1m\"")},
    /* a stage, a threshold in its table form, a timeline entry */
    {"stage", "duration", RVU("", ST1), RVU("", "[{\"duration\":\"20s\",\"target\":5}]")},
    {"stage", "target", RVU("", ST1), RVU("", "[{\"duration\":\"10s\",\"target\":7}]")},
    {"threshold", "threshold", TH("{\"threshold\":\"p(99)<1\"}"),
     TH("{\"threshold\":\"p(99)<2\"}")},
    {"threshold", "abortOnFail", TH("{\"threshold\":\"p(99)<1\"}"),
     TH("{\"threshold\":\"p(99)<1\",\"abortOnFail\":true}")},
    {"threshold", "delayAbortEval", TH("{\"threshold\":\"p(99)<1\",\"abortOnFail\":true}"),
     TH("{\"threshold\":\"p(99)<1\",\"abortOnFail\":true,\"delayAbortEval\":\"10s\"}")},
    {"timeline", "at", TL("{\"at\":\"1s\",\"tags\":{\"p\":\"x\"}}"),
     TL("{\"at\":\"2s\",\"tags\":{\"p\":\"x\"}}")},
    {"timeline", "exec", TL("{\"at\":\"1s\",\"tags\":{\"p\":\"x\"}}"),
     TL("{\"at\":\"1s\",\"tags\":{\"p\":\"x\"},\"exec\":\"act\"}")},
    {"timeline", "tags", TL("{\"at\":\"1s\",\"exec\":\"act\"}"),
     TL("{\"at\":\"1s\",\"exec\":\"act\",\"tags\":{\"p\":\"x\"}}")},
};
#define NPROOFS (sizeof proofs / sizeof proofs[0])

static plan *build(const char *json, char *err, size_t errlen) {
    cJSON *o = cJSON_Parse(json);
    if (!o) {
        snprintf(err, errlen, "not JSON: %s", json);
        return NULL;
    }
    plan_overrides ov = {.time_scale = 1};
    plan *p = plan_build(o, &ov, err, errlen);
    cJSON_Delete(o);
    return p;
}

static void kv_text(const kv_list *kv, char *out, size_t cap, size_t *used) {
    for (int i = 0; i < kv->n; i++)
        *used += (size_t)snprintf(out + *used, *used < cap ? cap - *used : 0, "%s=%s,", kv->keys[i],
                                  kv->vals[i]);
}

/* What the plan is, as text: the resolved plan without the keys it copies as written, plus the
 * parsed fields those keys become (so a copied key proves nothing by being copied). */
static char *plan_text(const plan *p) {
    cJSON *r = cJSON_Duplicate(p->resolved, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(r, "tags");
    cJSON_DeleteItemFromObjectCaseSensitive(r, "timeline");
    cJSON_DeleteItemFromObjectCaseSensitive(r, "summaryTrendStats");
    if (p->share) cJSON_AddItemToObject(r, "segment", cJSON_Duplicate(p->share, 1));
    char *json = cJSON_PrintUnformatted(r);
    cJSON_Delete(r);
    size_t cap = strlen(json) + 4096, used = 0;
    char *out = malloc(cap);
    used += (size_t)snprintf(out, cap, "%s|tags:", json);
    free(json);
    kv_text(&p->tags, out, cap, &used);
    used += (size_t)snprintf(out + used, cap - used, "|stats:");
    for (int i = 0; i < p->ntrend_stats; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s,", p->trend_stats[i]);
    for (int i = 0; i < p->ntimeline; i++) {
        const timeline_entry *e = &p->timeline[i];
        used += (size_t)snprintf(out + used, cap - used, "|at %g exec %s tags ", e->at,
                                 e->exec ? e->exec : "-");
        kv_text(&e->tags, out, cap, &used);
    }
    return out;
}

static const proof *find_proof(const char *where, const char *key) {
    for (size_t i = 0; i < NPROOFS; i++)
        if (strcmp(proofs[i].where, where) == 0 && strcmp(proofs[i].key, key) == 0)
            return &proofs[i];
    return NULL;
}

static bool accepted(const char *where, const char *key) {
    for (const plan_key_table *t = plan_key_tables(); t->where; t++)
        if (strcmp(t->where, where) == 0)
            for (const char *const *k = t->keys; *k; k++)
                if (strcmp(*k, key) == 0) return true;
    return false;
}

static void check_proof(const proof *pr) {
    char quoted[128], err[512] = "";
    snprintf(quoted, sizeof quoted, "\"%s\"", pr->key);
    T_CHECK(strstr(pr->with, quoted) != NULL, "%s.%s: the proof does not set it", pr->where,
            pr->key);
    plan *a = build(pr->base, err, sizeof err);
    T_CHECK(a != NULL, "%s.%s: base refused: %s", pr->where, pr->key, err);
    plan *b = build(pr->with, err, sizeof err);
    T_CHECK(b != NULL, "%s.%s: options with it refused: %s", pr->where, pr->key, err);
    if (a && b) {
        char *ta = plan_text(a), *tb = plan_text(b);
        T_CHECK(strcmp(ta, tb) != 0, "%s.%s: setting it leaves the plan as it was: %s", pr->where,
                pr->key, ta);
        free(ta);
        free(tb);
    }
    plan_free(a);
    plan_free(b);
}

static void test_every_key_has_an_effect(void) {
    int keys = 0;
    for (const plan_key_table *t = plan_key_tables(); t->where; t++)
        for (const char *const *k = t->keys; *k; k++) {
            keys++;
            const proof *pr = find_proof(t->where, *k);
            T_CHECK(pr != NULL, "%s.%s is accepted but nothing here shows it has an effect",
                    t->where, *k);
            if (pr) check_proof(pr);
        }
    for (size_t i = 0; i < NPROOFS; i++)
        T_CHECK(accepted(proofs[i].where, proofs[i].key), "proof for %s.%s: not an accepted key",
                proofs[i].where, proofs[i].key);
    printf("walked %d accepted option keys, %zu proofs\n", keys, NPROOFS);
}

/* k6's options lt does not implement are refused by name, "not supported by lt". */
static void test_unsupported_refused(void) {
    for (const plan_key_table *t = plan_unsupported_k6_keys(); t->where; t++)
        for (const char *const *k = t->keys; *k; k++) {
            char json[512], err[512] = "";
            if (strcmp(t->where, "options") == 0)
                snprintf(json, sizeof json, TOP(",\"%s\":1"), *k);
            else if (strcmp(t->where, "scenario") == 0)
                snprintf(json, sizeof json, CVU(",\"%s\":{}"), *k);
            else
                snprintf(json, sizeof json, SC("{\"executor\":\"%s\"}"), *k);
            plan *p = build(json, err, sizeof err);
            T_CHECK(p == NULL, "%s %s accepted", t->where, *k);
            T_CHECK(strstr(err, "not supported by lt") && strstr(err, *k), "%s %s: message '%s'",
                    t->where, *k, err);
            T_CHECK(!accepted(t->where, *k), "%s %s: both accepted and refused", t->where, *k);
            plan_free(p);
        }
    char err[512] = "";
    plan *p = build(TOP(",\"userAgnet\":\"x\""), err, sizeof err);
    T_CHECK(p == NULL && strstr(err, "options.userAgnet: unknown option"),
            "a typo stays 'unknown option': %s", err);
    plan_free(p);
}

int main(void) {
    test_every_key_has_an_effect();
    test_unsupported_refused();
    return T_DONE();
}
