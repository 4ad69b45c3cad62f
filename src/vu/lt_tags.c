/* lt_tags.c — the tag set of a sample taken from Lua (runtime.h): the running VU's base tags
 * plus a Lua table's pairs (and a check's name), with two caches in front of interning: the VU's
 * last few (key, value) additions, and a table's pairs remembered by identity and compared pair
 * by pair on each use, so an unchanged table costs no interning. */
#include "vu/runtime.h"
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies the string/number pairs of the Lua table at idx into b, the text into arena (tag
 * interning copies it again, so the arena only has to live until then). */
void tags_from_lua(lua_State *L, int idx, tag_builder *b, char *arena, size_t cap) {
    size_t pos = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int vt = lua_type(L, -1);
        if (lua_type(L, -2) == LUA_TSTRING &&
            (vt == LUA_TSTRING || vt == LUA_TNUMBER || vt == LUA_TBOOLEAN)) {
            size_t kl, vl;
            const char *k = lua_tolstring(L, -2, &kl);
            char num[64];
            const char *val;
            if (vt == LUA_TSTRING) {
                val = lua_tolstring(L, -1, &vl);
            } else if (vt == LUA_TBOOLEAN) {
                val = lua_toboolean(L, -1) ? "true" : "false";
                vl = strlen(val);
            } else {
                vl = (size_t)snprintf(num, sizeof num, "%.14g", lua_tonumber(L, -1));
                val = num;
            }
            if (pos + kl + vl + 2 <= cap) {
                char *kc = memcpy(arena + pos, k, kl + 1);
                pos += kl + 1;
                char *vc = memcpy(arena + pos, val, vl);
                vc[vl] = 0;
                pos += vl + 1;
                tags_put(b, kc, vc);
            }
        }
        lua_pop(L, 1);
    }
}

/* Tags of a check or metric sample with no tag table of its own, from the VU's small cache:
 * scripts check the same names every iteration, so most lookups skip building and interning. */
static uint32_t cached_vu_tags(vu *v, const char *k1, const char *v1) {
    uint32_t base = vu_base_tid(v);
    if (!k1) return base;
    size_t n = strlen(v1);
    if (n >= sizeof v->tag_cache[0].value) return UINT32_MAX;
    for (int i = 0; i < VU_TAG_CACHE; i++) {
        const vu_tag_entry *e = &v->tag_cache[i];
        if (e->base_tid == base && e->key == k1 && strcmp(e->value, v1) == 0) return e->tid;
    }
    tag_builder b = v->base;
    tags_put(&b, k1, v1);
    vu_tag_entry *e = &v->tag_cache[v->tag_cache_next++ % VU_TAG_CACHE];
    *e = (vu_tag_entry){.key = k1, .base_tid = base, .tid = tagset_intern(v->rt->tags, &b)};
    memcpy(e->value, v1, n + 1);
    return e->tid;
}

/* Tags of a sample built and interned the long way: base tags, the extra pair, the table. */
static uint32_t uncached_sample_tags(lua_State *L, runtime *rt, int tags_idx, const char *k1,
                                     const char *v1) {
    tag_builder b;
    b.n = 0;
    if (rt->current) {
        b = rt->current->base;
    } else if (rt->shared->plan) {
        runtime_run_tags(rt->shared, lt_now() - rt->shared->run_t0, &b);
    }
    if (k1) tags_put(&b, k1, v1);
    char arena[1024];
    if (tags_idx && lua_istable(L, tags_idx)) tags_from_lua(L, tags_idx, &b, arena, sizeof arena);
    return tagset_intern(rt->tags, &b);
}

/* Tags of a sample with a Lua tag table, from a small per-runtime cache. Scripts pass tables of
 * the same few strings over and over, and LuaJIT interns strings: while a string lives, equal text
 * means an equal pointer. An entry is keyed by the base tag id, the extra pair and the table's
 * key/value string pointers in iteration order, and anchors those strings in the registry so
 * that no other text can take their addresses while the entry exists. Tables with other value
 * types, or more than LUA_TAG_PAIRS pairs, take the uncached path. */
#define LUA_TAG_CACHE 256 /* two-way: a key may sit in slot i or i ^ 1 */
#define LUA_TAG_PAIRS 8
struct lua_tag_entry {
    bool used;
    int n;
    uint32_t base_tid, tid;
    const char *k1; /* NULL or a static key ("check") */
    char v1[48];
    const char *kv[2 * LUA_TAG_PAIRS];
};

