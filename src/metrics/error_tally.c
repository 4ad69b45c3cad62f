/* error_tally.c — a small table of error messages and their counts. */
#include "metrics/error_tally.h"
#include "base/name_map.h"
#include "base/utf8.h"
#include <stdbool.h>
#include <string.h>

/* The kind with this (normalised) message, added when new and there is room; NULL when full. */
static error_kind *find_or_add(error_tally *t, const char *message, uint64_t hash) {
    for (int i = 0; i < t->n; i++)
        if (t->kinds[i].hash == hash && strcmp(t->kinds[i].message, message) == 0)
            return &t->kinds[i];
    if (t->n == ERROR_TALLY_KINDS) return NULL;
    error_kind *k = &t->kinds[t->n++];
    k->hash = hash;
    k->count = 0;
    memcpy(k->message, message, strlen(message) + 1);
    return k;
}

void error_tally_add(error_tally *t, const char *msg, size_t len, long count) {
    t->total += count;
    const char *nl = memchr(msg, '\n', len);
    if (nl) len = (size_t)(nl - msg); /* the first line: "file:line: text", not the traceback */
    char message[ERROR_MESSAGE_MAX];
    utf8_copy(message, sizeof message, msg, len);
    error_kind *k = find_or_add(t, message, fnv1a(message, strlen(message)));
    if (k) k->count += count;
}

void error_tally_merge(error_tally *dst, const error_tally *src) {
    dst->total += src->total;
    for (int i = 0; i < src->n; i++) {
        error_kind *k = find_or_add(dst, src->kinds[i].message, src->kinds[i].hash);
        if (k) k->count += src->kinds[i].count;
    }
}

int error_tally_top(const error_tally *t, const error_kind **out, int max) {
    bool taken[ERROR_TALLY_KINDS] = {0};
    int n = 0;
    while (n < max) { /* selection: at most 64 kinds, a handful of picks */
        int best = -1;
        for (int i = 0; i < t->n; i++)
            if (!taken[i] && (best < 0 || t->kinds[i].count > t->kinds[best].count)) best = i;
        if (best < 0) break;
        taken[best] = true;
        out[n++] = &t->kinds[best];
    }
    return n;
}
