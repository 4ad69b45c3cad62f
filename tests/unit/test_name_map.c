/* test_name_map.c — src/base/name_map: every key put is found with its value after the table
 * grows many times, keys are compared by their n bytes (a prefix is another key), key addresses
 * survive rehashing, and FNV-1a matches its published test vectors. */
#include "base/name_map.h"
#include "t.h"
#include <stdio.h>
#include <string.h>

#define N 20000

int main(void) {
    /* FNV-1a 64 vectors (Fowler/Noll/Vo's test suite): "" and "a" and "foobar" */
    T_CHECK(fnv1a("", 0) == 0xcbf29ce484222325ULL, "fnv1a(\"\")");
    T_CHECK(fnv1a("a", 1) == 0xaf63dc4c8601ec8cULL, "fnv1a(\"a\")");
    T_CHECK(fnv1a("foobar", 6) == 0x85944171f73967e8ULL, "fnv1a(\"foobar\")");
    T_CHECK(fnv1a_more(fnv1a("foo", 3), "bar", 3) == fnv1a("foobar", 6), "continuation");

    name_map m = {0};
    T_CHECK(name_map_find(&m, "x", 1) == NULL, "empty map finds nothing");
    const char *first_key = NULL;
    int bad_put = 0, bad_added = 0;
    for (int i = 0; i < N; i++) {
        char k[32];
        int n = snprintf(k, sizeof k, "metric_%d", i);
        bool added;
        name_map_slot *s = name_map_put(&m, k, (size_t)n, i, &added);
        if (!s || s->value != i) bad_put++;
        if (!added) bad_added++;
        if (i == 0) first_key = s->key;
    }
    T_CHECK(bad_put == 0 && bad_added == 0, "%d puts wrong, %d not added", bad_put, bad_added);
    T_CHECK(m.used == N, "used %zu", m.used);
    T_CHECK(m.used * 2 <= m.cap, "grown at half full: %zu of %zu", m.used, m.cap);
    int missing = 0;
    for (int i = 0; i < N; i++) {
        char k[32];
        int n = snprintf(k, sizeof k, "metric_%d", i);
        name_map_slot *s = name_map_find(&m, k, (size_t)n);
        if (!s || s->value != i || strcmp(s->key, k) != 0) missing++;
    }
    T_CHECK(missing == 0, "%d keys not found with their value", missing);
    name_map_slot *s0 = name_map_find(&m, "metric_0", 8);
    T_CHECK(s0 && s0->key == first_key, "a key keeps its address through rehashes");
    /* "metric_1" is a prefix of "metric_10": compared by length */
    T_CHECK(name_map_find(&m, "metric_10", 8)->value == 1, "n bytes of a longer string");
    T_CHECK(name_map_find(&m, "metric_", 7) == NULL, "a prefix of keys is not a key");
    bool added = true;
    name_map_slot *again = name_map_put(&m, "metric_5", 8, 99, &added);
    T_CHECK(!added && again->value == 5, "putting an existing key keeps its value");
    T_CHECK(m.used == N, "no duplicate entry");
    name_map_free(&m);
    T_CHECK(m.cap == 0 && m.slots == NULL, "freed map is empty");
    return T_DONE();
}