/* Reads the table's string pairs into kv; -1 when it cannot be cached. */
static int lua_tag_pointers(lua_State *L, int idx, const char **kv) {
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (n == LUA_TAG_PAIRS || lua_type(L, -2) != LUA_TSTRING ||
            lua_type(L, -1) != LUA_TSTRING) {
            lua_pop(L, 2);
            return -1;
        }
        kv[2 * n] = lua_tostring(L, -2);
        kv[2 * n + 1] = lua_tostring(L, -1);
        n++;
        lua_pop(L, 1);
    }
    return n;
}

static struct lua_tag_entry *lua_tag_slot(runtime *rt, uint32_t base, const char *k1,
                                          const char *v1, const char **kv, int n) {
    uint64_t h = base * 0x9E3779B97F4A7C15ULL ^ (uintptr_t)k1;
    for (const char *p = v1; p && *p; p++) h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    for (int i = 0; i < 2 * n; i++) h = (h ^ (uintptr_t)kv[i]) * 0x9E3779B97F4A7C15ULL;
    return &rt->lua_tags[(h ^ (h >> 29)) & (LUA_TAG_CACHE - 1)];
}

static bool lua_tag_hit(const struct lua_tag_entry *e, uint32_t base, const char *k1,
                        const char *v1, const char **kv, int n) {
    return e->used && e->base_tid == base && e->k1 == k1 && e->n == n &&
           strcmp(e->v1, v1 ? v1 : "") == 0 && memcmp(e->kv, kv, 2 * n * sizeof *kv) == 0;
}

/* Keeps the strings of the table at idx alive as long as cache slot `slot` refers to them. */
static void lua_tag_anchor(lua_State *L, runtime *rt, int idx, int slot) {
    if (rt->lua_tags_anchor == LUA_NOREF) {
        lua_newtable(L);
        rt->lua_tags_anchor = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, rt->lua_tags_anchor);
    lua_newtable(L);
    int i = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pushvalue(L, -2);
        lua_rawseti(L, -4, ++i); /* the key */
        lua_rawseti(L, -3, ++i); /* the value; pops it */
    }
    lua_rawseti(L, -2, slot + 1);
    lua_pop(L, 1);
}

static uint32_t table_sample_tags(lua_State *L, runtime *rt, int tags_idx, const char *k1,
                                  const char *v1) {
    const char *kv[2 * LUA_TAG_PAIRS];
    int n = lua_tag_pointers(L, tags_idx, kv);
    if (n < 0 || (v1 && strlen(v1) >= sizeof rt->lua_tags[0].v1))
        return uncached_sample_tags(L, rt, tags_idx, k1, v1);
    uint32_t base = vu_base_tid(rt->current);
    struct lua_tag_entry *e = lua_tag_slot(rt, base, k1, v1, kv, n);
    struct lua_tag_entry *pair = rt->lua_tags + ((e - rt->lua_tags) ^ 1);
    if (lua_tag_hit(e, base, k1, v1, kv, n)) return e->tid;
    if (lua_tag_hit(pair, base, k1, v1, kv, n)) return pair->tid;
    if (e->used && !pair->used) e = pair;
    uint32_t tid = uncached_sample_tags(L, rt, tags_idx, k1, v1);
    *e = (struct lua_tag_entry){.used = true, .n = n, .base_tid = base, .tid = tid, .k1 = k1};
    snprintf(e->v1, sizeof e->v1, "%s", v1 ? v1 : "");
    memcpy(e->kv, kv, 2 * n * sizeof *kv);
    lua_tag_anchor(L, rt, tags_idx, (int)(e - rt->lua_tags));
    return tid;
}

/* Tags of a sample taken now: the VU's iteration tags (or the run's), plus a Lua tag table. */
uint32_t lt_tags_with(lua_State *L, runtime *rt, int tags_idx, const char *k1, const char *v1) {
    bool table = tags_idx && lua_istable(L, tags_idx);
    if (rt->current && !table) {
        uint32_t tid = cached_vu_tags(rt->current, k1, v1);
        if (tid != UINT32_MAX) return tid;
    }
    if (rt->current && table) {
        if (!rt->lua_tags) {
            rt->lua_tags = calloc(LUA_TAG_CACHE, sizeof *rt->lua_tags);
            rt->lua_tags_anchor = LUA_NOREF;
        }
        if (rt->lua_tags) return table_sample_tags(L, rt, tags_idx, k1, v1);
    }
    return uncached_sample_tags(L, rt, tags_idx, k1, v1);
}

uint32_t lt_table_tags(lua_State *L, runtime *rt, int idx) {
    return lt_tags_with(L, rt, idx, NULL, NULL);
}

uint32_t lt_sample_tags(lua_State *L, runtime *rt, int idx, const char *check) {
    return lt_tags_with(L, rt, idx && lua_istable(L, idx) ? idx : 0, check ? "check" : NULL, check);
}
