/* t.h — a tiny unit-test harness: T_CHECK records a pass or a failure with file and line;
 * T_DONE prints "N passed, N failed" and yields the exit status. */
#ifndef LT_TEST_T_H
#define LT_TEST_T_H
#include <stdint.h>
#include <stdio.h>

static int t_passed, t_failed;

#define T_CHECK(cond, ...)                                                                         \
    do {                                                                                           \
        if (cond) {                                                                                \
            t_passed++;                                                                            \
        } else {                                                                                   \
            t_failed++;                                                                            \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                                 \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

/* A fixed xorshift64 stream: the same inputs in every run, so a failure can be repeated. */
static uint64_t t_rng = 0x9E3779B97F4A7C15ULL;
static inline uint64_t t_next(void) {
    t_rng ^= t_rng << 13;
    t_rng ^= t_rng >> 7;
    t_rng ^= t_rng << 17;
    return t_rng;
}

#define T_DONE() (printf("%d passed, %d failed\n", t_passed, t_failed), t_failed ? 1 : 0)
#endif
