/* test_prom_rw_sigv4.c — the prometheus-rw output's AWS SigV4 signer against AWS's published
 * examples: the Signature Version 4 test suite (credentials AKIDEXAMPLE, 2015-08-30 12:36:00 UTC,
 * us-east-1, service "service": get-vanilla, post-vanilla, get-vanilla-query-order-key-case,
 * post-vanilla-query) and the S3 documentation's GET Object example (a Range header and
 * x-amz-content-sha256 among the signed headers), then the canonical forms k6's signer produces
 * (header values trimmed and blank runs collapsed, names lowercased, sorted, merged). */
#include "output/prom_rw_internal.h"
#include "t.h"
#include <stdio.h>
#include <string.h>

#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SUITE_KEY "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_CRED                                                                                 \
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "            \
    "SignedHeaders=host;x-amz-date, Signature="

static const char *suite(const char *method, const char *query, char *out, size_t outlen) {
    prw_header h[] = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
    prw_sigv4_request r = {.method = method,
                           .path = "/",
                           .query = query,
                           .headers = h,
                           .nheaders = 2,
                           .payload_sha256 = EMPTY_SHA,
                           .amz_date = "20150830T123600Z",
                           .region = "us-east-1",
                           .service = "service",
                           .access_key = "AKIDEXAMPLE",
                           .secret_key = SUITE_KEY};
    if (prw_sigv4_authorization(&r, out, outlen) != 0) snprintf(out, outlen, "(failed)");
    return out;
}

static void test_suite(void) {
    char a[512];
    T_CHECK(!strcmp(suite("GET", "", a, sizeof a),
                    SUITE_CRED "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
            "get-vanilla: %s", a);
    T_CHECK(!strcmp(suite("POST", NULL, a, sizeof a),
                    SUITE_CRED "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
            "post-vanilla: %s", a);
    T_CHECK(!strcmp(suite("GET", "Param2=value2&Param1=value1", a, sizeof a),
                    SUITE_CRED "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
            "get-vanilla-query-order-key-case: %s", a);
    T_CHECK(!strcmp(suite("POST", "Param1=value1", a, sizeof a),
                    SUITE_CRED "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
            "post-vanilla-query: %s", a);
}

static void test_s3_example(void) {
    /* docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, GET Object */
    prw_header h[] = {{"Host", "examplebucket.s3.amazonaws.com"},
                      {"Range", "bytes=0-9"},
                      {"x-amz-content-sha256", EMPTY_SHA},
                      {"x-amz-date", "20130524T000000Z"}};
    prw_sigv4_request r = {.method = "GET",
                           .path = "/test.txt",
                           .headers = h,
                           .nheaders = 4,
                           .payload_sha256 = EMPTY_SHA,
                           .amz_date = "20130524T000000Z",
                           .region = "us-east-1",
                           .service = "s3",
                           .access_key = "AKIAIOSFODNN7EXAMPLE",
                           .secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
    char a[512];
    T_CHECK(prw_sigv4_authorization(&r, a, sizeof a) == 0, "signed");
    T_CHECK(!strcmp(a,
                    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
                    "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                    "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
            "S3 GET Object: %s", a);
}

static void test_canonical_forms(void) {
    char q[256];
    T_CHECK(prw_sigv4_canonical_query("b=2&a=x y&A=0&a=1", q, sizeof q) == 0 &&
                !strcmp(q, "A=0&a=1&a=x%20y&b=2"),
            "query sorted by key then value, escaped: %s", q);
    T_CHECK(prw_sigv4_canonical_query("k=a%2Fb+c&e", q, sizeof q) == 0 &&
                !strcmp(q, "e=&k=a%2Fb%20c"),
            "query decoded then AWS-escaped, a bare key has an empty value: %s", q);
    T_CHECK(prw_sigv4_canonical_query("", q, sizeof q) == 0 && !strcmp(q, ""), "empty query");
    /* Two signings that differ only in the spacing or case of header values and names, or in
     * the order of the headers, sign the same thing. */
    prw_header h1[] = {{"Host", "h"},
                       {"X-Amz-Date", "20150830T123600Z"},
                       {"X-Multi", "  a   b "},
                       {"x-multi", "\tc"}};
    prw_header h2[] = {
        {"x-multi", "a b"}, {"host", "h"}, {"X-MULTI", "c"}, {"x-amz-date", "20150830T123600Z"}};
    prw_sigv4_request r = {.method = "POST",
                           .path = "/api/v1/remote_write",
                           .headers = h1,
                           .nheaders = 4,
                           .payload_sha256 = EMPTY_SHA,
                           .amz_date = "20150830T123600Z",
                           .region = "eu-west-1",
                           .service = "aps",
                           .access_key = "AK",
                           .secret_key = "SK"};
    char a1[512], a2[512];
    T_CHECK(prw_sigv4_authorization(&r, a1, sizeof a1) == 0, "signed 1");
    r.headers = h2;
    T_CHECK(prw_sigv4_authorization(&r, a2, sizeof a2) == 0, "signed 2");
    T_CHECK(strstr(a1, "SignedHeaders=host;x-amz-date;x-multi,") != NULL, "names: %s", a1);
    /* values of one name keep their order: a b then c in both */
    T_CHECK(!strcmp(a1, a2), "same canonical request:\n  %s\n  %s", a1, a2);
    r.path = "/api/v1/remote write";
    T_CHECK(prw_sigv4_authorization(&r, a2, sizeof a2) == 0 && strcmp(a1, a2) != 0,
            "the path is signed");
    char h[65];
    prw_sha256_hex("", 0, h);
    T_CHECK(!strcmp(h, EMPTY_SHA), "sha256 of nothing: %s", h);
}

int main(void) {
    test_suite();
    test_s3_example();
    test_canonical_forms();
    return T_DONE();
}
