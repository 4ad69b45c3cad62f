/* scrape.h — target scraping (`--scrape URL`, `options.scrape`): lt reads Prometheus text
 * endpoints (mesim's /metrics, a real engine's) once a second during the run and keeps the
 * selected series as gauges in lt's own time series and summary.
 *
 * Promises:
 * - Off the load path: a thread of its own with its own event_base polls every URL at
 *   scraper_start (the baseline of every rate), then 0.5 s after it and every second from there:
 *   with collections once a second from the same moment, every collection sees one fresh scrape,
 *   and the spans of the rates telescope from the baseline to the final scrape. A counter's rates
 *   times the collection intervals add up to its increase over the run except at the edges (the
 *   first rate spans 0.5 s, the last up to a second against the final collection's few ms) and
 *   where a late scrape moves a second's worth to the next collection. Each request has a 2 s
 *   deadline and an 8 MB body cap; an endpoint that fails, stalls or sends garbage costs one
 *   warning on stderr (`lt: scrape URL: ...`) and a count in the warning printed by
 *   scraper_stop(); the test never fails because of it.
 * - scraper_collect() (main thread, once a collection tick) adds the latest scrape of each target
 *   to `interval`, if a new one arrived since the previous call: gauge "<name>" with the series'
 *   labels as tags (a label called "target" becomes "exported_target") plus tag "target" =
 *   host:port of the URL. Counters (TYPE counter, names ending in _total, and a histogram's or
 *   summary's _sum/_count/_bucket) also give gauge "<name>_per_s" = increase / seconds between
 *   this scrape and the previous one collected (a value below the previous one is a reset: the
 *   increase is then the new value). Non-finite values (NaN, ±Inf) are not stored.
 * - Histogram _bucket series are skipped unless a pattern that contains "_bucket" selects them.
 *   OpenMetrics `_created` series are skipped.
 * - scraper_stop() scrapes every target once more (bounded: at most about 3 s), so a collection
 *   made after it sees the targets' final values; then the thread ends.
 * - Bounded memory: at most SCRAPE_MAX_SERIES series kept per scrape of one target and
 *   SCRAPE_MAX_TOTAL_SERIES distinct series and SCRAPE_MAX_NAMES metric names over the run; the
 *   rest is dropped with one warning.
 */
#ifndef LT_SCRAPE_SCRAPE_H
#define LT_SCRAPE_SCRAPE_H
#include "metrics/metrics.h"
#include "scrape/prom_text.h"
#include <stdbool.h>
#include <stddef.h>

#define SCRAPE_MAX_BODY         (8 * 1024 * 1024)
#define SCRAPE_TIMEOUT_S        2
#define SCRAPE_MAX_SERIES       20000
#define SCRAPE_MAX_TOTAL_SERIES 100000
#define SCRAPE_MAX_NAMES        256

typedef struct scraper scraper;
/* urls: endpoints (http://host[:port][/path]; an empty path means /metrics); patterns:
 * metric-name patterns to keep (shell-style globs such as "me_*"; none = keep all). */
scraper *scraper_new(const char *const *urls, int nurls, const char *const *patterns, int npatterns,
                     char *err, size_t errlen);
/* Its own thread + event_base, evhttp client, polls each URL every second. */
int scraper_start(scraper *s, char *err, size_t errlen);
/* Main thread, once a collection tick (also allowed after scraper_stop, to collect the final
 * scrape). */
void scraper_collect(scraper *s, store *interval);
/* Whether metric id `metric` is one of the gauges this scraper keeps ("<name>" or
 * "<name>_per_s"). Main thread. */
bool scraper_keeps_metric(const scraper *s, int metric);
/* Final scrape, bounded wait; prints a summary warning if an endpoint failed. */
void scraper_stop(scraper *s);
void scraper_free(scraper *s);

/* ---- the parser (exposed for tests): scrape/prom_text.h ---- */

/* For tests: handles `text` as if target `target` had just answered it at monotonic time `t`. */
void scraper_feed(scraper *s, int target, const char *text, size_t len, double t);
#endif
