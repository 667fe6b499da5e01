/* SPDX-License-Identifier: Apache-2.0 */
/* ordo stats — streaming moments: Welford's update on values shifted by the
 * first one seen, and Chan et al.'s pairwise merge. */
#include <string.h>

#include "ordo/stats.h"

void ordo_moments_init(ordo_moments_t *m)
{
    memset(m, 0, sizeof *m);
}

void ordo_moments_add(ordo_moments_t *m, double x)
{
    ordo_moments_add2(m, x, 0.0);
}

void ordo_moments_add2(ordo_moments_t *m, double x, double y)
{
    if (m->n == 0) {
        m->k_x = x;
        m->k_y = y;
    }
    x -= m->k_x;
    y -= m->k_y;
    m->n++;
    double inv = 1.0 / (double)m->n;
    double dx = x - m->mean_x;
    double dy = y - m->mean_y;
    m->mean_x += dx * inv;
    m->mean_y += dy * inv;
    double dx2 = x - m->mean_x;
    m->m2_x += dx * dx2;
    m->m2_y += dy * (y - m->mean_y);
    m->c_xy += dy * dx2;
}

void ordo_moments_merge(ordo_moments_t *a, const ordo_moments_t *b)
{
    if (b->n == 0)
        return;
    if (a->n == 0) {
        *a = *b;
        return;
    }
    double na = (double)a->n, nb = (double)b->n, n = na + nb;
    /* difference of the means, in a's shifted frame */
    double dx = (b->k_x - a->k_x) + b->mean_x - a->mean_x;
    double dy = (b->k_y - a->k_y) + b->mean_y - a->mean_y;
    double f = na * nb / n;
    a->m2_x += b->m2_x + dx * dx * f;
    a->m2_y += b->m2_y + dy * dy * f;
    a->c_xy += b->c_xy + dx * dy * f;
    a->mean_x += dx * nb / n;
    a->mean_y += dy * nb / n;
    a->n += b->n;
}

double ordo_moments_mean_x(const ordo_moments_t *m)
{
    return m->n ? m->k_x + m->mean_x : 0.0;
}

double ordo_moments_mean_y(const ordo_moments_t *m)
{
    return m->n ? m->k_y + m->mean_y : 0.0;
}

double ordo_moments_var_x(const ordo_moments_t *m)
{
    return m->n < 2 ? 0.0 : m->m2_x / (double)(m->n - 1);
}

double ordo_moments_var_y(const ordo_moments_t *m)
{
    return m->n < 2 ? 0.0 : m->m2_y / (double)(m->n - 1);
}

double ordo_moments_cov(const ordo_moments_t *m)
{
    return m->n < 2 ? 0.0 : m->c_xy / (double)(m->n - 1);
}

ordo_stats_arm_t ordo_stats_arm_from_moments(const ordo_moments_t *m)
{
    ordo_stats_arm_t a = {(double)m->n, ordo_moments_mean_x(m), ordo_moments_var_x(m)};
    return a;
}
