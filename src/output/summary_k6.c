/* summary_k6.c — k6's handleSummary keys in lt's JSON summary (summary_k6.h). */
#include "output/summary_k6.h"
#include <openssl/evp.h>
#include <string.h>

/* k6's group and check ids: the hex MD5 of the path (an opaque correlation id, not security). */
static void add_id(cJSON *o, const char *path) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1] = "";
    if (EVP_Digest(path, strlen(path), md, &n, EVP_md5(), NULL) == 1)
        for (unsigned int i = 0; i < n; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    cJSON_AddStringToObject(o, "id", hex);
}

static cJSON *new_group(const char *name, const char *path) {
    cJSON *g = cJSON_CreateObject();
    cJSON_AddStringToObject(g, "name", name);
    cJSON_AddStringToObject(g, "path", path);
    add_id(g, path);
    cJSON_AddArrayToObject(g, "groups");
    cJSON_AddArrayToObject(g, "checks");
    return g;
}

static cJSON *find_named(cJSON *arr, const char *name) {
    cJSON *it;
    cJSON_ArrayForEach(it, arr) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) return it;
    }
    return NULL;
}

/* The group at a `group` tag's path ("::outer::inner"), made with its parents when new. A value
 * without the leading "::" is read as if it had it. */
static cJSON *group_at(cJSON *root, const char *tag) {
    if (!tag || !tag[0]) return root;
    if (strncmp(tag, "::", 2) == 0) tag += 2;
    size_t len = strlen(tag);
    char *path = malloc(len + 3);
    size_t plen = 0;
    path[0] = 0;
    cJSON *g = root;
    const char *seg = tag;
    while (seg) {
        const char *end = strstr(seg, "::");
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        memcpy(path + plen, "::", 2);
        memcpy(path + plen + 2, seg, n);
        plen += 2 + n;
        path[plen] = 0;
        char *name = path + plen - n;
        cJSON *groups = cJSON_GetObjectItemCaseSensitive(g, "groups");
        cJSON *child = find_named(groups, name);
        if (!child) {
            child = new_group(name, path);
            cJSON_AddItemToArray(groups, child);
        }
        g = child;
        seg = end ? end + 2 : NULL;
    }
    free(path);
    return g;
}

static void add_check(cJSON *group, const char *name, const series *s) {
    cJSON *checks = cJSON_GetObjectItemCaseSensitive(group, "checks");
    cJSON *c = find_named(checks, name);
    if (!c) {
        const char *gpath = cJSON_GetObjectItemCaseSensitive(group, "path")->valuestring;
        size_t n = strlen(gpath) + strlen(name) + 3;
        char *path = malloc(n);
        snprintf(path, n, "%s::%s", gpath, name);
        c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name", name);
        cJSON_AddStringToObject(c, "path", path);
        add_id(c, path);
        cJSON_AddNumberToObject(c, "passes", 0);
        cJSON_AddNumberToObject(c, "fails", 0);
        cJSON_AddItemToArray(checks, c);
        free(path);
    }
    cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "passes");
    cJSON *f = cJSON_GetObjectItemCaseSensitive(c, "fails");
    cJSON_SetNumberValue(p, p->valuedouble + (double)s->nonzero);
    cJSON_SetNumberValue(f, f->valuedouble + (double)(s->count - s->nonzero));
}

cJSON *summary_root_group(const store *total) {
    cJSON *root = new_group("", "");
    for (size_t i = 0; i < store_len(total); i++) {
        const series *s = store_at(total, i);
        const tagset *t = tagset_get(s->tags);
        cJSON *g = group_at(root, tagset_value(t, "group"));
        const char *check = s->metric == M_CHECKS ? tagset_value(t, "check") : NULL;
        if (check) add_check(g, check, s);
    }
    return root;
}

/* k6's three summary options, added to lt's resolved options (which keep every key of theirs). */
static void add_k6_options(cJSON *root, const summary_input *in) {
    cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "options");
    if (!cJSON_IsObject(o)) {
        cJSON_DeleteItemFromObjectCaseSensitive(root, "options");
        o = cJSON_AddObjectToObject(root, "options");
    }
    cJSON *stats = cJSON_CreateArray();
    for (int i = 0; i < in->plan->ntrend_stats; i++)
        cJSON_AddItemToArray(stats, cJSON_CreateString(in->plan->trend_stats[i]));
    cJSON_DeleteItemFromObjectCaseSensitive(o, "summaryTrendStats");
    cJSON_AddItemToObject(o, "summaryTrendStats", stats);
    const cJSON *unit = cJSON_GetObjectItemCaseSensitive(o, "summaryTimeUnit");
    if (!cJSON_IsString(unit)) { /* k6 gives "" when the option is not set */
        cJSON_DeleteItemFromObjectCaseSensitive(o, "summaryTimeUnit");
        cJSON_AddStringToObject(o, "summaryTimeUnit", "");
    }
    cJSON_DeleteItemFromObjectCaseSensitive(o, "noColor");
    cJSON_AddBoolToObject(o, "noColor", in->no_color);
}

void summary_add_k6_keys(cJSON *root, const summary_input *in) {
    cJSON_AddItemToObject(root, "root_group", summary_root_group(in->total));
    add_k6_options(root, in);
    cJSON *st = cJSON_AddObjectToObject(root, "state");
    cJSON_AddBoolToObject(st, "isStdOutTTY", in->stdout_tty);
    cJSON_AddBoolToObject(st, "isStdErrTTY", in->stderr_tty);
    cJSON_AddNumberToObject(st, "testRunDurationMs", in->duration_s * 1000.0);
    /* setup()'s return value as data; absent when setup() returned nothing (k6: undefined) */
    cJSON *data = in->setup_json ? cJSON_Parse(in->setup_json) : NULL;
    if (data) cJSON_AddItemToObject(root, "setup_data", data);
}
