/* test_utf8.c — src/base/utf8: validation against an independent decoder, repair by Unicode's
 * maximal-subpart rule (the counts Python's errors="replace" gives), and a JSON escaper whose
 * output is valid UTF-8 JSON for any input, also when streamed through small buffers. */
#include "base/utf8.h"
#include "t.h"
#include <stdlib.h>
#include <string.h>

/* An independent validator: decodes code points arithmetically (utf8.c uses range tables). */
static bool ref_valid(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (i + k >= n) return false; /* truncated */
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += k + 1;
    }
    return true;
}

static char *repaired(const char *s, size_t len, size_t *outlen) {
    return utf8_repair_dup(s, len, outlen);
}

static int count_fffd(const char *s, size_t len) {
    int n = 0;
    for (size_t i = 0; i + 3 <= len; i++) n += memcmp(s + i, UTF8_REPLACEMENT, 3) == 0;
    return n;
}

static void test_validity(void) {
    static const struct {
        const char *s;
        size_t len;
        bool valid;
    } cases[] = {
        {"", 0, true},
        {"plain ascii", 11, true},
        {"caf\xC3\xA9", 5, true},
        {"\xE2\x82\xAC", 3, true},      /* U+20AC */
        {"\xF0\x9F\x98\x80", 4, true},  /* U+1F600 */
        {"\xF4\x8F\xBF\xBF", 4, true},  /* U+10FFFF, the last code point */
        {"\xEF\xBF\xBD", 3, true},      /* U+FFFD itself */
        {"a\0b", 3, true},              /* NUL is U+0000 */
        {"\xFF", 1, false},             /* never in UTF-8 */
        {"\x80", 1, false},             /* a lone continuation byte */
        {"\xC0\x80", 2, false},         /* overlong NUL */
        {"\xC1\xBF", 2, false},         /* overlong */
        {"\xE0\x80\xAF", 3, false},     /* overlong '/' */
        {"\xF0\x80\x80\x80", 4, false}, /* overlong */
        {"\xED\xA0\x80", 3, false},     /* U+D800 encoded: a surrogate */
        {"\xED\xBF\xBF", 3, false},     /* U+DFFF */
        {"\xF4\x90\x80\x80", 4, false}, /* U+110000 */
        {"\xF5\x80\x80\x80", 4, false}, /* past the range */
        {"\xE2\x82", 2, false},         /* truncated at the end */
        {"\xE2\x82"
         "A",
         3, false},                 /* truncated in the middle */
        {"\xF0\x9F\x98", 3, false}, /* truncated 4-byte */
        {"0123456789\xFF"
         "abc",
         14, false}, /* past the 8-byte fast path */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool v = utf8_valid(cases[i].s, cases[i].len);
        T_CHECK(v == cases[i].valid, "case %zu: valid=%d", i, v);
        T_CHECK(ref_valid((const unsigned char *)cases[i].s, cases[i].len) == cases[i].valid,
                "reference disagrees on case %zu", i);
    }
    T_CHECK(utf8_valid_prefix("0123456789\xFF"
                              "abc",
                              14) == 10,
            "prefix");
    T_CHECK(utf8_valid_prefix("ab\xE2\x82", 4) == 2, "prefix before a truncated sequence");
    T_CHECK(utf8_sequence_len("\xE2\x82\xAC", 3) == 3, "sequence");
    T_CHECK(utf8_sequence_len("\xE2\x82\xAC", 2) == 0, "sequence cut by n");
    T_CHECK(utf8_sequence_len("A", 1) == 1, "ascii sequence");
}

