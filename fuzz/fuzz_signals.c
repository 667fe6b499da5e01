/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: a signal document (include/ordo/signals.h), NDJSON, parsed
 * against the example network in docs/examples/network, built into a
 * snapshot and looked up at a few instants (what ordo signals apply and a
 * decision do with it, without the store). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "ordo/error.h"
#include "ordo/network.h"
#include "ordo/signals.h"

static ordo_network_t *net;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ordo_error_t err;
    if (ordo_network_load(ORDO_SOURCE_DIR "/docs/examples/network", NULL, &net, &err) != 0) {
        fprintf(stderr, "fuzz_signals: %s\n", err.msg);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ordo_error_t err;
    ordo_signal_list_t l = {0};
    if (ordo_signals_parse((const char *)data, size, net, "fuzz.ndjson", 1, 1, true, &l, &err) ==
        0) {
        ordo_signals_t *s = NULL;
        if (ordo_signals_build(net, l.sig, l.n, 1, &s, &err) == 0) {
            const ordo_signal_t *v[64];
            for (size_t i = 0; i < l.n && i < 8; i++) {
                int64_t t = l.sig[i].from;
                (void)ordo_signals_in_force(s, t, v, 64);
                for (uint32_t k = 0; k < net->n_services; k++)
                    (void)ordo_signals_outage(s, k, 100, t);
                for (uint32_t k = 0; k < net->n_nodes; k++)
                    (void)ordo_signals_node(s, ORDO_SIGNAL_BACKLOG, k, t);
            }
            ordo_signals_destroy(s);
        }
    }
    ordo_signal_list_free(&l);
    return 0;
}
