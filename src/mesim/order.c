/* order.c — see order.h. */
#include "mesim/order.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int reject(me_reject *rej, const char *prefix, const char *field, const char *fmt,
                  const char *arg) {
    snprintf(rej->field, sizeof rej->field, "%s%s", prefix, field);
    char why[120];
    snprintf(why, sizeof why, fmt, arg);
    snprintf(rej->reason, sizeof rej->reason, "%s%s %s", prefix, field, why);
    return -1;
}

int me_symbol_valid(const char *s) {
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return n > 0 && n <= ME_SYMBOL_MAX;
}

static int positive_int(const cJSON *v, int64_t *out) {
    if (!cJSON_IsNumber(v)) return 0;
    double d = v->valuedouble;
    if (!isfinite(d) || d < 1 || d > ME_NUM_MAX || d != floor(d)) return 0;
    *out = (int64_t)d;
    return 1;
}

int me_order_parse(const cJSON *obj, const char *prefix, me_order_in *out, me_reject *rej) {
    if (!cJSON_IsObject(obj)) return reject(rej, prefix, "order", "must be a JSON object%s", "");
    static const char *const required[] = {"orderId", "symbol", "side",
                                           "type",    "price",  "quantity"};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++)
        if (!cJSON_GetObjectItemCaseSensitive(obj, required[i]))
            return reject(rej, prefix, required[i], "is missing%s", "");

    const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "orderId");
    if (!cJSON_IsString(id) || !id->valuestring[0] || strlen(id->valuestring) > ME_ID_MAX)
        return reject(rej, prefix, "orderId", "must be a non-empty string of at most %s bytes",
                      "64");
    const cJSON *sym = cJSON_GetObjectItemCaseSensitive(obj, "symbol");
    if (!cJSON_IsString(sym) || !me_symbol_valid(sym->valuestring))
        return reject(rej, prefix, "symbol", "must be a string of 1-32 characters [A-Za-z0-9._-]%s",
                      "");
    const cJSON *side = cJSON_GetObjectItemCaseSensitive(obj, "side");
    if (cJSON_IsString(side) && !strcmp(side->valuestring, "BUY"))
        out->side = ME_BUY;
    else if (cJSON_IsString(side) && !strcmp(side->valuestring, "SELL"))
        out->side = ME_SELL;
    else
        return reject(rej, prefix, "side", "must be BUY or SELL%s", "");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(obj, "type");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "LIMIT"))
        return reject(rej, prefix, "type", "must be LIMIT%s", "");
    if (!positive_int(cJSON_GetObjectItemCaseSensitive(obj, "price"), &out->price))
        return reject(rej, prefix, "price", "must be a positive integer (cents)%s", "");
    if (!positive_int(cJSON_GetObjectItemCaseSensitive(obj, "quantity"), &out->qty))
        return reject(rej, prefix, "quantity", "must be a positive integer%s", "");
    out->id = id->valuestring;
    out->symbol = sym->valuestring;
    return 0;
}

int me_json_quote(char *dst, size_t cap, const char *s) {
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
#define PUT(c)                                                                                     \
    do {                                                                                           \
        if (n + 1 >= cap) goto full;                                                               \
        dst[n++] = (c);                                                                            \
    } while (0)
    PUT('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            PUT('\\');
            PUT((char)c);
        } else if (c < 0x20) {
            PUT('\\');
            PUT('u');
            PUT('0');
            PUT('0');
            PUT(hex[c >> 4]);
            PUT(hex[c & 15]);
        } else {
            PUT((char)c);
        }
    }
    PUT('"');
    dst[n] = '\0';
    return (int)n;
full:
    if (cap) dst[0] = '\0';
    return -1;
#undef PUT
}