static void test_repair(void) {
    /* one U+FFFD per maximal ill-formed subpart: the counts of Python's errors="replace" */
    static const struct {
        const char *s;
        size_t len;
        int fffd;
        const char *want;
        size_t want_len;
    } cases[] = {
        {"\xFF", 1, 1, "\xEF\xBF\xBD", 3},
        {"\xC0\x80", 2, 2, "\xEF\xBF\xBD\xEF\xBF\xBD", 6},
        {"\xE2\x82", 2, 1, "\xEF\xBF\xBD", 3},
        {"\xE2\x82"
         "A",
         3, 1,
         "\xEF\xBF\xBD"
         "A",
         4},
        {"\xED\xA0\x80", 3, 3, NULL, 9},
        {"\xF4\x90\x80\x80", 4, 4, NULL, 12},
        {"\xE0\x80\x80", 3, 3, NULL, 9},
        {"\xF0\x9F\x98", 3, 1, "\xEF\xBF\xBD", 3},
        {"a\x80\x80"
         "b",
         4, 2,
         "a\xEF\xBF\xBD\xEF\xBF\xBD"
         "b",
         8},
        {"\xF1\x80\x80\xE1\x80\xC2", 6, 3, NULL, 9},
        {"caf\xC3\xA9\xFF", 6, 1, "caf\xC3\xA9\xEF\xBF\xBD", 8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n;
        char *r = repaired(cases[i].s, cases[i].len, &n);
        T_CHECK(n == cases[i].want_len, "case %zu: length %zu", i, n);
        T_CHECK(n == utf8_repaired_len(cases[i].s, cases[i].len), "case %zu: repaired_len", i);
        T_CHECK(count_fffd(r, n) == cases[i].fffd, "case %zu: %d U+FFFD", i, count_fffd(r, n));
        if (cases[i].want)
            T_CHECK(memcmp(r, cases[i].want, n) == 0 && r[n] == 0, "case %zu: bytes", i);
        T_CHECK(utf8_valid(r, n), "case %zu: repaired is valid", i);
        free(r);
    }
    size_t n;
    char *r = repaired("already valid \xE2\x82\xAC", 17, &n);
    T_CHECK(n == 17 && strcmp(r, "already valid \xE2\x82\xAC") == 0, "valid text unchanged");
    free(r);
}

static void test_copy(void) {
    char buf[8];
    T_CHECK(utf8_copy(buf, sizeof buf, "abc", 3) == 3 && strcmp(buf, "abc") == 0, "short copy");
    /* "abcdef" + U+00E9: 8 bytes; with the NUL only 7 fit: the character is left out whole */
    T_CHECK(utf8_copy(buf, sizeof buf, "abcdef\xC3\xA9", 8) == 6 && strcmp(buf, "abcdef") == 0,
            "cut before a character, got '%s'", buf);
    T_CHECK(utf8_copy(buf, sizeof buf, "ab\xFF", 3) == 5 && strcmp(buf, "ab\xEF\xBF\xBD") == 0,
            "repairs while copying");
    T_CHECK(utf8_copy(buf, 1, "abc", 3) == 0 && buf[0] == 0, "no room");
}

/* A byte needs escaping, or a look, in a JSON string. */
static bool special(unsigned char c) {
    return c < 0x20 || c >= 0x80 || c == '"' || c == '\\';
}

static void test_plain_run(void) {
    static const unsigned char specials[] = {0x00, 0x1F, '"', '\\', 0x80, 0xFF};
    static const unsigned char plains[] = {0x20, 0x7F, '!', '#', '[', ']', 'a'};
    char s[24];
    int bad = 0;
    for (size_t len = 0; len <= sizeof s; len++)
        for (size_t p = 0; p <= len; p++)
            for (size_t k = 0; k < sizeof specials; k++) {
                for (size_t i = 0; i < len; i++) s[i] = (char)plains[i % sizeof plains];
                if (p < len) s[p] = (char)specials[k];
                size_t want = 0;
                while (want < len && !special((unsigned char)s[want])) want++;
                bad += utf8_json_plain_run(s, len) != want;
            }
    T_CHECK(bad == 0, "%d plain runs differ from the byte-by-byte answer", bad);
    /* every byte value, alone, inside a word and in the overlapping tail */
    int wrong = 0;
    for (int c = 0; c < 256; c++) {
        for (size_t len = 1; len <= 19; len++) {
            memset(s, 'a', len);
            s[len - 1] = (char)c;
            size_t want = special((unsigned char)c) ? len - 1 : len;
            wrong += utf8_json_plain_run(s, len) != want;
        }
    }
    T_CHECK(wrong == 0, "%d byte values misjudged", wrong);
}

static void test_escape(void) {
    static const struct {
        const char *s;
        size_t len;
        const char *want;
    } cases[] = {
        {"plain", 5, "plain"},
        {"q\"b\\s/", 6, "q\\\"b\\\\s/"},
        {"\n\r\t\b\f", 5, "\\n\\r\\t\\b\\f"},
        {"\x01\x1F\x7F", 3, "\\u0001\\u001f\x7F"},
        {"a\0b", 3, "a\\u0000b"},
        {"caf\xC3\xA9", 5, "caf\xC3\xA9"},
        {"x\xFFy", 3, "x\xEF\xBF\xBDy"},
        {"\xED\xA0\x80", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"\xE2\x82", 2, "\xEF\xBF\xBD"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        size_t n = utf8_json_escape(out, cases[i].s, cases[i].len);
        T_CHECK(n == strlen(cases[i].want) && memcmp(out, cases[i].want, n) == 0,
                "case %zu: '%.*s'", i, (int)n, out);
        T_CHECK(n == utf8_json_escaped_len(cases[i].s, cases[i].len), "case %zu: escaped_len", i);
    }
}

/* Random bytes (biased to the interesting ones): repair is valid and idempotent, the escaper's
 * output is valid UTF-8 with no raw control byte, and streaming it through buffers of every small
 * size gives the same bytes without cutting a character. */
static void test_random(void) {
    static const unsigned char pool[] = {'a',  '"',  '\\', 0x00, 0x0A, 0x1F, 0x7F, 0x80,
                                         0x8F, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0,
                                         0xE1, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 'z'};
    unsigned seed = 12345;
    int repair_bad = 0, escape_bad = 0, stream_bad = 0, ref_bad = 0;
    for (int iter = 0; iter < 20000; iter++) {
        char s[40];
        size_t len = (size_t)(iter % 40);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = seed >> 16;
            s[i] = (char)(r & 1 ? pool[(r >> 1) % sizeof pool] : (r >> 3) & 0xFF);
        }
        ref_bad += utf8_valid(s, len) != ref_valid((const unsigned char *)s, len);
        size_t n;
        char *r = utf8_repair_dup(s, len, &n);
        size_t n2;
        char *r2 = utf8_repair_dup(r, n, &n2);
        repair_bad += !utf8_valid(r, n) || n2 != n || memcmp(r, r2, n) != 0 ||
                      (utf8_valid(s, len) && (n != len || memcmp(r, s, n) != 0));
        free(r);
        free(r2);
        char e[6 * 40];
        size_t en = utf8_json_escape(e, s, len);
        bool raw_control = false;
        for (size_t i = 0; i < en; i++) raw_control |= (unsigned char)e[i] < 0x20;
        escape_bad += !utf8_valid(e, en) || raw_control || en != utf8_json_escaped_len(s, len);
        for (size_t cap = 6; cap <= 13; cap++) {
            char acc[6 * 40], piece[16];
            size_t an = 0;
            for (size_t i = 0; i < len;) {
                size_t used, pn = utf8_json_escape_some(piece, cap, s + i, len - i, &used);
                if (used == 0 || !utf8_valid(piece, pn)) {
                    stream_bad++;
                    break;
                }
                memcpy(acc + an, piece, pn);
                an += pn;
                i += used;
            }
            stream_bad += an != en || memcmp(acc, e, en) != 0;
        }
    }
    T_CHECK(ref_bad == 0, "%d strings where utf8_valid and the reference disagree", ref_bad);
    T_CHECK(repair_bad == 0, "%d repairs invalid, not idempotent or changing valid text",
            repair_bad);
    T_CHECK(escape_bad == 0, "%d escapes not valid UTF-8 JSON content", escape_bad);
    T_CHECK(stream_bad == 0, "%d streamed escapes differ or cut a character", stream_bad);
}

static void test_fput(void) {
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    char big[10000];
    for (size_t i = 0; i < sizeof big; i++) big[i] = i % 7 == 0 ? '\xFF' : i % 5 == 0 ? '\n' : 'x';
    T_CHECK(utf8_json_fput(f, big, sizeof big) == 0, "fput");
    fclose(f);
    size_t want = utf8_json_escaped_len(big, sizeof big) + 2;
    T_CHECK(size == want && buf[0] == '"' && buf[size - 1] == '"' && utf8_valid(buf, size),
            "fput writes the quoted escape (%zu bytes, want %zu)", size, want);
    free(buf);
}

int main(void) {
    test_validity();
    test_repair();
    test_copy();
    test_plain_run();
    test_escape();
    test_random();
    test_fput();
    return T_DONE();
}
