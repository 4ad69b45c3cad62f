/* test_tags_utf8.c — tag sets (tag values, check names, URLs as `name`) are stored as valid UTF-8:
 * repaired once when a set is first interned, raw sets that repair alike share one id, valid sets
 * are untouched. */
#include "base/utf8.h"
#include "metrics/metrics.h"
#include "t.h"
#include <string.h>

static uint32_t intern2(tag_cache *c, const char *k1, const char *v1, const char *k2,
                        const char *v2) {
    tag_builder b = {0};
    tags_put(&b, k1, v1);
    if (k2) tags_put(&b, k2, v2);
    return tagset_intern(c, &b);
}

static bool all_valid(const tagset *t) {
    for (int i = 0; t && i < t->n; i++)
        if (!utf8_valid(t->keys[i], strlen(t->keys[i])) ||
            !utf8_valid(t->vals[i], strlen(t->vals[i])))
            return false;
    return t != NULL;
}

int main(void) {
    metrics_init();
    tag_cache *c = tag_cache_new(), *other = tag_cache_new();
    /* a check name with a lone 0xFF */
    uint32_t id = intern2(c, "check", "status is 200 \xFF", "scenario", "default");
    const tagset *t = tagset_get(id);
    T_CHECK(all_valid(t), "stored valid");
    const char *v = tagset_value(t, "check");
    T_CHECK(v && strcmp(v, "status is 200 \xEF\xBF\xBD") == 0, "check repaired: '%s'", v ? v : "");
    T_CHECK(strcmp(tagset_value(t, "scenario"), "default") == 0, "other tags kept");
    /* the same raw set again, from this thread's cache and from another thread's */
    T_CHECK(intern2(c, "check", "status is 200 \xFF", "scenario", "default") == id, "cached");
    T_CHECK(intern2(other, "scenario", "default", "check", "status is 200 \xFF") == id,
            "another cache, another order");
    /* raw sets that repair to the same text are one set (one series, not two alike) */
    uint32_t fe = intern2(other, "check", "status is 200 \xFE", "scenario", "default");
    uint32_t already = intern2(c, "check", "status is 200 \xEF\xBF\xBD", "scenario", "default");
    T_CHECK(fe == id && already == id, "one set for one repaired text: %u %u %u", id, fe, already);
    /* truncated, overlong and surrogate sequences, in keys and values */
    const char *bad[] = {"a\xE2\x82", "\xC0\xAF", "\xED\xA0\x80x", "\xF4\x90\x80\x80"};
    for (int i = 0; i < 4; i++) {
        uint32_t k = intern2(c, bad[i], "v", "name", bad[i]);
        T_CHECK(all_valid(tagset_get(k)), "case %d stored valid", i);
    }
    /* two keys that become one after repair: one of them, always the same, and a valid set */
    uint32_t two = intern2(c, "k\xFF", "1", "k\xFE", "2");
    const tagset *tt = tagset_get(two);
    T_CHECK(tt && tt->n == 1 && all_valid(tt), "colliding keys merge: n=%d", tt ? tt->n : -1);
    T_CHECK(intern2(other, "k\xFE", "2", "k\xFF", "1") == two, "independent of the order");
    /* valid text is stored as given */
    uint32_t ok = intern2(c, "symbol", "caf\xC3\xA9", NULL, NULL);
    T_CHECK(strcmp(tagset_value(tagset_get(ok), "symbol"), "caf\xC3\xA9") == 0, "valid unchanged");
    tag_cache_free(c);
    tag_cache_free(other);
    return T_DONE();
}
