/* name_map.c — see name_map.h. */
#include "base/name_map.h"
#include <stdlib.h>
#include <string.h>

static name_map_slot *probe(name_map_slot *slots, size_t cap, const char *key, size_t n) {
    for (size_t i = fnv1a(key, n) & (cap - 1);; i = (i + 1) & (cap - 1)) {
        name_map_slot *s = &slots[i];
        if (!s->key || (s->len == n && memcmp(s->key, key, n) == 0)) return s;
    }
}

name_map_slot *name_map_find(const name_map *m, const char *key, size_t n) {
    if (!m->cap) return NULL;
    name_map_slot *s = probe(m->slots, m->cap, key, n);
    return s->key ? s : NULL;
}

static bool grow(name_map *m) {
    size_t ncap = m->cap ? m->cap * 2 : 64;
    name_map_slot *ns = calloc(ncap, sizeof *ns);
    if (!ns) return false;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key) *probe(ns, ncap, m->slots[i].key, m->slots[i].len) = m->slots[i];
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return true;
}

name_map_slot *name_map_put(name_map *m, const char *key, size_t n, int value, bool *added) {
    if (added) *added = false;
    name_map_slot *s = name_map_find(m, key, n);
    if (s) return s;
    if ((m->used + 1) * 2 > m->cap && !grow(m)) return NULL;
    s = probe(m->slots, m->cap, key, n);
    char *k = malloc(n + 1);
    if (!k) return NULL;
    memcpy(k, key, n);
    k[n] = '\0';
    *s = (name_map_slot){k, n, value};
    m->used++;
    if (added) *added = true;
    return s;
}

void name_map_free(name_map *m) {
    for (size_t i = 0; i < m->cap; i++) free(m->slots[i].key);
    free(m->slots);
    *m = (name_map){0};
}
