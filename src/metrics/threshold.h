/* threshold.h — k6's threshold expressions and metric selectors, parsed and evaluated.
 *
 * Expression grammar (whitespace allowed between tokens):
 *   AGG OP NUMBER      AGG: avg min max med count rate value p(N) (0<=N<=100, e.g. p(99.9))
 *                      OP:  <  <=  >  >=  ==  !=   (k6 also accepts '===' as '==')
 * Selector grammar:  NAME  or  NAME{key:value,key:value}   (values may be quoted with ' or ")
 * Parsers never crash on any input; on failure they return -1 with a message naming the problem.
 */
#ifndef LT_METRICS_THRESHOLD_H
#define LT_METRICS_THRESHOLD_H
#include <stdbool.h>
#include <stddef.h>

typedef enum {
    AGG_AVG,
    AGG_MIN,
    AGG_MAX,
    AGG_MED,
    AGG_PCT,
    AGG_COUNT,
    AGG_RATE,
    AGG_VALUE
} agg_kind;
typedef enum { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE } cmp_op;

typedef struct {
    agg_kind agg;
    double pct; /* for AGG_PCT: the N of p(N) */
    cmp_op op;
    double target;
} threshold_expr;

#define SELECTOR_MAX_TAGS 8
typedef struct {
    char name[128];
    int ntags;
    struct {
        char key[64];
        char value[128];
    } tags[SELECTOR_MAX_TAGS];
} metric_selector;

/* One threshold of a run: a metric selector and an expression, as the options wrote them. */
typedef struct {
    char *metric_src; /* "http_req_duration{scenario:shallow}" */
    metric_selector sel;
    char *expr_src; /* "p(99)<200" */
    threshold_expr expr;
    bool abort_on_fail;
    double delay_abort_eval; /* seconds */
} threshold_def;

int threshold_parse(const char *src, threshold_expr *out, char *err, size_t errlen);
bool threshold_holds(const threshold_expr *t, double observed);
/* "p(99)", "avg", ...: the aggregate's name as k6 prints it (into buf). */
const char *threshold_agg_name(const threshold_expr *t, char *buf, size_t len);
const char *threshold_op_name(cmp_op op);

int selector_parse(const char *src, metric_selector *out, char *err, size_t errlen);
#endif
