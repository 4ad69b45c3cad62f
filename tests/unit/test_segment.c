/* test_segment.c — k6's lib/execution_segment_test.go cases, with k6's expected values, for
 * plan/segment.h; plus the property lt builds on: the segments of a sequence own every index
 * exactly once. */
#include "exec/ramp_steps.h"
#include "plan/segment.h"
#include "t.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static char err[256];

static seg_segment seg(const char *s) {
    seg_segment x;
    if (seg_parse(s, &x, err, sizeof err) != 0) printf("bad segment %s: %s\n", s, err);
    return x;
}

static bool rat_is(seg_rat r, long n, long d) {
    return r.num == n && r.den == d;
}

/* TestExecutionSegmentUnmarshalText */
static void unmarshal_text(void) {
    struct {
        const char *in;
        long fn, fd, tn, td;
        bool bad;
    } cases[] = {
        {"0:1", 0, 1, 1, 1, false},      {"0.5:0.75", 1, 2, 3, 4, false},
        {"1/2:3/4", 1, 2, 3, 4, false},  {"50%:75%", 1, 2, 3, 4, false},
        {"2/4:75%", 1, 2, 3, 4, false},  {"75%", 0, 1, 3, 4, false},
        {"125%", 0, 0, 0, 0, true},      {"1a5%", 0, 0, 0, 0, true},
        {"1a5", 0, 0, 0, 0, true},       {"1a5%:2/3", 0, 0, 0, 0, true},
        {"125%:250%", 0, 0, 0, 0, true}, {"55%:50%", 0, 0, 0, 0, true},
        {"", 0, 1, 1, 1, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        seg_segment s;
        int rc = seg_parse(cases[i].in, &s, err, sizeof err);
        if (cases[i].bad) {
            T_CHECK(rc != 0, "UnmarshalText %s: an error", cases[i].in);
            continue;
        }
        T_CHECK(rc == 0 && rat_is(s.from, cases[i].fn, cases[i].fd) &&
                    rat_is(s.to, cases[i].tn, cases[i].td),
                "UnmarshalText %s", cases[i].in);
        char b[64];
        seg_format(&s, b, sizeof b);
        seg_segment back;
        T_CHECK(seg_parse(b, &back, err, sizeof err) == 0 && seg_rat_cmp(back.from, s.from) == 0 &&
                    seg_rat_cmp(back.to, s.to) == 0,
                "UnmarshalText %s round trip via %s", cases[i].in, b);
    }
    /* lt's bounds: at most 9 digits a number; an LCD over SEG_MAX_LCD is refused */
    T_CHECK(seg_parse("1/12345678901", &(seg_segment){0}, err, sizeof err) != 0, "10 digits");
    T_CHECK(seg_parse("0.1234567891", &(seg_segment){0}, err, sizeof err) != 0, "10 decimals");
    {
        seg_sequence q;
        seg_tuple t;
        seg_sequence_parse("0,1/999999937,1/999999929,1", &q, err, sizeof err);
        T_CHECK(seg_tuple_new(&q.seg[0], &q, &t, err, sizeof err) != 0 &&
                    strstr(err, "least common denominator") != NULL,
                "a huge LCD is refused: %s", err);
        seg_sequence_free(&q);
    }
    /* TestExecutionSegmentNew */
    T_CHECK(seg_parse("-1:1", &(seg_segment){0}, err, sizeof err) != 0, "from below zero");
    T_CHECK(seg_parse("0:2", &(seg_segment){0}, err, sizeof err) != 0, "to more than 1");
    T_CHECK(seg_parse("1/2:1/3", &(seg_segment){0}, err, sizeof err) != 0, "from > to");
    T_CHECK(seg_parse("1/2:1/2", &(seg_segment){0}, err, sizeof err) != 0, "from == to: %s", err);
}

/* TestExecutionSegmentFailures (k6's name for Scale's rounding) */
static void segment_scale(void) {
    seg_segment a = seg("0:0.25"), b = seg("0.25:0.5"), c = seg("0.5:0.75"), d = seg("0.75:1");
    T_CHECK(seg_scale(&a, 2) == 1 && seg_scale(&a, 3) == 1, "0:0.25");
    T_CHECK(seg_scale(&b, 2) == 0 && seg_scale(&b, 3) == 1, "0.25:0.5");
    T_CHECK(seg_scale(&c, 2) == 1 && seg_scale(&c, 3) == 0, "0.5:0.75");
    T_CHECK(seg_scale(&d, 2) == 0 && seg_scale(&d, 3) == 1, "0.75:1");
}

static int64_t tuple_scale(const char *s, const char *q, int64_t v) {
    seg_sequence sq;
    seg_segment sg = seg(s);
    seg_tuple t;
    if (seg_sequence_parse(q, &sq, err, sizeof err) != 0 ||
        seg_tuple_new(&sg, &sq, &t, err, sizeof err) != 0) {
        printf("tuple %s in %s: %s\n", s, q ? q : "", err);
        return -1;
    }
    int64_t r = seg_tuple_scale(&t, v);
    seg_tuple_free(&t);
    seg_sequence_free(&sq);
    return r;
}

/* TestExecutionTupleScale, TestBigScale */
static void execution_tuple_scale(void) {
    T_CHECK(tuple_scale("0.5", NULL, 2) == 1 && tuple_scale("0.5", NULL, 3) == 2, "0.5");
    T_CHECK(tuple_scale("0.5:1.0", NULL, 2) == 1 && tuple_scale("0.5:1.0", NULL, 3) == 1, "0.5:1");
    T_CHECK(tuple_scale("0.5", "0,0.5,1", 2) == 1 && tuple_scale("0.5", "0,0.5,1", 3) == 2,
            "0.5 in 0,0.5,1");
    T_CHECK(tuple_scale("0.5:1.0", "0,0.5,1", 2) == 1 && tuple_scale("0.5:1.0", "0,0.5,1", 3) == 1,
            "0.5:1 in 0,0.5,1");
    T_CHECK(tuple_scale("0:7/20", "0,7/20,7/10,1", 50) == 18, "TestBigScale");
}

/* TestExecutionSegmentStringSequences */
static void string_sequences(void) {
    struct {
        const char *seq;
        int n;
        bool bad, reverse;
    } cases[] = {
        {"", 0, false, false},
        {"0.5", 0, true, false},
        {"1,1", 0, true, false},
        {"-0.5,1", 0, true, false},
        {"1/2,1/2", 0, true, false},
        {"1/2,1/3", 0, true, false},
        {"0,1,1/2", 0, true, false},
        {"0.5,1", 1, false, false},
        {"1/2,1", 1, false, true},
        {"1/3,2/3", 1, false, true},
        {"0,1/3,2/3", 2, false, true},
        {"0,1/3,2/3,1", 3, false, true},
        {"0.5,0.7", 1, false, false},
        {"0.5,0.7,1", 2, false, false},
        {"0,1/13,2/13,1/3,1/2,3/4,1", 6, false, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        seg_sequence q;
        int rc = seg_sequence_parse(cases[i].seq, &q, err, sizeof err);
        if (cases[i].bad) {
            T_CHECK(rc != 0, "sequence '%s': an error", cases[i].seq);
            continue;
        }
        T_CHECK(rc == 0 && q.n == cases[i].n, "sequence '%s': %d segments", cases[i].seq,
                cases[i].n);
        if (cases[i].reverse) {
            char b[256];
            seg_sequence_format(&q, b, sizeof b);
            T_CHECK(strcmp(b, cases[i].seq) == 0, "sequence '%s' formats back (%s)", cases[i].seq,
                    b);
        }
        seg_sequence_free(&q);
    }
    seg_sequence q;
    seg_sequence_parse("0.5,0.7,1", &q, err, sizeof err);
    T_CHECK(rat_is(q.seg[0].from, 1, 2) && rat_is(q.seg[0].to, 7, 10) && rat_is(q.seg[1].to, 1, 1),
            "0.5,0.7,1 is 1/2:7/10, 7/10:1");
    seg_sequence_free(&q);
}

/* TestGetStripedOffsets */
static void striped_offsets(void) {
    struct {
        const char *seq, *seg;
        int64_t start;
        int64_t offsets[6];
        int noff;
        int64_t lcd;
    } cases[] = {
        {"0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0:0.3", 0, {4, 3, 3}, 3, 10},
        {"0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.3:0.5", 1, {4, 6}, 2, 10},
        {"0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.5:0.6", 2, {10}, 1, 10},
        {"0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.6:0.7", 3, {10}, 1, 10},
        {"0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.8:0.9", 8, {10}, 1, 10},
        {"0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.9:1", 9, {10}, 1, 10},
        {"0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0.9:1", 9, {10}, 1, 10},
        {"0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0:0.2", 1, {4, 6}, 2, 10},
        {"0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0.6:0.7", 3, {10}, 1, 10},
        {"0,0.2,0.5", "0:0.2", 3, {6, 4}, 2, 10},
        {"0,0.2,0.5", "0.2:0.5", 1, {4, 2, 4}, 3, 10},
        {"0,2/5,4/5", "0:2/5", 0, {3, 2}, 2, 5},
        {"0,2/5,4/5", "2/5:4/5", 1, {3, 2}, 2, 5},
        {"", "0:0.2", 1, {5}, 1, 5},
        {"", "0:1/5", 1, {5}, 1, 5},
        {"", "0:2/10", 1, {5}, 1, 5},
        {"", "0:0.4", 1, {2, 3}, 2, 5},
        {"", "0:2/5", 1, {2, 3}, 2, 5},
        {"", "2/5:4/5", 1, {3, 2}, 2, 5},
        {"", "0:4/10", 1, {2, 3}, 2, 5},
        {"", "1/10:5/10", 1, {2, 2, 4, 2}, 4, 10},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        seg_sequence q;
        seg_segment s = seg(cases[i].seg);
        seg_tuple t;
        seg_sequence_parse(cases[i].seq, &q, err, sizeof err);
        if (seg_tuple_new(&s, &q, &t, err, sizeof err) != 0) {
            T_CHECK(0, "GetStripedOffsets seq:%s;segment:%s: %s", cases[i].seq, cases[i].seg, err);
            continue;
        }
        int64_t start, *off;
        seg_tuple_offsets(&t, &start, &off);
        bool same = t.m == cases[i].noff;
        for (int k = 0; same && k < cases[i].noff; k++) same = off[k] == cases[i].offsets[k];
        T_CHECK(start == cases[i].start && same && t.lcd == cases[i].lcd,
                "GetStripedOffsets seq:%s;segment:%s: start %lld (want %lld), lcd %lld",
                cases[i].seq, cases[i].seg, (long long)start, (long long)cases[i].start,
                (long long)t.lcd);
        free(off);
        seg_tuple_free(&t);
        seg_sequence_free(&q);
    }
}

/* TestSequenceLCD */
static void sequence_lcd(void) {
    struct {
        const char *seq;
        int64_t lcd;
    } cases[] = {{"0,0.3,0.5,0.6,0.7,0.8,0.9,1", 10},
                 {"0,0.1,0.5,0.6,0.7,0.8,0.9,1", 10},
                 {"0,0.2,0.5,0.6,0.7,0.8,0.9,1", 10},
                 {"0,1/3,5/6", 6},
                 {"0,1/3,4/7", 21}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        seg_sequence q;
        seg_sequence_parse(cases[i].seq, &q, err, sizeof err);
        T_CHECK(seg_sequence_lcd(&q) == cases[i].lcd, "LCD %s = %lld", cases[i].seq,
                (long long)cases[i].lcd);
        seg_sequence_free(&q);
    }
}

/* TestGetNewExecutionTupleBesedOnValue and TestNewExecutionTuple */
static void new_tuple(void) {
    seg_sequence q;
    seg_segment s = seg("0:1/3");
    seg_tuple t, n;
    seg_sequence_parse("0,1/3,2/3,1", &q, err, sizeof err);
    seg_tuple_new(&s, &q, &t, err, sizeof err);
    char b[128] = "";
    if (seg_tuple_from_value(&t, 20, &n, err, sizeof err) == 0) {
        seg_sequence_format(&n.seq, b, sizeof b);
        seg_tuple_free(&n);
    }
    T_CHECK(strcmp(b, "0,7/20,7/10,1") == 0, "GetNewExecutionTupleFromValue(20) = %s", b);
    seg_tuple_free(&t);

    /* TestNewExecutionTuple: scale tests, then after GetNewExecutionTupleFromValue(value);
     * -1 marks k6's error (no share of value) */
    struct {
        const char *seg, *seq;
        int64_t scale[5][2];
        int64_t fromv[6];
        int64_t after[6][3]; /* scaling 50, 1, 0 */
    } cases[] = {
        {"0:1",
         "",
         {{50, 50}, {1, 1}, {0, 0}, {0, 0}, {0, 0}},
         {50, 1, 0, 0, 0, 0},
         {{50, 1, 0}, {50, 1, 0}, {-1}}},
        {"0:1",
         "0,1",
         {{50, 50}, {1, 1}, {0, 0}, {0, 0}, {0, 0}},
         {50, 1, 0, 0, 0, 0},
         {{50, 1, 0}, {50, 1, 0}, {-1}}},
        {"0:1/3",
         "0,1/3,2/3,1",
         {{50, 17}, {3, 1}, {2, 1}, {1, 1}, {0, 0}},
         {50, 20, 3, 2, 1, 0},
         {{17, 1, 0}, {18, 1, 0}, {17, 1, 0}, {25, 1, 0}, {50, 1, 0}, {-1}}},
        {"1/3:2/3",
         "0,1/3,2/3,1",
         {{50, 17}, {3, 1}, {2, 1}, {1, 0}, {0, 0}},
         {50, 20, 3, 2, 1, 0},
         {{17, 0, 0}, {17, 0, 0}, {17, 0, 0}, {25, 0, 0}, {-1}, {-1}}},
        {"2/3:1",
         "0,1/3,2/3,1",
         {{50, 16}, {3, 1}, {2, 0}, {1, 0}, {0, 0}},
         {50, 20, 3, 2, 1, 0},
         {{16, 0, 0}, {15, 0, 0}, {16, 0, 0}, {-1}, {-1}, {-1}}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        seg_sequence cq;
        seg_segment cs = seg(cases[i].seg);
        seg_sequence_parse(cases[i].seq, &cq, err, sizeof err);
        seg_tuple_new(&cs, &cq, &t, err, sizeof err);
        for (int k = 0; k < 5; k++)
            T_CHECK(seg_tuple_scale(&t, cases[i].scale[k][0]) == cases[i].scale[k][1],
                    "NewExecutionTuple seg:%s seq:%s: %lld -> %lld", cases[i].seg, cases[i].seq,
                    (long long)cases[i].scale[k][0], (long long)cases[i].scale[k][1]);
        int nv = cases[i].fromv[1] == 1 ? 3 : 6;
        for (int k = 0; k < nv; k++) {
            int rc = seg_tuple_from_value(&t, cases[i].fromv[k], &n, err, sizeof err);
            if (cases[i].after[k][0] < 0) {
                T_CHECK(rc != 0, "seg:%s FromValue(%lld): an error", cases[i].seg,
                        (long long)cases[i].fromv[k]);
                continue;
            }
            T_CHECK(rc == 0 && seg_tuple_scale(&n, 50) == cases[i].after[k][0] &&
                        seg_tuple_scale(&n, 1) == cases[i].after[k][1] &&
                        seg_tuple_scale(&n, 0) == cases[i].after[k][2],
                    "seg:%s FromValue(%lld): 50 -> %lld", cases[i].seg,
                    (long long)cases[i].fromv[k], (long long)cases[i].after[k][0]);
            if (rc == 0) seg_tuple_free(&n);
        }
        seg_tuple_free(&t);
        seg_sequence_free(&cq);
    }
    seg_sequence_free(&q);
}

/* k6's generateRandomSequence, with a fixed seed: n segments of random weights 1..m. */
static void random_sequence(int n, int m, seg_sequence *q) {
    long w[16], total = 0;
    for (int i = 0; i < n; i++) total += w[i] = 1 + rand() % m;
    char b[1024];
    size_t o = snprintf(b, sizeof b, "0");
    long acc = 0;
    for (int i = 0; i < n; i++) {
        acc += w[i];
        o += snprintf(b + o, sizeof b - o, ",%ld/%ld", acc, total);
    }
    seg_sequence_parse(b, q, err, sizeof err);
}

/* TestExecutionSegmentScaleConsistency, TestExecutionTupleScaleConsistency,
 * TestExecutionSegmentScaleNoWobble; and the partition lt relies on. */
static void random_consistency(void) {
    srand(20260);
    for (int r = 0; r < 10; r++) {
        int64_t scale = rand() % 99 + 2;
        seg_sequence q;
        random_sequence(rand() % 9 + 2, 100, &q);
        int64_t total = 0, ttotal = 0;
        for (int i = 0; i < q.n; i++) total += seg_scale(&q.seg[i], scale);
        T_CHECK(total == scale, "ScaleConsistency %d: %lld", r, (long long)total);
        seg_tuple *ts = calloc(q.n, sizeof *ts);
        for (int i = 0; i < q.n; i++) {
            seg_tuple_new(&q.seg[i], &q, &ts[i], err, sizeof err);
            ttotal += seg_tuple_scale(&ts[i], scale);
        }
        T_CHECK(ttotal == scale, "TupleScaleConsistency %d: %lld", r, (long long)ttotal);
        int j = rand() % q.n;
        bool mono = true;
        for (int64_t v = 1, last = 0; v < 1000; v++) {
            int64_t x = seg_tuple_scale(&ts[j], v);
            mono = mono && x >= last;
            last = x;
        }
        T_CHECK(mono, "ScaleNoWobble %d", r);
        /* every global index 0 .. 3*lcd-1 owned once: seg_tuple_global walks each segment's */
        int64_t n = 3 * ts[0].lcd;
        char *owner = calloc(n, 1);
        bool once = true;
        for (int i = 0; i < q.n; i++)
            for (int64_t l = 0; l < seg_tuple_scale(&ts[i], n); l++) {
                int64_t g = seg_tuple_global(&ts[i], l);
                once = once && g < n && !owner[g];
                if (g < n) owner[g] = 1;
            }
        for (int64_t g = 0; g < n; g++) once = once && owner[g];
        T_CHECK(once, "partition %d: every index of %lld owned exactly once", r, (long long)n);
        free(owner);
        for (int i = 0; i < q.n; i++) seg_tuple_free(&ts[i]);
        free(ts);
        seg_sequence_free(&q);
    }
}

/* The count a step list holds at time t (the last step at or before t). */
static long count_at(const ramp_steps *s, double t) {
    long c = 0;
    for (long i = 0; i < s->n && s->v[i].t <= t; i++) c = s->v[i].vus;
    return c;
}

/* ramping-vus: the three segments' steps (raw and allowed) add up to the whole test's count at
 * every step time of the whole test, for random ramps (k6's
 * TestSumRandomSegmentSequenceMatchesNoSegment, for segments instead of workers). */
static void ramping_vus_segments_add_up(void) {
    const char *segs[] = {"0:1/3", "1/3:2/3", "2/3:1"};
    seg_sequence q;
    seg_sequence_parse("0,1/3,2/3,1", &q, err, sizeof err);
    seg_tuple t[3];
    for (int k = 0; k < 3; k++) {
        seg_segment s = seg(segs[k]);
        seg_tuple_new(&s, &q, &t[k], err, sizeof err);
    }
    srand(7);
    int bad = 0;
    for (int r = 0; r < 40; r++) {
        stage st[5];
        for (int i = 0; i < 5; i++) st[i] = (stage){1 + rand() % 20, rand() % 30};
        scenario_plan sp = {.kind = EX_RAMPING_VUS,
                            .start_vus = rand() % 10,
                            .stages = st,
                            .nstages = 5,
                            .graceful_ramp_down = rand() % 5,
                            .graceful_stop = rand() % 5};
        for (int allowed = 0; allowed < 2; allowed++) {
            ramp_steps whole, part[3];
            if (allowed)
                ramp_graceful_steps(&sp, &whole);
            else
                ramp_raw_steps(&sp, true, &whole);
            for (int k = 0; k < 3; k++) {
                if (allowed)
                    ramp_graceful_steps(&sp, &part[k]);
                else
                    ramp_raw_steps(&sp, true, &part[k]);
                ramp_steps_segment(&part[k], &t[k]);
            }
            for (long i = 0; i < whole.n; i++) {
                long sum = 0;
                for (int k = 0; k < 3; k++) sum += count_at(&part[k], whole.v[i].t);
                if (sum != count_at(&whole, whole.v[i].t)) bad++;
            }
            ramp_steps_free(&whole);
            for (int k = 0; k < 3; k++) ramp_steps_free(&part[k]);
        }
    }
    T_CHECK(bad == 0, "ramping-vus: 40 random ramps, segments' steps add up (%d step times off)",
            bad);
    for (int k = 0; k < 3; k++) seg_tuple_free(&t[k]);
    seg_sequence_free(&q);
}

/* The instances' starts interleave in time: over thirds (maxVUs 60), segment k's l-th start is
 * the whole schedule's start 3l + k, so at a constant rate each instance starts every third one
 * rather than running a third of the duration. */
static void arrival_starts_interleave(void) {
    const char *segs[] = {"0:1/3", "1/3:2/3", "2/3:1"};
    seg_sequence q;
    seg_sequence_parse("0,1/3,2/3,1", &q, err, sizeof err);
    int bad = 0;
    for (int k = 0; k < 3; k++) {
        seg_segment s = seg(segs[k]);
        seg_tuple t, it;
        seg_tuple_new(&s, &q, &t, err, sizeof err);
        seg_tuple_from_value(&t, 60, &it, err, sizeof err);
        for (int64_t l = 0; l < 100; l++) bad += seg_tuple_global(&it, l) != 3 * l + k;
        seg_tuple_free(&t);
        seg_tuple_free(&it);
    }
    T_CHECK(bad == 0, "thirds: segment k's start l is the schedule's 3l + k (%d off)", bad);
    /* k6's GetStripedOffsets case: 0:0.3 of 0,0.3,0.5,0.6,...,1 owns 0, 4, 7 of every 10 */
    seg_sequence_free(&q);
    seg_sequence_parse("0,0.3,0.5,0.6,0.7,0.8,0.9,1", &q, err, sizeof err);
    seg_tuple t, it;
    seg_tuple_new(&q.seg[0], &q, &t, err, sizeof err);
    seg_tuple_from_value(&t, 10, &it, err, sizeof err);
    int64_t want[] = {0, 4, 7, 10, 14, 17};
    bad = 0;
    for (int l = 0; l < 6; l++) bad += seg_tuple_global(&it, l) != want[l];
    T_CHECK(bad == 0, "0:0.3 of 0,0.3,0.5,0.6,..: starts 0, 4, 7, 10, 14, 17 (%d off)", bad);
    seg_tuple_free(&t);
    seg_tuple_free(&it);
    seg_sequence_free(&q);
}

/* TestSegmentedIndex: k6's Next() from 1, the unscaled (whole test) ids of the scaled (local) ids
 * 1, 2, 3, for k6's (start, lcd, offsets) written as this stripe's positions; then a real tuple:
 * lt.vu.idInTest (lib/execution.go GetUniqueVUIdentifiers). */
static void segmented_index(void) {
    struct {
        const char *name;
        int64_t lcd, m, pos[2], want[3];
    } cases[] = {
        {"full", 1, 1, {0}, {1, 2, 3}},           /* start 0, lcd 1, offsets {1} */
        {"half", 2, 1, {0}, {1, 3, 5}},           /* start 0, lcd 2, offsets {2} */
        {"the other half", 2, 1, {1}, {2, 4, 6}}, /* start 1, lcd 2, offsets {2} */
        {"strange", 7, 2, {1, 5}, {2, 6, 9}},     /* start 1, lcd 7, offsets {4, 3} */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        seg_tuple t = {.seq = {.n = 2}, .lcd = cases[i].lcd, .m = cases[i].m, .pos = cases[i].pos};
        int bad = 0;
        for (int k = 0; k < 3; k++) bad += seg_tuple_vu_id(&t, k + 1) != cases[i].want[k];
        T_CHECK(bad == 0, "SegmentedIndex %s: ids %lld, %lld, %lld (%d off)", cases[i].name,
                (long long)cases[i].want[0], (long long)cases[i].want[1],
                (long long)cases[i].want[2], bad);
    }
    T_CHECK(seg_tuple_vu_id(NULL, 7) == 7, "not segmented: idInTest is the VU id");
    /* thirds, 10 VUs: 4, 3, 3 of them; their ids in the test are 1..10, each once */
    seg_sequence q;
    seg_sequence_parse("0,1/3,2/3,1", &q, err, sizeof err);
    int64_t want[3][4] = {{1, 4, 7, 10}, {2, 5, 8, 0}, {3, 6, 9, 0}};
    int bad = 0, seen[11] = {0};
    for (int k = 0; k < 3; k++) {
        seg_tuple t;
        seg_tuple_new(&q.seg[k], &q, &t, err, sizeof err);
        for (int64_t id = 1; id <= seg_tuple_scale(&t, 10); id++) {
            int64_t g = seg_tuple_vu_id(&t, id);
            bad += g != want[k][id - 1];
            if (g >= 1 && g <= 10) seen[g]++;
        }
        seg_tuple_free(&t);
    }
    for (int g = 1; g <= 10; g++) bad += seen[g] != 1;
    T_CHECK(bad == 0, "thirds of 10 VUs: ids 1,4,7,10 / 2,5,8 / 3,6,9, 1..10 once (%d off)", bad);
    seg_sequence_free(&q);
}

int main(void) {
    ramping_vus_segments_add_up();
    arrival_starts_interleave();
    unmarshal_text();
    segment_scale();
    execution_tuple_scale();
    string_sequences();
    striped_offsets();
    sequence_lcd();
    new_tuple();
    random_consistency();
    segmented_index();
    return T_DONE();
}
