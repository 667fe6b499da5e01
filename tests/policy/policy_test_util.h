/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the policy tests: the fixture network, orders and
 * policies from inline JSON. Only the policy module and core are linked. */
#ifndef ORDO_TEST_POLICY_UTIL_H
#define ORDO_TEST_POLICY_UTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/arena.h"
#include "ordo/network.h"
#include "ordo/order.h"
#include "ordo/policy.h"

#define FIXTURE_NET ORDO_SOURCE_DIR "/tests/fixtures/source/net"

static inline ordo_network_t *load_fixture_net(void)
{
    ordo_error_t err = {0};
    ordo_network_t *net = NULL;
    int rc = ordo_network_load(FIXTURE_NET, NULL, &net, &err);
    if (rc) {
        char b[1024];
        fprintf(stderr, "fixture network: %s\n", ordo_error_format(&err, b, sizeof b));
    }
    assert_int_equal(rc, ORDO_OK);
    return net;
}

static inline ordo_policy_t *policy_from(const char *json)
{
    ordo_error_t err = {0};
    ordo_policy_t *p = NULL;
    int rc = ordo_policy_parse(json, strlen(json), "test", &p, &err);
    if (rc)
        fprintf(stderr, "policy: %s (%s)\n", err.msg, err.field);
    assert_int_equal(rc, ORDO_OK);
    return p;
}

static inline ordo_policy_t *builtin(const char *name)
{
    ordo_error_t err = {0};
    ordo_policy_t *p = NULL;
    assert_int_equal(ordo_policy_builtin(name, &p, &err), ORDO_OK);
    return p;
}

static inline void parse_order(const ordo_network_t *net, ordo_arena_t *a, const char *json,
                               ordo_order_t *o)
{
    ordo_error_t err = {0};
    int rc = ordo_order_parse(json, strlen(json), net, a, o, &err);
    if (rc)
        fprintf(stderr, "order: %s (%s)\n", err.msg, err.field);
    assert_int_equal(rc, ORDO_OK);
}

#endif
