/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — the PostgreSQL schema and statements (postgres.c). The
 * tables are SQLite's (sqlite.c, docs/internals/STORE.md "Schema") in
 * PostgreSQL types; ids are COLLATE "C" so that scans order byte-wise, as
 * SQLite does. Reservations and the recovery mark carry the instance (the
 * data directory whose decision log they belong to): several instances'
 * logs number their records independently. */
#ifndef ORDO_STORE_POSTGRES_SCHEMA_H
#define ORDO_STORE_POSTGRES_SCHEMA_H

/* pg_advisory_lock keys: schema migrations (session lock while migrating)
 * and the fleet-wide write lock (transaction lock, BEGIN IMMEDIATE's role) */
#define PG_LOCK_MIGRATE 0x6f72646f01LL
#define PG_LOCK_WRITE 0x6f72646f02LL

#define PG_ID "TEXT COLLATE \"C\" NOT NULL"

/* pg_migrations[v - 1] takes the schema from v - 1 to v (never edit a
 * released step). Step 2's key is inserted by postgres.c (libsodium). */
static const char *const pg_migrations[] = {
    /* 1: outcomes, documents with history, audit trail, the change clock */
    "CREATE TABLE outcome_event ("
    "  event_id " PG_ID " PRIMARY KEY,"
    "  order_id " PG_ID ","
    "  shipment BIGINT NOT NULL CHECK (shipment >= 0),"
    "  type TEXT NOT NULL CHECK (type IN"
    "    ('shipped','delivered','returned','cancelled','cost')),"
    "  at BIGINT NOT NULL, promised_by BIGINT,"
    "  pick DOUBLE PRECISION CHECK (pick >= 0), pack DOUBLE PRECISION CHECK (pack >= 0),"
    "  ship DOUBLE PRECISION CHECK (ship >= 0), ret DOUBLE PRECISION CHECK (ret >= 0),"
    "  carrying DOUBLE PRECISION CHECK (carrying >= 0),"
    "  refund DOUBLE PRECISION CHECK (refund >= 0),"
    "  ingested_at BIGINT NOT NULL);"
    "CREATE INDEX outcome_event_order ON outcome_event (order_id, at, event_id);"
    "CREATE TABLE doc (kind " PG_ID ", id " PG_ID ","
    "  version BIGINT NOT NULL CHECK (version >= 1), json TEXT NOT NULL,"
    "  updated_at BIGINT NOT NULL, PRIMARY KEY (kind, id));"
    "CREATE TABLE doc_history (kind " PG_ID ", id " PG_ID ", version BIGINT NOT NULL,"
    "  json TEXT, updated_at BIGINT NOT NULL, PRIMARY KEY (kind, id, version));"
    "CREATE TABLE audit (seq BIGSERIAL PRIMARY KEY, kind " PG_ID ", id " PG_ID ","
    "  actor TEXT NOT NULL, action TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',"
    "  detail TEXT NOT NULL DEFAULT '', ts BIGINT NOT NULL);"
    "CREATE INDEX audit_kind_id ON audit (kind, id, seq);"
    "CREATE FUNCTION ordo_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    "  $$BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END$$;"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON audit"
    "  FOR EACH STATEMENT EXECUTE FUNCTION ordo_audit_append_only();"
    /* data_version: bumped by every committing write transaction */
    "CREATE TABLE store_clock (id INT PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL);"
    "INSERT INTO store_clock VALUES (1, 0);",
    /* 2: secrets, customer pseudonyms */
    "CREATE TABLE store_secret (name " PG_ID " PRIMARY KEY, value BYTEA NOT NULL);"
    "CREATE TABLE customer_key (key " PG_ID " PRIMARY KEY, customer_id TEXT NOT NULL,"
    "  created_at BIGINT NOT NULL);",
    /* 3: stock, reservations (per instance), recovery marks */
    "CREATE TABLE stock (node " PG_ID ", sku " PG_ID ","
    "  on_hand BIGINT NOT NULL CHECK (on_hand >= 0),"
    "  reserved BIGINT NOT NULL CHECK (reserved >= 0),"
    "  safety BIGINT NOT NULL CHECK (safety >= 0), as_of BIGINT NOT NULL,"
    "  PRIMARY KEY (node, sku));"
    "CREATE TABLE reservation (instance " PG_ID ", seq BIGINT NOT NULL CHECK (seq > 0),"
    "  k BIGINT NOT NULL CHECK (k >= 0), order_id " PG_ID ","
    "  shipment BIGINT NOT NULL CHECK (shipment >= 0), node " PG_ID ", sku " PG_ID ","
    "  qty BIGINT NOT NULL CHECK (qty > 0),"
    "  state TEXT NOT NULL CHECK (state IN ('held','released','shipped')),"
    "  at BIGINT NOT NULL, settled_at BIGINT, PRIMARY KEY (instance, seq, k));"
    "CREATE INDEX reservation_order ON reservation (order_id);"
    /* name: "<instance>/applied_seq" */
    "CREATE TABLE stock_meta (name " PG_ID " PRIMARY KEY, value BIGINT NOT NULL);",
    /* 4: the outcome change sequence (writers hold PG_LOCK_WRITE, so seq
     * follows commit order) */
    "CREATE TABLE outcome_change (seq BIGSERIAL PRIMARY KEY, order_id " PG_ID ");"
    "INSERT INTO outcome_change (order_id) SELECT order_id FROM outcome_event;"
    "CREATE FUNCTION ordo_outcome_change() RETURNS trigger LANGUAGE plpgsql AS"
    "  $$BEGIN INSERT INTO outcome_change (order_id) VALUES (NEW.order_id); RETURN NULL;"
    "  END$$;"
    "CREATE TRIGGER outcome_event_change AFTER INSERT ON outcome_event"
    "  FOR EACH ROW EXECUTE FUNCTION ordo_outcome_change();",
    /* 5: signals */
    "CREATE TABLE signal_version (version BIGINT PRIMARY KEY CHECK (version >= 1),"
    "  source TEXT NOT NULL, signals BIGINT NOT NULL CHECK (signals >= 0),"
    "  applied_at BIGINT NOT NULL);"
    "CREATE TABLE signal (version BIGINT NOT NULL REFERENCES signal_version (version),"
    "  line BIGINT NOT NULL CHECK (line >= 1),"
    "  kind TEXT NOT NULL CHECK (kind IN"
    "    ('rate','labour','backlog','node_status','carrier_outage')),"
    "  effective_from BIGINT NOT NULL, effective_to BIGINT, doc TEXT NOT NULL,"
    "  PRIMARY KEY (version, line));",
    /* 6: operational measures (SQLite's step 6): a 'measure' event type
     * with its measure, value and node */
    "ALTER TABLE outcome_event DROP CONSTRAINT outcome_event_type_check;"
    "ALTER TABLE outcome_event ADD CONSTRAINT outcome_event_type_check CHECK (type IN"
    "    ('shipped','delivered','returned','cancelled','cost','measure'));"
    "ALTER TABLE outcome_event ADD COLUMN measure TEXT,"
    "  ADD COLUMN value DOUBLE PRECISION, ADD COLUMN node TEXT;"
    "ALTER TABLE outcome_event ADD CONSTRAINT outcome_event_measure_check"
    "  CHECK ((type = 'measure') = (measure IS NOT NULL) AND"
    "        (type = 'measure') = (value IS NOT NULL));",
    /* 7: nothing (SQLite's step 7 rewrote its reservation CHECK for speed;
     * PostgreSQL's needs no change), so both backends number alike */
    "SELECT 1;",
    /* 8: nothing (SQLite's step 8 did the same for outcome_event's) */
    "SELECT 1;",
    /* 9: a decision's reservation in one statement (the decider's per-order
     * round trip, docs/internals/STORE.md "PostgreSQL"): every cell in the
     * order given ((node, SKU): row locks never wait in a cycle) takes its
     * units only while its ATP covers them, with the reservation rows under
     * (instance, seq) and the customer's mapping; all or nothing (a refused
     * cell rolls the block back and its 1-based index is returned, 0 when
     * all were taken). The rows of the same order already under that seq
     * (a retry of a decision PostgreSQL kept): -1, nothing changed. Commits
     * without waiting for the WAL flush (ordo_pg_sync waits for a group). */
    "CREATE FUNCTION ordo_reserve_plan(p_instance TEXT, p_seq BIGINT, p_order TEXT,"
    "  p_at BIGINT, p_node TEXT[], p_sku TEXT[], p_ship BIGINT[], p_qty BIGINT[],"
    "  p_on_hand BIGINT[], p_reserved BIGINT[], p_safety BIGINT[], p_as_of BIGINT[],"
    "  p_keep_safety BOOLEAN, p_ckey TEXT, p_cid TEXT) RETURNS INT LANGUAGE plpgsql AS $$"
    "DECLARE refused INT := 0;"
    "BEGIN"
    "  PERFORM set_config('synchronous_commit', 'off', true);"
    "  IF EXISTS (SELECT 1 FROM reservation WHERE instance = p_instance AND seq = p_seq"
    "             AND order_id = p_order) THEN RETURN -1; END IF;"
    "  BEGIN"
    "    FOR i IN 1 .. coalesce(cardinality(p_node), 0) LOOP"
    "      refused := i;"
    "      INSERT INTO stock AS s (node, sku, on_hand, reserved, safety, as_of)"
    "        VALUES (p_node[i], p_sku[i], p_on_hand[i], p_reserved[i] + p_qty[i],"
    "                p_safety[i], p_as_of[i])"
    "        ON CONFLICT (node, sku) DO UPDATE SET reserved = s.reserved + p_qty[i]"
    "        WHERE s.on_hand - s.reserved -"
    "              (CASE WHEN p_keep_safety THEN s.safety ELSE 0 END) >= p_qty[i];"
    "      IF NOT FOUND THEN RAISE SQLSTATE 'OR001'; END IF;"
    "      INSERT INTO reservation (instance, seq, k, order_id, shipment, node, sku, qty,"
    "        state, at) VALUES (p_instance, p_seq, i - 1, p_order, p_ship[i], p_node[i],"
    "        p_sku[i], p_qty[i], 'held', p_at);"
    "    END LOOP;"
    "  EXCEPTION WHEN SQLSTATE 'OR001' THEN RETURN refused;"
    "  END;"
    "  IF p_ckey IS NOT NULL THEN"
    "    INSERT INTO customer_key (key, customer_id, created_at) VALUES (p_ckey, p_cid, p_at)"
    "      ON CONFLICT DO NOTHING;"
    "  END IF;"
    "  RETURN 0;"
    "END$$;",
};
#define PG_N_MIGRATIONS ((int)(sizeof pg_migrations / sizeof pg_migrations[0]))

