/* test_summary_k6.c — k6's root_group from the `group` tag (output/summary_k6.h): nesting from
 * "::a::b" paths (parents made on the way, a path without its leading "::" read the same), a
 * check's series of different tag sets added up in one check, groups known only from other
 * metrics' series, k6's paths and MD5 ids, first-seen order. */
#include "metrics/metrics.h"
#include "output/summary_k6.h"
#include "t.h"
#include <string.h>

static tag_cache *cache;

static uint32_t tags(const char *check, const char *group, const char *scenario) {
    tag_builder b = {0};
    if (check) tags_put(&b, "check", check);
    if (group) tags_put(&b, "group", group);
    if (scenario) tags_put(&b, "scenario", scenario);
    return tagset_intern(cache, &b);
}

static const cJSON *field(const cJSON *o, const char *k) {
    return cJSON_GetObjectItemCaseSensitive(o, k);
}
static const char *str(const cJSON *o, const char *k) {
    const cJSON *v = field(o, k);
    return cJSON_IsString(v) ? v->valuestring : "(none)";
}
static double num(const cJSON *o, const char *k) {
    const cJSON *v = field(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}
static const cJSON *nth(const cJSON *o, const char *k, int i) {
    return cJSON_GetArrayItem(field(o, k), i);
}
static int len(const cJSON *o, const char *k) {
    return cJSON_GetArraySize(field(o, k));
}

int main(void) {
    metrics_init();
    cache = tag_cache_new();
    store *st = store_new();
    /* the root check, in two scenarios: one check, passes and fails added up */
    store_add(st, M_CHECKS, tags("ok", NULL, "a"), 1);
    store_add(st, M_CHECKS, tags("ok", NULL, "b"), 1);
    store_add(st, M_CHECKS, tags("ok", NULL, "b"), 0);
    /* a nested group seen first (its parent made on the way), then the parent's own check */
    store_add(st, M_CHECKS, tags("deep", "::outer::inner", "a"), 0);
    store_add(st, M_CHECKS, tags("top", "outer", "a"), 1); /* no leading "::": the same group */
    /* a group with requests and no checks */
    store_add(st, M_HTTP_REQS, tags(NULL, "::requests only", "a"), 1);

    cJSON *rg = summary_root_group(st);
    T_CHECK(strcmp(str(rg, "name"), "") == 0 && strcmp(str(rg, "path"), "") == 0, "root");
    T_CHECK(strcmp(str(rg, "id"), "d41d8cd98f00b204e9800998ecf8427e") == 0, "root id: %s",
            str(rg, "id")); /* md5("") */
    T_CHECK(len(rg, "checks") == 1, "one root check, got %d", len(rg, "checks"));
    const cJSON *ok = nth(rg, "checks", 0);
    T_CHECK(strcmp(str(ok, "path"), "::ok") == 0, "check path %s", str(ok, "path"));
    T_CHECK(num(ok, "passes") == 2 && num(ok, "fails") == 1, "two scenarios' series added: %g/%g",
            num(ok, "passes"), num(ok, "fails"));
    T_CHECK(len(rg, "groups") == 2, "two top groups, got %d", len(rg, "groups"));
    const cJSON *outer = nth(rg, "groups", 0), *req = nth(rg, "groups", 1);
    T_CHECK(strcmp(str(outer, "name"), "outer") == 0 && strcmp(str(outer, "path"), "::outer") == 0,
            "outer first (first seen): %s", str(outer, "path"));
    T_CHECK(strcmp(str(outer, "id"), "c34b428ee7255085dfe7fef53d3394d5") == 0, "md5(::outer)");
    T_CHECK(len(outer, "checks") == 1 &&
                strcmp(str(nth(outer, "checks", 0), "path"), "::outer::top") == 0,
            "outer's own check");
    const cJSON *inner = nth(outer, "groups", 0);
    T_CHECK(inner && strcmp(str(inner, "path"), "::outer::inner") == 0, "inner under outer");
    const cJSON *deep = inner ? nth(inner, "checks", 0) : NULL;
    T_CHECK(deep && strcmp(str(deep, "path"), "::outer::inner::deep") == 0 &&
                num(deep, "passes") == 0 && num(deep, "fails") == 1,
            "the nested check");
    T_CHECK(inner && cJSON_IsArray(field(inner, "groups")) && len(inner, "groups") == 0,
            "a leaf's groups: an empty array");
    T_CHECK(strcmp(str(req, "path"), "::requests only") == 0 && len(req, "checks") == 0 &&
                cJSON_IsArray(field(req, "checks")),
            "a group known from requests only, with no checks");
    cJSON_Delete(rg);
    store_free(st);
    return T_DONE();
}
