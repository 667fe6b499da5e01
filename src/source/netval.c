/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the network value of stock in the engine (include/ordo/netval.h):
 * the atomic swap of the table, the unit cost of a node x ZIP3 lane the
 * table's LP prices, and the per-line term a policy with "network_value"
 * adds to the opportunity cost. docs/internals/SOURCING.md "Network value
 * of stock". */
#include <math.h>

#include "internal.h"

static void netval_destroy(void *t)
{
    ordo_netval_destroy(t);
}

void ordo_engine_set_netval(ordo_engine_t *e, ordo_netval_t *t)
{
    src_swap_set(&e->netval, t, offsetof(ordo_netval_t, retired_next));
}

const ordo_netval_t *ordo_engine_netval(const ordo_engine_t *e)
{
    return src_swap_get(&e->netval);
}

void src_netval_free(ordo_engine_t *e)
{
    src_swap_free(&e->netval, offsetof(ordo_netval_t, retired_next), netval_destroy);
}

double ordo_engine_unit_cost(const ordo_engine_t *e, uint32_t node, uint16_t zip3, double weight_lb)
{
    const ordo_network_t *net = e->net;
    if (node >= net->n_nodes || zip3 >= ORDO_ZIP3_COUNT)
        return INFINITY;
    int zone = ordo_network_zone(net, node, zip3);
    if (zone < 1 || zone > ORDO_ZONES)
        return INFINITY;
    double w = ceil(weight_lb);
    size_t lb = w < 1 ? 1 : w > SRC_RET_LB - 1 ? SRC_RET_LB - 1 : (size_t)w;
    const ordo_node_t *n = &net->nodes[node];
    double ship = INFINITY;
    for (uint32_t k = 0; k < n->n_services; k++) {
        uint32_t si = n->services[k];
        double r = e->base_min[si][zone - 1][lb] * e->mult[si];
        ship = r < ship ? r : ship;
    }
    return isfinite(ship) ? n->pick_cost_per_unit + n->pack_cost_per_shipment + ship : INFINITY;
}

void src_netval_begin(src_ctx_t *x)
{
    x->netval = x->policy && x->policy->network_value ? ordo_engine_netval(x->eng) : NULL;
}

double src_netval_line(const src_ctx_t *x, const src_cand_t *c, uint32_t i, double qty)
{
    uint32_t cell = c->cell[i];
    return cell < x->netval->n_cells ? qty * x->netval->value[cell] : 0;
}