enum {
    Q_EV_INSERT,
    Q_EV_ORDER,
    Q_EV_ALL,
    Q_EV_COUNT,
    Q_EV_COUNT_EVENTS,
    Q_EV_SEQ,
    Q_EV_SINCE,
    Q_EV_CHANGES,
    Q_DOC_CUR,
    Q_DOC_MAXVER,
    Q_DOC_UPSERT,
    Q_DOC_HIST_INSERT,
    Q_DOC_GET,
    Q_DOC_GET_VERSION,
    Q_DOC_DELETE,
    Q_DOC_LIST,
    Q_AUDIT_INSERT,
    Q_AUDIT_LIST_KIND,
    Q_AUDIT_LIST_ID,
    Q_SECRET_GET,
    Q_CUST_PUT,
    Q_CUST_GET,
    Q_CUST_ERASE,
    Q_STOCK_RESERVE,
    Q_STOCK_UNRESERVE,
    Q_STOCK_SETTLE,
    Q_STOCK_GET,
    Q_STOCK_LIST,
    Q_STOCK_SET,
    Q_STOCK_ADD,
    Q_RESV_INSERT,
    Q_RESV_HELD,
    Q_RESV_MARK,
    Q_RESV_AFTER,
    Q_RESV_DELETE_AFTER,
    Q_RESV_TOTALS,
    Q_META_GET,
    Q_META_SET,
    Q_CLOCK_GET,
    Q_CLOCK_BUMP,
    Q_SIG_LATEST,
    Q_SIG_VERSION_INSERT,
    Q_SIG_INSERT,
    Q_SIG_LIST,
    Q_RESERVE_PLAN,
    Q_SYNC,
    Q_COUNT
};

