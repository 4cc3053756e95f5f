/* C helpers for the libc-exact number conversions used by src/util/num.rs.
 *
 * Redis parses and prints some numbers with libc routines whose exact behaviour
 * (long double precision, strtod/strtold/strtoull acceptance rules, errno) is easiest
 * to reproduce by calling the very same routines. Each function mirrors one
 * Redis 7.0 helper from src/util.c and says which. All inputs are (pointer, length)
 * byte strings that need not be NUL-terminated; they are copied before parsing.
 *
 * `long double` values cross the FFI boundary only by pointer, as opaque 16-byte,
 * 16-aligned blobs (see `LongDouble` in num.rs). */

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Redis's MAX_LONG_DOUBLE_CHARS: inputs this long or longer are rejected by
 * string2ld, and every "%.17Lf" rendering of a finite long double fits. */
#define OXIDIS_LD_MAX_CHARS (5 * 1024)

_Static_assert(sizeof(long double) <= 16, "long double must fit the 16-byte Rust blob");
_Static_assert(_Alignof(long double) <= 16, "long double must fit the 16-byte Rust blob");

/* Redis string2ld(): 1 and *out set on success, 0 on failure. */
int oxidis_ld_parse(const char *s, size_t slen, long double *out) {
    char buf[OXIDIS_LD_MAX_CHARS];
    char *eptr;
    long double value;

    if (slen == 0 || slen >= sizeof(buf)) return 0;
    memcpy(buf, s, slen);
    buf[slen] = '\0';

    errno = 0;
    value = strtold(buf, &eptr);
    if (isspace((unsigned char)buf[0]) || eptr[0] != '\0' || (size_t)(eptr - buf) != slen ||
        (errno == ERANGE && (value == HUGE_VAL || value == -HUGE_VAL || value == 0)) ||
        errno == EINVAL || isnan(value))
        return 0;
    *out = value;
    return 1;
}

void oxidis_ld_from_i64(long long v, long double *out) { *out = (long double)v; }

void oxidis_ld_from_f64(double v, long double *out) { *out = (long double)v; }

void oxidis_ld_add(const long double *a, const long double *b, long double *out) { *out = *a + *b; }

/* 1 when neither NaN nor infinite. */
int oxidis_ld_is_finite(const long double *v) { return !(isnan(*v) || isinf(*v)); }

/* Redis ld2string(..., LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a bare '.')
 * trimmed, "-0" turned into "0", "inf"/"-inf" spelled out. Returns the length
 * written to out (no NUL), or 0 when it does not fit (Redis's error result). */
size_t oxidis_ld_format_human(const long double *v, char *out, size_t cap) {
    char buf[OXIDIS_LD_MAX_CHARS];
    size_t l;
    long double value = *v;

    if (isinf(value)) {
        if (value > 0) {
            memcpy(buf, "inf", 3);
            l = 3;
        } else {
            memcpy(buf, "-inf", 4);
            l = 4;
        }
    } else {
        int n = snprintf(buf, sizeof(buf), "%.17Lf", value);
        if (n < 0 || (size_t)n + 1 > sizeof(buf)) return 0;
        l = (size_t)n;
        if (memchr(buf, '.', l) != NULL) {
            char *p = buf + l - 1;
            while (*p == '0') {
                p--;
                l--;
            }
            if (*p == '.') l--;
        }
        if (l == 2 && buf[0] == '-' && buf[1] == '0') {
            buf[0] = '0';
            l = 1;
        }
    }
    if (l > cap) return 0;
    memcpy(out, buf, l);
    return l;
}

/* Redis string2d(): strtod on the whole input; rejects empty input, a leading
 * space, trailing bytes (an embedded NUL included), overflow, underflow to zero
 * and NaN. 1 and *out set on success, 0 on failure. */
int oxidis_string2d(const char *s, size_t slen, double *out) {
    char sbuf[128];
    char *buf = sbuf;
    char *eptr;
    double value;
    int ok;

    if (slen == 0) return 0;
    if (slen >= sizeof(sbuf)) {
        buf = malloc(slen + 1);
        if (buf == NULL) return 0;
    }
    memcpy(buf, s, slen);
    buf[slen] = '\0';

    errno = 0;
    value = strtod(buf, &eptr);
    ok = !(isspace((unsigned char)buf[0]) || (size_t)(eptr - buf) != slen ||
           (errno == ERANGE && (value == HUGE_VAL || value == -HUGE_VAL || fpclassify(value) == FP_ZERO)) ||
           isnan(value));
    if (buf != sbuf) free(buf);
    if (ok) *out = value;
    return ok;
}

/* The strtoull() fallback of Redis string2ull(), applied to a NUL-terminated
 * string: leading spaces, '+' and '-' (which negates modulo 2^64) are accepted;
 * empty input, trailing bytes and overflow are rejected. */
int oxidis_strtoull(const char *s, unsigned long long *out) {
    char *endptr = NULL;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &endptr, 10);
    if (errno == EINVAL || errno == ERANGE || !(*s != '\0' && *endptr == '\0')) return 0;
    *out = v;
    return 1;
}
