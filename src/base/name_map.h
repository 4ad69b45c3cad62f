/* name_map.h — a map from names (byte strings) to small integers, for the tables lt looks up by
 * text: scraped metric names, a Prometheus page's TYPE families. Open addressing over FNV-1a,
 * grown at half full; keys are copied and stay at one address for the map's life (a rehash moves
 * slots, not keys), so a caller may keep `key` pointers. Not thread-safe. */
#ifndef LT_BASE_NAME_MAP_H
#define LT_BASE_NAME_MAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FNV1A_OFFSET 0xcbf29ce484222325ULL

/* FNV-1a of n bytes, continuing from h (FNV1A_OFFSET to start). */
static inline uint64_t fnv1a_more(uint64_t h, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}
static inline uint64_t fnv1a(const char *s, size_t n) {
    return fnv1a_more(FNV1A_OFFSET, s, n);
}

typedef struct {
    char *key; /* NUL-terminated copy; NULL for an empty slot */
    size_t len;
    int value;
} name_map_slot;

typedef struct {
    name_map_slot *slots;
    size_t cap, used;
} name_map;

/* The slot of the n-byte key, or NULL. */
name_map_slot *name_map_find(const name_map *m, const char *key, size_t n);
/* The slot of the key, added with `value` when absent (*added says which, if not NULL); NULL when
 * out of memory. The slot pointer is valid until the next put. */
name_map_slot *name_map_put(name_map *m, const char *key, size_t n, int value, bool *added);
void name_map_free(name_map *m);
#endif