#define PG_EV_COLS                                                                                 \
    "event_id, order_id, shipment, type, at, promised_by, pick, pack, ship, ret, carrying, refund, " \
    "measure, value, node"

static const char *const pg_sql[Q_COUNT] = {
    [Q_EV_INSERT] = "INSERT INTO outcome_event (" PG_EV_COLS ", ingested_at) VALUES ($1, $2, $3, "
                    "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT DO NOTHING",
    [Q_EV_ORDER] = "SELECT " PG_EV_COLS " FROM outcome_event WHERE order_id = $1 "
                   "ORDER BY at, event_id",
    [Q_EV_ALL] = "SELECT " PG_EV_COLS " FROM outcome_event ORDER BY order_id, at, event_id",
    [Q_EV_COUNT] = "SELECT count(*), count(DISTINCT order_id) FROM outcome_event",
    [Q_EV_COUNT_EVENTS] = "SELECT count(*), 0 FROM outcome_event",
    [Q_EV_SEQ] = "SELECT coalesce(max(seq), 0) FROM outcome_change",
    [Q_EV_SINCE] = "SELECT " PG_EV_COLS " FROM outcome_event WHERE order_id IN "
                   "(SELECT order_id FROM outcome_change WHERE seq > $1) "
                   "ORDER BY order_id, at, event_id",
    [Q_EV_CHANGES] = "SELECT seq, order_id FROM outcome_change WHERE seq > $1 ORDER BY seq "
                     "LIMIT $2",
    [Q_DOC_CUR] = "SELECT version FROM doc WHERE kind = $1 AND id = $2",
    [Q_DOC_MAXVER] = "SELECT coalesce(max(version), 0) FROM doc_history "
                     "WHERE kind = $1 AND id = $2",
    [Q_DOC_UPSERT] = "INSERT INTO doc (kind, id, version, json, updated_at) VALUES ($1, $2, $3, "
                     "$4, $5) ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version, "
                     "json = excluded.json, updated_at = excluded.updated_at",
    [Q_DOC_HIST_INSERT] = "INSERT INTO doc_history (kind, id, version, json, updated_at) "
                          "VALUES ($1, $2, $3, $4, $5)",
    [Q_DOC_GET] = "SELECT json, version FROM doc WHERE kind = $1 AND id = $2",
    [Q_DOC_GET_VERSION] = "SELECT json, version FROM doc_history "
                          "WHERE kind = $1 AND id = $2 AND version = $3",
    [Q_DOC_DELETE] = "DELETE FROM doc WHERE kind = $1 AND id = $2",
    [Q_DOC_LIST] = "SELECT id, json, version, updated_at FROM doc WHERE kind = $1 ORDER BY id",
    [Q_AUDIT_INSERT] = "INSERT INTO audit (kind, id, actor, action, reason, detail, ts) "
                       "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
    [Q_AUDIT_LIST_KIND] = "SELECT seq, kind, id, actor, action, reason, detail, ts FROM audit "
                          "WHERE kind = $1 ORDER BY seq",
    [Q_AUDIT_LIST_ID] = "SELECT seq, kind, id, actor, action, reason, detail, ts FROM audit "
                        "WHERE kind = $1 AND id = $2 ORDER BY seq",
    [Q_SECRET_GET] = "SELECT encode(value, 'hex') FROM store_secret WHERE name = $1",
    [Q_CUST_PUT] = "INSERT INTO customer_key (key, customer_id, created_at) VALUES ($1, $2, $3) "
                   "ON CONFLICT DO NOTHING",
    [Q_CUST_GET] = "SELECT customer_id FROM customer_key WHERE key = $1",
    [Q_CUST_ERASE] = "DELETE FROM customer_key WHERE key = $1 OR customer_id = $2",
    /* the conditional update: a known cell takes the units only while its
     * ATP covers them ($8 forces: recovery of a logged decision) */
    [Q_STOCK_RESERVE] = "INSERT INTO stock AS s (node, sku, on_hand, reserved, safety, as_of) "
                        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (node, sku) DO UPDATE SET "
                        "reserved = s.reserved + $7 WHERE $8 OR s.on_hand - s.reserved - "
                        "(CASE WHEN $9 THEN s.safety ELSE 0 END) >= $7",
    [Q_STOCK_UNRESERVE] = "UPDATE stock SET reserved = greatest(0, reserved - $3) "
                          "WHERE node = $1 AND sku = $2",
    [Q_STOCK_SETTLE] = "UPDATE stock SET reserved = greatest(0, reserved - $3), "
                       "on_hand = greatest(0, on_hand - $4) WHERE node = $1 AND sku = $2",
    [Q_STOCK_GET] = "SELECT on_hand, reserved, safety, as_of FROM stock "
                    "WHERE node = $1 AND sku = $2",
    [Q_STOCK_LIST] = "SELECT node, sku, on_hand, reserved, safety, as_of FROM stock "
                     "ORDER BY node, sku",
    [Q_STOCK_SET] = "INSERT INTO stock AS s (node, sku, on_hand, reserved, safety, as_of) "
                    "VALUES ($1, $2, $3, 0, coalesce($4::bigint, 0), $5) ON CONFLICT (node, sku) "
                    "DO UPDATE SET on_hand = excluded.on_hand, "
                    "safety = coalesce($4::bigint, s.safety), as_of = excluded.as_of",
    [Q_STOCK_ADD] = "UPDATE stock SET on_hand = on_hand + $3, as_of = greatest(as_of, $4) "
                    "WHERE node = $1 AND sku = $2",
    [Q_RESV_INSERT] = "INSERT INTO reservation (instance, seq, k, order_id, shipment, node, sku, "
                      "qty, state, at) VALUES ($8, $1, (SELECT count(*) FROM reservation WHERE "
                      "instance = $8 AND seq = $1), $2, $3, $4, $5, $6, 'held', $7)",
    [Q_RESV_HELD] = "SELECT instance, seq, k, node, sku, qty FROM reservation "
                    "WHERE order_id = $1 AND state = 'held' AND ($2 < 0 OR shipment = $2) "
                    "ORDER BY instance, seq, k",
    [Q_RESV_MARK] = "UPDATE reservation SET state = $4, settled_at = $5 "
                    "WHERE instance = $1 AND seq = $2 AND k = $3",
    [Q_RESV_AFTER] = "SELECT instance, seq, k, node, sku, qty FROM reservation "
                     "WHERE instance = $2 AND seq > $1 AND state = 'held' ORDER BY seq, k",
    [Q_RESV_DELETE_AFTER] = "DELETE FROM reservation WHERE instance = $2 AND seq > $1",
    [Q_RESV_TOTALS] = "SELECT coalesce(sum(qty), 0), count(*), "
                      "(SELECT coalesce(max(seq), 0) FROM reservation WHERE instance = $1), "
                      "(SELECT count(*) FROM stock) FROM reservation WHERE state = 'held'",
    [Q_META_GET] = "SELECT value FROM stock_meta WHERE name = $1",
    [Q_META_SET] = "INSERT INTO stock_meta (name, value) VALUES ($1, $2) "
                   "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    [Q_CLOCK_GET] = "SELECT n FROM store_clock WHERE id = 1",
    [Q_CLOCK_BUMP] = "UPDATE store_clock SET n = n + 1 WHERE id = 1 RETURNING n",
    [Q_SIG_LATEST] = "SELECT coalesce(max(version), 0) FROM signal_version",
    [Q_SIG_VERSION_INSERT] = "INSERT INTO signal_version (version, source, signals, applied_at) "
                             "VALUES ($1, $2, $3, $4)",
    [Q_SIG_INSERT] = "INSERT INTO signal (version, line, kind, effective_from, effective_to, doc) "
                     "VALUES ($1, $2, $3, $4, $5, $6)",
    [Q_SIG_LIST] = "SELECT s.version, s.line, s.doc, v.source FROM signal s JOIN signal_version "
                   "v USING (version) WHERE s.version <= $1 ORDER BY s.version, s.line",
    [Q_RESERVE_PLAN] = "SELECT ordo_reserve_plan($1, $2, $3, $4, $5::text[], $6::text[], "
                       "$7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], "
                       "$12::bigint[], $13, $14, $15)",
    /* a write outside any transaction: commits synchronously (ordo_pg_sync) */
    [Q_SYNC] = "INSERT INTO stock_meta (name, value) VALUES ($1, 1) ON CONFLICT (name) "
               "DO UPDATE SET value = stock_meta.value + 1",
};

#endif
