/* segment.h — k6's execution segments (lib/execution_segment.go): which share of a test one lt
 * process runs, so that the processes of a segment sequence add up to the whole test exactly.
 *
 * Promises:
 * - Fractions are exact (reduced int64 rationals); a segment is "from:to" with 0 <= from < to
 *   <= 1, each a fraction ("1/3"), a decimal ("0.5") or a whole percentage ("50%"); "75%" alone
 *   means "0:75%". A sequence is "p0,p1,...,pn" (at least 2 points, each segment non-empty).
 * - A tuple (k6's ExecutionTuple) is a segment placed in its sequence, filled out to 0..1. Its
 *   stripe is k6's striping over the sequence's LCD: of every lcd consecutive indices (VUs or
 *   iterations, numbered from 0 across the whole test) the segment owns the same positions, and
 *   the segments of one sequence own every index exactly once. seg_tuple_scale(t, n) is how many
 *   of the first n a segment owns (k6's ScaleInt64): over a sequence they sum to n exactly.
 * - seg_tuple_from_value is k6's GetNewExecutionTupleFromValue: the striping k6 uses for a
 *   scenario's iterations is re-derived from its VU count (maxVUs for arrival rates, vus for
 *   shared-iterations), so the share of iterations follows the share of VUs.
 * - Sequences whose LCD exceeds SEG_MAX_LCD are refused (the stripe is computed over one cycle).
 */
#ifndef LT_PLAN_SEGMENT_H
#define LT_PLAN_SEGMENT_H
#include <stddef.h>
#include <stdint.h>

#define SEG_MAX_LCD 10000000

typedef struct {
    int64_t num, den; /* reduced, den > 0 */
} seg_rat;

typedef struct {
    seg_rat from, to;
} seg_segment;

typedef struct {
    int n;            /* segments */
    seg_segment *seg; /* each one's from is the previous one's to */
} seg_sequence;

typedef struct {
    seg_sequence seq; /* filled: from 0 to 1 */
    int index;        /* this segment's position in seq */
    int64_t lcd;      /* the sequence's least common denominator: the stripe's cycle */
    int64_t m;        /* indices this segment owns per cycle */
    int64_t *pos;     /* their positions in the cycle, ascending (m of them) */
} seg_tuple;

int seg_rat_parse(const char *s, size_t len, seg_rat *out, char *err, size_t errlen);
/* "a/b", or "a" when b == 1 (k6's RatString). */
void seg_rat_format(seg_rat r, char *buf, size_t len);
int seg_rat_cmp(seg_rat a, seg_rat b);

/* An empty string (or NULL) is the whole test, 0:1. */
int seg_parse(const char *s, seg_segment *out, char *err, size_t errlen);
/* "from:to" as k6 writes it ("1/3:2/3"). */
void seg_format(const seg_segment *s, char *buf, size_t len);
/* k6's ExecutionSegment.Scale: the segment's share of value, rounded so that consecutive
 * segments' shares add up to value. */
int64_t seg_scale(const seg_segment *s, int64_t value);

/* An empty string (or NULL) is no sequence (n = 0). */
int seg_sequence_parse(const char *s, seg_sequence *out, char *err, size_t errlen);
/* "0,1/3,2/3,1" */
void seg_sequence_format(const seg_sequence *q, char *buf, size_t len);
int64_t seg_sequence_lcd(const seg_sequence *q);
void seg_sequence_free(seg_sequence *q);

/* The segment (NULL: 0:1) placed in the sequence (NULL or empty: the segment alone, filled out
 * to 0..1); fails when the segment is not one of the sequence's. */
int seg_tuple_new(const seg_segment *seg, const seg_sequence *seq, seg_tuple *out, char *err,
                  size_t errlen);
int seg_tuple_from_value(const seg_tuple *t, int64_t value, seg_tuple *out, char *err,
                         size_t errlen);
/* k6's ScaleInt64: how many of indices 0 .. value-1 this segment owns. */
int64_t seg_tuple_scale(const seg_tuple *t, int64_t value);
/* The whole test's index of this segment's local-th index (both from 0). */
int64_t seg_tuple_global(const seg_tuple *t, int64_t local);
/* k6's SegmentedIndex.Next (lib/execution.go GetUniqueVUIdentifiers): the whole test's VU id
 * (from 1) of this segment's local VU id (from 1), unique over the segments of the sequence;
 * t NULL (not segmented): id itself. */
int64_t seg_tuple_vu_id(const seg_tuple *t, int64_t id);
/* k6's GetStripedOffsets: the first owned position, and the gaps to the next ones (the last
 * wraps into the next cycle); offsets holds m values, allocated. */
void seg_tuple_offsets(const seg_tuple *t, int64_t *start, int64_t **offsets);
int seg_tuple_copy(const seg_tuple *t, seg_tuple *out);
void seg_tuple_free(seg_tuple *t);
#endif
