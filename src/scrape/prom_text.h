/* prom_text.h — the Prometheus text-format parser and the metric-name selection of target
 * scraping (scrape/scrape.h); the scraper (scrape.c) feeds it each answer it gets.
 *
 * Promises:
 * - Pure: no I/O, no threads, nothing kept between calls (each parse has its own TYPE table and
 *   scratch, freed before it returns), so any thread may call it and tests need no network.
 * - It never reads outside [text, text+len); the text need not be NUL-terminated.
 * - Malformed lines are skipped and counted, never fatal; `# EOF` ends the parse.
 * - The strings of a scrape_sample are valid only during the callback: copy what you keep.
 */
#ifndef LT_SCRAPE_PROM_TEXT_H
#define LT_SCRAPE_PROM_TEXT_H
#include <stdbool.h>
#include <stddef.h>

/* ---- the parser (exposed for tests) ---- */

#define SCRAPE_MAX_LABELS 31
typedef struct {
    const char *name; /* as in the text: [a-zA-Z_:][a-zA-Z0-9_:]* */
    int nlabels;
    const char *keys[SCRAPE_MAX_LABELS];
    const char *vals[SCRAPE_MAX_LABELS]; /* unescaped */
    double value;                        /* may be NaN or ±Inf */
    bool counter;
} scrape_sample;
typedef void (*scrape_sample_fn)(const scrape_sample *smp, void *arg);

typedef struct {
    size_t samples; /* sample lines read */
    size_t kept;    /* passed to fn */
    size_t bad;     /* malformed lines skipped */
} scrape_stats;

/* Parses a Prometheus text exposition (format 0.0.4; OpenMetrics tolerated) of `len` bytes (not
 * necessarily NUL-terminated) and calls fn for every sample a pattern selects. Malformed lines
 * are skipped and counted; it never reads outside [text, text+len). */
void scrape_parse(const char *text, size_t len, const char *const *patterns, int npatterns,
                  scrape_sample_fn fn, void *arg, scrape_stats *stats);
/* The selection rule: with no patterns everything but buckets; else a name matched by a glob
 * (fnmatch), and a bucket only by a glob that contains "_bucket". */
bool scrape_selected(const char *const *patterns, int npatterns, const char *name, bool bucket);
#endif
