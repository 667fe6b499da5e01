/* SPDX-License-Identifier: Apache-2.0 */
/* Numbers written in place (numfmt.h). The integer and four-decimal cases
 * mirror json.c's ordo_json_format_double (format_i64, and
 * format_short_decimal's k = 4 branch): tests/core/test_numfmt.c compares
 * the two, and both with snprintf, over many values and the edges. */
#include "numfmt.h"

#include <math.h>
#include <string.h>

#include "ordo/json.h"

static const char pairs[201] = "000102030405060708091011121314151617181920212223242526272829"
                               "303132333435363738394041424344454647484950515253545556575859"
                               "606162636465666768697071727374757677787980818283848586878889"
                               "90919293949596979899";

/* The number of decimal digits of v (1 for 0). */
static inline int n_digits(uint64_t v)
{
    int n = 1;
    for (; v >= 10000; v /= 10000)
        n += 4;
    return n + (v >= 10) + (v >= 100) + (v >= 1000);
}

char *ordo_numfmt_u64(char *o, uint64_t v)
{
    char *e = o + n_digits(v), *q = e;
    for (; v >= 100; v /= 100) {
        q -= 2;
        memcpy(q, pairs + 2 * (v % 100), 2);
    }
    if (v >= 10) {
        memcpy(q - 2, pairs + 2 * v, 2);
    } else {
        q[-1] = (char)('0' + v);
    }
    return e;
}

char *ordo_numfmt_double(char *o, double v)
{
    double a = fabs(v);
    if (v == 0) { /* json.c keeps the sign of -0 */
        if (signbit(v))
            *o++ = '-';
        *o = '0';
        return o + 1;
    }
    if ( a < 1e15 && v == (double)(long long)v) {
        long long i = (long long)v;
        if (i < 0)
            *o++ = '-';
        return ordo_numfmt_u64(o, i < 0 ? 0 - (uint64_t)i : (uint64_t)i);
    }
    if (a >= 1e-4 && a < 1e9) {
        double m = nearbyint(a * 1e4);
        if (m / 1e4 == a) { /* json.c's k = 4: "ip.f" with f's trailing zeros cut */
            uint64_t u = (uint64_t)m, fp = u % 10000;
            if (v < 0)
                *o++ = '-';
            o = ordo_numfmt_u64(o, u / 10000);
            *o++ = '.';
            memcpy(o, pairs + 2 * (fp / 100), 2);
            memcpy(o + 2, pairs + 2 * (fp % 100), 2);
            int k = 4;
            while (k > 1 && o[k - 1] == '0')
                k--;
            return o + k;
        }
    }
    char buf[40];
    int n = ordo_json_format_double(v, buf);
    memcpy(o, buf, (size_t)n);
    return o + n;
}
