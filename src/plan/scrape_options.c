/* scrape_options.c — options.scrape and --scrape/--scrape-filter as the plan's scrape lists
 * (plan.h: scrape_plan). The scraper itself is src/scrape/. */
#include "plan/plan.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends a copy of s to the n strings of *list (at most PLAN_SCRAPE_MAX). */
static int add_string(char ***list, int *n, const char *s, const char *what, char *err,
                      size_t errlen) {
    if (*n == PLAN_SCRAPE_MAX)
        return snprintf(err, errlen, "scrape.%s: too many (at most %d)", what, PLAN_SCRAPE_MAX), -1;
    if (!*list) *list = calloc(PLAN_SCRAPE_MAX, sizeof **list);
    (*list)[(*n)++] = strdup(s);
    return 0;
}

/* Appends the strings of `v` (a string or an array of strings) to the list. */
static int add_strings(const cJSON *v, const char *what, char ***list, int *n, char *err,
                       size_t errlen) {
    if (cJSON_IsString(v)) return add_string(list, n, v->valuestring, what, err, errlen);
    if (!cJSON_IsArray(v) && !(cJSON_IsObject(v) && !v->child)) /* {} is an empty Lua table */
        return snprintf(err, errlen, "scrape.%s: must be a string or a list of strings", what), -1;
    const cJSON *it;
    cJSON_ArrayForEach(it, v) {
        if (!cJSON_IsString(it))
            return snprintf(err, errlen, "scrape.%s: must be a list of strings", what), -1;
        if (add_string(list, n, it->valuestring, what, err, errlen) != 0) return -1;
    }
    return 0;
}

static int unknown_key(const char *key, char *err, size_t errlen) {
    snprintf(err, errlen, "scrape.%s: unknown key (urls, metrics)", key);
    return -1;
}

static void free_list(char **list, int n) {
    for (int i = 0; i < n; i++) free(list[i]);
    free(list);
}

/* Replaces the list with the command line's n strings. */
static void replace_list(char ***list, int *n, const char *const *given, int ngiven) {
    free_list(*list, *n);
    *list = NULL;
    *n = 0;
    for (int i = 0; i < ngiven && i < PLAN_SCRAPE_MAX; i++)
        add_string(list, n, given[i], "", NULL, 0);
}

int plan_parse_scrape(const cJSON *options, const plan_overrides *ov, scrape_plan *out, char *err,
                      size_t errlen) {
    *out = (scrape_plan){0};
    const cJSON *sc = options ? cJSON_GetObjectItemCaseSensitive(options, "scrape") : NULL;
    int rc = 0;
    if (sc && cJSON_IsObject(sc) && sc->child) {
        const cJSON *it;
        cJSON_ArrayForEach(it, sc) {
            if (strcmp(it->string, "urls") == 0 || strcmp(it->string, "url") == 0)
                rc = add_strings(it, "urls", &out->urls, &out->nurls, err, errlen);
            else if (strcmp(it->string, "metrics") == 0)
                rc = add_strings(it, "metrics", &out->metrics, &out->nmetrics, err, errlen);
            else
                rc = unknown_key(it->string, err, errlen);
            if (rc != 0) break;
        }
    } else if (sc) {
        rc = add_strings(sc, "urls", &out->urls, &out->nurls, err, errlen);
    }
    if (rc != 0) {
        scrape_plan_free(out);
        return -1;
    }
    /* as k6's flags replace options: --scrape the URLs, --scrape-filter the metric patterns */
    if (ov && ov->nscrape_urls)
        replace_list(&out->urls, &out->nurls, ov->scrape_urls, ov->nscrape_urls);
    if (ov && ov->nscrape_metrics)
        replace_list(&out->metrics, &out->nmetrics, ov->scrape_metrics, ov->nscrape_metrics);
    return 0;
}

void scrape_plan_free(scrape_plan *s) {
    free_list(s->urls, s->nurls);
    free_list(s->metrics, s->nmetrics);
    *s = (scrape_plan){0};
}
