/* SPDX-License-Identifier: Apache-2.0 */
/* ordo serve — the engine's customer history (decide.h ordo_cust_feed_*):
 * fed at the start from the data directory's decision log and outcomes,
 * then after each POST /v1/outcomes, and on the serve loop's tick
 * (srv_outcomes_poll: outcomes written by another process, such as
 * `ordo outcomes ingest`), from what came since (the log from where the
 * last read stopped, the store's outcome changes since the last
 * sequence). The start reads the log once for both indexes of it: this
 * feed's orders and the risk drift's predictions (drift.c). One update at
 * a time (the lock): the engine's table has one writer; the deciders read
 * it without a lock meanwhile. */
#include <pthread.h>
#include <stdio.h>

#include "server.h"

static pthread_mutex_t cust_lock = PTHREAD_MUTEX_INITIALIZER;

/* A decision record of the start's one read, into both indexes. */
static int start_each(const ordo_record_t *rec, void *ctx)
{
    ordo_server_t *s = ctx;
    int rc = ordo_cust_feed_record(s->cust_feed, rec);
    return rc ? rc : srv_drift_index_record(s, rec);
}

int srv_customers_open(ordo_server_t *s, ordo_error_t *err)
{
    uint64_t seq = 0;
    pthread_mutex_lock(&cust_lock);
    int rc = s->cust_feed ? ORDO_OK : ordo_cust_feed_create(&s->cust_feed, err);
    if (!rc && s->log_dir[0])
        rc = ordo_decide_log_each(s->log_dir, &seq, start_each, s, err);
    if (!rc) {
        ordo_cust_feed_log_read(s->cust_feed, seq);
        srv_drift_index_read(s, seq);
        rc = ordo_cust_feed_update(s->cust_feed, s->eng, s->data_dir, NULL, err);
    }
    pthread_mutex_unlock(&cust_lock);
    return rc;
}

void srv_customers_outcomes(ordo_server_t *s)
{
    ordo_error_t err = {0};
    pthread_mutex_lock(&cust_lock);
    if (s->cust_feed && ordo_cust_feed_update(s->cust_feed, s->eng, s->data_dir, NULL, &err))
        fprintf(stderr, "ordo serve: customer history: %s\n",
                err.msg[0] ? err.msg : "update failed");
    pthread_mutex_unlock(&cust_lock);
}

void srv_customers_free(ordo_server_t *s)
{
    ordo_cust_feed_destroy(s->cust_feed);
    s->cust_feed = NULL;
}

void srv_outcomes_poll(ordo_server_t *s)
{
    srv_drift_outcomes(s);
    srv_customers_outcomes(s);
    srv_events_wake(s); /* streams look for outcomes another process stored */
}
