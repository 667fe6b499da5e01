/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — the SQLite backend. All of ordo's SQL is in this file.
 *
 * DIR/ordo.db in WAL mode (readers never block the writer), synchronous FULL
 * by default (a commit is on stable storage when it returns), a busy timeout
 * for concurrent writers, every statement prepared once and cached for the
 * life of the handle. Schema and migrations: docs/internals/STORE.md. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "ordo/datadir.h"
#include "ordo/util.h"
#include "outcome_tail.h"
#include "outcome_bulk.h"
#include "store_internal.h"

/* ---- schema ---- */

/* migrations[v - 1] takes the schema from version v - 1 to v. Never edit a
 * released step: append a new one (and bump ORDO_STORE_SCHEMA_VERSION). */
static const char *const migrations[] = {
    /* 1: outcomes, documents with history, audit trail */
    "CREATE TABLE outcome_event ("
    "  event_id    TEXT PRIMARY KEY,"
    "  order_id    TEXT NOT NULL,"
    "  shipment    INTEGER NOT NULL CHECK (shipment >= 0),"
    "  type        TEXT NOT NULL CHECK (type IN"
    "                ('shipped','delivered','returned','cancelled','cost')),"
    "  at          INTEGER NOT NULL,"
    "  promised_by INTEGER,"
    "  pick        REAL CHECK (pick >= 0),"
    "  pack        REAL CHECK (pack >= 0),"
    "  ship        REAL CHECK (ship >= 0),"
    "  ret         REAL CHECK (ret >= 0),"
    "  carrying    REAL CHECK (carrying >= 0),"
    "  refund      REAL CHECK (refund >= 0),"
    "  ingested_at INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    /* entries of a WITHOUT ROWID index carry the primary key, so this index
     * is ordered by (order_id, at, event_id): the summaries' scan order */
    "CREATE INDEX outcome_event_order ON outcome_event (order_id, at);"
    "CREATE TABLE doc ("
    "  kind       TEXT NOT NULL,"
    "  id         TEXT NOT NULL,"
    "  version    INTEGER NOT NULL CHECK (version >= 1),"
    "  json       TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (kind, id)"
    ") WITHOUT ROWID;"
    "CREATE TABLE doc_history ("
    "  kind       TEXT NOT NULL,"
    "  id         TEXT NOT NULL,"
    "  version    INTEGER NOT NULL,"
    "  json       TEXT," /* NULL: the version that deleted it */
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (kind, id, version)"
    ") WITHOUT ROWID;"
    "CREATE TABLE audit ("
    "  seq    INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  kind   TEXT NOT NULL,"
    "  id     TEXT NOT NULL,"
    "  actor  TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  reason TEXT NOT NULL DEFAULT '',"
    "  detail TEXT NOT NULL DEFAULT '',"
    "  ts     INTEGER NOT NULL"
    ");"
    "CREATE INDEX audit_kind_id ON audit (kind, id, seq);"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;",
    /* 2: the data directory's secrets (the customer pseudonym key, made
     * here once) and the pseudonym -> customer id mapping */
    "CREATE TABLE store_secret ("
    "  name  TEXT PRIMARY KEY,"
    "  value BLOB NOT NULL"
    ") WITHOUT ROWID;"
    "INSERT INTO store_secret (name, value) VALUES ('customer_key', randomblob(32));"
    "CREATE TABLE customer_key ("
    "  key         TEXT PRIMARY KEY,"
    "  customer_id TEXT NOT NULL,"
    "  created_at  INTEGER NOT NULL"
    ") WITHOUT ROWID;",
    /* 3: the stock the data directory owns: on hand per (node, SKU), the
     * units reserved by logged decisions, and the last log sequence whose
     * reservations are stored (docs/internals/STORE.md "Stock") */
    "CREATE TABLE stock ("
    "  node     TEXT NOT NULL,"
    "  sku      TEXT NOT NULL,"
    "  on_hand  INTEGER NOT NULL CHECK (on_hand >= 0),"
    "  reserved INTEGER NOT NULL CHECK (reserved >= 0),"
    "  safety   INTEGER NOT NULL CHECK (safety >= 0),"
    "  as_of    INTEGER NOT NULL,"
    "  PRIMARY KEY (node, sku)"
    ") WITHOUT ROWID;"
    "CREATE TABLE reservation ("
    "  seq        INTEGER NOT NULL CHECK (seq > 0),"
    "  k          INTEGER NOT NULL CHECK (k >= 0)," /* the line's place in the plan */
    "  order_id   TEXT NOT NULL,"
    "  shipment   INTEGER NOT NULL CHECK (shipment >= 0),"
    "  node       TEXT NOT NULL,"
    "  sku        TEXT NOT NULL,"
    "  qty        INTEGER NOT NULL CHECK (qty > 0),"
    "  state      TEXT NOT NULL CHECK (state IN ('held','released','shipped')),"
    "  at         INTEGER NOT NULL,"
    "  settled_at INTEGER,"
    "  PRIMARY KEY (seq, k)"
    ") WITHOUT ROWID;"
    "CREATE INDEX reservation_order ON reservation (order_id);"
    "CREATE TABLE stock_meta ("
    "  name  TEXT PRIMARY KEY,"
    "  value INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    /* -1: no decider has adopted the log yet (its older records reserved
     * nothing and are not re-applied) */
    "INSERT INTO stock_meta (name, value) VALUES ('applied_seq', -1);",
    /* 4: the outcome change sequence: one row per inserted event, numbered
     * in commit order (writers are serialised), so "orders changed since
     * seq S" is a range scan; events are only ever inserted, so max(seq) is
     * also the event count */
    "CREATE TABLE outcome_change ("
    "  seq      INTEGER PRIMARY KEY,"
    "  order_id TEXT NOT NULL"
    ");"
    "INSERT INTO outcome_change (order_id) SELECT order_id FROM outcome_event;"
    "CREATE TRIGGER outcome_event_change AFTER INSERT ON outcome_event BEGIN"
    "  INSERT INTO outcome_change (order_id) VALUES (NEW.order_id);"
    "END;",
    /* 5: signals (docs/internals/STORE.md "Signals"): one version per
     * applied document, its lines as validated, each with its key's window */
    "CREATE TABLE signal_version ("
    "  version    INTEGER PRIMARY KEY CHECK (version >= 1),"
    "  source     TEXT NOT NULL,"
    "  signals    INTEGER NOT NULL CHECK (signals >= 0),"
    "  applied_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE signal ("
    "  version        INTEGER NOT NULL REFERENCES signal_version (version),"
    "  line           INTEGER NOT NULL CHECK (line >= 1),"
    "  kind           TEXT NOT NULL CHECK (kind IN"
    "                   ('rate','labour','backlog','node_status','carrier_outage')),"
    "  effective_from INTEGER NOT NULL,"
    "  effective_to   INTEGER," /* NULL: open-ended */
    "  doc            TEXT NOT NULL,"
    "  PRIMARY KEY (version, line)"
    ") WITHOUT ROWID;",
    /* 6: operational measures (docs/outcomes.md "Operational measures"): a
     * 'measure' event type with its measure, value and node. The type's
     * CHECK cannot be altered in place, so the table is rebuilt (its
     * index and the change trigger of step 4 go with the old table and
     * are created again; the copy itself records no change). */
    "CREATE TABLE outcome_event_v6 ("
    "  event_id    TEXT PRIMARY KEY,"
    "  order_id    TEXT NOT NULL,"
    "  shipment    INTEGER NOT NULL CHECK (shipment >= 0),"
    "  type        TEXT NOT NULL CHECK (type IN"
    "                ('shipped','delivered','returned','cancelled','cost','measure')),"
    "  at          INTEGER NOT NULL,"
    "  promised_by INTEGER,"
    "  pick        REAL CHECK (pick >= 0),"
    "  pack        REAL CHECK (pack >= 0),"
    "  ship        REAL CHECK (ship >= 0),"
    "  ret         REAL CHECK (ret >= 0),"
    "  carrying    REAL CHECK (carrying >= 0),"
    "  refund      REAL CHECK (refund >= 0),"
    "  ingested_at INTEGER NOT NULL,"
    "  measure     TEXT CHECK ((type = 'measure') = (measure IS NOT NULL)),"
    "  value       REAL CHECK ((type = 'measure') = (value IS NOT NULL)),"
    "  node        TEXT"
    ") WITHOUT ROWID;"
    "INSERT INTO outcome_event_v6 (event_id, order_id, shipment, type, at, promised_by, pick,"
    "  pack, ship, ret, carrying, refund, ingested_at)"
    "  SELECT event_id, order_id, shipment, type, at, promised_by, pick, pack, ship, ret,"
    "  carrying, refund, ingested_at FROM outcome_event;"
    "DROP TABLE outcome_event;"
    "ALTER TABLE outcome_event_v6 RENAME TO outcome_event;"
    "CREATE INDEX outcome_event_order ON outcome_event (order_id, at);"
    "CREATE TRIGGER outcome_event_change AFTER INSERT ON outcome_event BEGIN"
    "  INSERT INTO outcome_change (order_id) VALUES (NEW.order_id);"
    "END;",
    /* 7: reservation, the same table with its state CHECK written as
     * comparisons: SQLite evaluates `state IN (...)` by building an
     * ephemeral index on every insert, which made an insert 3 times
     * slower (docs/internals/STORE.md "Cost") */
    "CREATE TABLE reservation_v7 ("
    "  seq        INTEGER NOT NULL CHECK (seq > 0),"
    "  k          INTEGER NOT NULL CHECK (k >= 0),"
    "  order_id   TEXT NOT NULL,"
    "  shipment   INTEGER NOT NULL CHECK (shipment >= 0),"
    "  node       TEXT NOT NULL,"
    "  sku        TEXT NOT NULL,"
    "  qty        INTEGER NOT NULL CHECK (qty > 0),"
    "  state      TEXT NOT NULL"
    "             CHECK (state = 'held' OR state = 'released' OR state = 'shipped'),"
    "  at         INTEGER NOT NULL,"
    "  settled_at INTEGER,"
    "  PRIMARY KEY (seq, k)"
    ") WITHOUT ROWID;"
    "INSERT INTO reservation_v7 (seq, k, order_id, shipment, node, sku, qty, state, at, settled_at)"
    "  SELECT seq, k, order_id, shipment, node, sku, qty, state, at, settled_at FROM reservation;"
    "DROP TABLE reservation;"
    "ALTER TABLE reservation_v7 RENAME TO reservation;"
    "CREATE INDEX reservation_order ON reservation (order_id);",
    /* 8: outcome_event, the same table with its type CHECK written as
     * comparisons, as step 7 did for reservation: `type IN (...)` built an
     * ephemeral index on every insert, a quarter of an event's insert
     * (docs/internals/STORE.md "Cost"); index and trigger made again */
    "CREATE TABLE outcome_event_v8 ("
    "  event_id    TEXT PRIMARY KEY,"
    "  order_id    TEXT NOT NULL,"
    "  shipment    INTEGER NOT NULL CHECK (shipment >= 0),"
    "  type        TEXT NOT NULL CHECK (type = 'shipped' OR type = 'delivered' OR"
    "                type = 'returned' OR type = 'cancelled' OR type = 'cost' OR"
    "                type = 'measure'),"
    "  at          INTEGER NOT NULL,"
    "  promised_by INTEGER,"
    "  pick        REAL CHECK (pick >= 0),"
    "  pack        REAL CHECK (pack >= 0),"
    "  ship        REAL CHECK (ship >= 0),"
    "  ret         REAL CHECK (ret >= 0),"
    "  carrying    REAL CHECK (carrying >= 0),"
    "  refund      REAL CHECK (refund >= 0),"
    "  ingested_at INTEGER NOT NULL,"
    "  measure     TEXT CHECK ((type = 'measure') = (measure IS NOT NULL)),"
    "  value       REAL CHECK ((type = 'measure') = (value IS NOT NULL)),"
    "  node        TEXT"
    ") WITHOUT ROWID;"
    "INSERT INTO outcome_event_v8 SELECT event_id, order_id, shipment, type, at, promised_by,"
    "  pick, pack, ship, ret, carrying, refund, ingested_at, measure, value, node"
    "  FROM outcome_event;"
    "DROP TABLE outcome_event;"
    "ALTER TABLE outcome_event_v8 RENAME TO outcome_event;"
    "CREATE INDEX outcome_event_order ON outcome_event (order_id, at);"
    "CREATE TRIGGER outcome_event_change AFTER INSERT ON outcome_event BEGIN"
    "  INSERT INTO outcome_change (order_id) VALUES (NEW.order_id);"
    "END;",
};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))
_Static_assert(N_MIGRATIONS == ORDO_STORE_SCHEMA_VERSION, "one migration per schema version");

/* ---- cached statements ---- */

enum {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SCHEMA_VERSION,
    ST_DATA_VERSION,
    ST_EV_INSERT,
    ST_EV_ORDER,
    ST_EV_ALL,
    ST_EV_COUNT,
    ST_EV_COUNT_EVENTS,
    ST_DOC_CUR,
    ST_DOC_MAXVER,
    ST_DOC_UPSERT,
    ST_DOC_HIST_INSERT,
    ST_DOC_GET,
    ST_DOC_GET_VERSION,
    ST_DOC_DELETE,
    ST_DOC_LIST,
    ST_AUDIT_INSERT,
    ST_AUDIT_LIST_KIND,
    ST_AUDIT_LIST_ID,
    ST_SECRET_GET,
    ST_CUST_PUT,
    ST_CUST_GET,
    ST_CUST_ERASE,
    ST_STOCK_RESERVE,
    ST_STOCK_UNRESERVE,
    ST_STOCK_SETTLE,
    ST_STOCK_GET,
    ST_STOCK_LIST,
    ST_STOCK_SET,
    ST_STOCK_ADD,
    ST_RESV_INSERT,
    ST_RESV_HELD,
    ST_RESV_MARK,
    ST_RESV_AFTER,
    ST_RESV_DELETE_AFTER,
    ST_RESV_TOTALS,
    ST_META_GET,
    ST_META_SET,
    ST_EV_SEQ,
    ST_EV_SINCE,
    ST_EV_CHANGES,
    ST_RESV_INSERT_K,
    ST_RESV_MAX_SEQ,
    ST_SAVEPOINT2,
    ST_RELEASE2,
    ST_RESV_OF_SEQ,
    ST_COUNT
};

#define EV_COLS                                                                                    \
    "event_id, order_id, shipment, type, at, promised_by, pick, pack, ship, ret, carrying, refund, " \
    "measure, value, node"

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SCHEMA_VERSION] = "SELECT coalesce(max(version), 0) FROM schema_version",
    [ST_DATA_VERSION] = "PRAGMA data_version",
    [ST_EV_INSERT] = "INSERT OR IGNORE INTO outcome_event (" EV_COLS ", ingested_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                     "?16)",
    [ST_EV_ORDER] = "SELECT " EV_COLS " FROM outcome_event WHERE order_id = ?1 "
                    "ORDER BY at, event_id",
    [ST_EV_ALL] = "SELECT " EV_COLS " FROM outcome_event INDEXED BY outcome_event_order "
                  "ORDER BY order_id, at, event_id",
    [ST_EV_COUNT_EVENTS] = "SELECT count(*), 0 FROM outcome_event",
    [ST_EV_COUNT] = "SELECT count(*), (SELECT count(*) FROM "
                    "(SELECT DISTINCT order_id FROM outcome_event)) FROM outcome_event",
    [ST_DOC_CUR] = "SELECT version FROM doc WHERE kind = ?1 AND id = ?2",
    [ST_DOC_MAXVER] = "SELECT coalesce(max(version), 0) FROM doc_history "
                      "WHERE kind = ?1 AND id = ?2",
    [ST_DOC_UPSERT] = "INSERT INTO doc (kind, id, version, json, updated_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (kind, id) DO UPDATE SET "
                      "version = excluded.version, json = excluded.json, "
                      "updated_at = excluded.updated_at",
    [ST_DOC_HIST_INSERT] = "INSERT INTO doc_history (kind, id, version, json, updated_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_DOC_GET] = "SELECT json, version FROM doc WHERE kind = ?1 AND id = ?2",
    [ST_DOC_GET_VERSION] = "SELECT json, version FROM doc_history "
                           "WHERE kind = ?1 AND id = ?2 AND version = ?3",
    [ST_DOC_DELETE] = "DELETE FROM doc WHERE kind = ?1 AND id = ?2",
    [ST_DOC_LIST] = "SELECT id, json, version, updated_at FROM doc WHERE kind = ?1 ORDER BY id",
    [ST_AUDIT_INSERT] = "INSERT INTO audit (kind, id, actor, action, reason, detail, ts) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_AUDIT_LIST_KIND] = "SELECT seq, kind, id, actor, action, reason, detail, ts FROM audit "
                           "WHERE kind = ?1 ORDER BY seq",
    [ST_AUDIT_LIST_ID] = "SELECT seq, kind, id, actor, action, reason, detail, ts FROM audit "
                         "WHERE kind = ?1 AND id = ?2 ORDER BY seq",
    [ST_SECRET_GET] = "SELECT value FROM store_secret WHERE name = ?1",
    [ST_CUST_PUT] = "INSERT OR IGNORE INTO customer_key (key, customer_id, created_at) "
                    "VALUES (?1, ?2, ?3)",
    [ST_CUST_GET] = "SELECT customer_id FROM customer_key WHERE key = ?1",
    [ST_CUST_ERASE] = "DELETE FROM customer_key WHERE key = ?1 OR customer_id = ?2",
    /* a cell the store has not seen is seeded (?3..?6: on hand, reserved
     * with this reservation, safety, as of); a known one takes the units
     * only while its ATP covers them (?8 forces: recovery) */
    [ST_STOCK_RESERVE] = "INSERT INTO stock (node, sku, on_hand, reserved, safety, as_of) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (node, sku) DO UPDATE SET "
                         "reserved = reserved + ?7 WHERE ?8 OR on_hand - reserved - "
                         "(CASE WHEN ?9 THEN safety ELSE 0 END) >= ?7",
    [ST_STOCK_UNRESERVE] = "UPDATE stock SET reserved = max(0, reserved - ?3) "
                           "WHERE node = ?1 AND sku = ?2",
    [ST_STOCK_SETTLE] = "UPDATE stock SET reserved = max(0, reserved - ?3), "
                        "on_hand = max(0, on_hand - ?4) WHERE node = ?1 AND sku = ?2",
    [ST_STOCK_GET] = "SELECT on_hand, reserved, safety, as_of FROM stock "
                     "WHERE node = ?1 AND sku = ?2",
    [ST_STOCK_LIST] = "SELECT node, sku, on_hand, reserved, safety, as_of FROM stock "
                      "ORDER BY node, sku",
    [ST_STOCK_SET] = "INSERT INTO stock (node, sku, on_hand, reserved, safety, as_of) "
                     "VALUES (?1, ?2, ?3, 0, coalesce(?4, 0), ?5) ON CONFLICT (node, sku) "
                     "DO UPDATE SET on_hand = excluded.on_hand, safety = coalesce(?4, safety), "
                     "as_of = excluded.as_of",
    [ST_STOCK_ADD] = "UPDATE stock SET on_hand = on_hand + ?3, as_of = max(as_of, ?4) "
                     "WHERE node = ?1 AND sku = ?2",
    /* k: the next line of the decision (rows of one seq are written together) */
    [ST_RESV_INSERT] =
        "INSERT INTO reservation (seq, k, order_id, shipment, node, sku, qty, state, "
        "at) VALUES (?1, (SELECT count(*) FROM reservation WHERE seq = ?1), ?2, "
        "?3, ?4, ?5, ?6, 'held', ?7)",
    /* k known: a seq past every stored one (0), or the next line of the
     * seq inserted last (sq_resv_add) */
    [ST_RESV_INSERT_K] = "INSERT INTO reservation (seq, k, order_id, shipment, node, sku, qty, "
                         "state, at) VALUES (?1, ?8, ?2, ?3, ?4, ?5, ?6, 'held', ?7)",
    [ST_RESV_MAX_SEQ] = "SELECT coalesce(max(seq), 0) FROM reservation",
    /* the savepoint of a call inside a caller's transaction (depth 2: a
     * settlement per order in a batch), prepared once, not per call */
    [ST_SAVEPOINT2] = "SAVEPOINT ordo_sp2",
    [ST_RELEASE2] = "RELEASE ordo_sp2",
    [ST_RESV_OF_SEQ] = "SELECT 1 FROM reservation WHERE seq = ?1 AND order_id = ?2 LIMIT 1",
    [ST_RESV_HELD] = "SELECT seq, k, node, sku, qty FROM reservation WHERE order_id = ?1 "
                     "AND state = 'held' AND (?2 < 0 OR shipment = ?2) ORDER BY seq, k",
    [ST_RESV_MARK] = "UPDATE reservation SET state = ?3, settled_at = ?4 WHERE seq = ?1 AND k = ?2",
    [ST_RESV_AFTER] = "SELECT seq, k, node, sku, qty FROM reservation WHERE seq > ?1 "
                      "AND state = 'held' ORDER BY seq, k",
    [ST_RESV_DELETE_AFTER] = "DELETE FROM reservation WHERE seq > ?1",
    [ST_RESV_TOTALS] = "SELECT coalesce(sum(qty), 0), count(*), "
                       "(SELECT coalesce(max(seq), 0) FROM reservation) "
                       "FROM reservation WHERE state = 'held'",
    [ST_META_GET] = "SELECT value FROM stock_meta WHERE name = ?1",
    [ST_META_SET] = "INSERT INTO stock_meta (name, value) VALUES (?1, ?2) "
                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    [ST_EV_SEQ] = "SELECT coalesce(max(seq), 0) FROM outcome_change",
    [ST_EV_SINCE] = "SELECT " EV_COLS " FROM outcome_event INDEXED BY outcome_event_order "
                    "WHERE order_id IN (SELECT order_id FROM outcome_change WHERE seq > ?1) "
                    "ORDER BY order_id, at, event_id",
    [ST_EV_CHANGES] = "SELECT seq, order_id FROM outcome_change WHERE seq > ?1 ORDER BY seq "
                      "LIMIT ?2",
};

struct store_backend {
    int64_t busy_ms;       /* store.busy_timeout_ms */
    uint64_t busy_since;   /* ordo_now_ns when the current wait began */
    sqlite3 *db;
    char path[4096];
    sqlite3_stmt *stmt[ST_COUNT];
    /* Within one write transaction (no other connection can insert):
     * resv_max, the highest seq stored (read once; resv_max_known), and
     * resv_seq/resv_k, the row inserted last, so that a decision's lines
     * take k = 0, 1, ... without counting. Forgotten at begin and rollback. */
    uint64_t resv_max, resv_seq;
    int64_t resv_k;
    bool resv_max_known;
    otail_t *tail; /* the outcome tail's writer (outcome_tail.c) */
    ordo_outcome_mem_t *mem; /* a bulk load's events (outcome_bulk.c) */
};

struct store_event_cursor {
    store_backend_t *b;
    sqlite3_stmt *st;
    bool owned; /* finalize on close (else reset: it is the cached one) */
};

/* ---- errors ---- */

static int map_code(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        return ORDO_ENOMEM;
    case SQLITE_FULL:
        return ORDO_ENOSPC;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return ORDO_ECORRUPT;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
        return ORDO_EINVAL;
    case SQLITE_CANTOPEN:
        return ORDO_EIO;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return ORDO_EBUSY;
    default:
        return ORDO_EIO;
    }
}

static int sql_fail(store_backend_t *b, int rc, const char *what, ordo_error_t *err)
{
    const char *msg = b && b->db ? sqlite3_errmsg(b->db) : sqlite3_errstr(rc);
    if ((rc & 0xff) == SQLITE_BUSY)
        return ordo_error_set(err, ORDO_EBUSY, b ? b->path : NULL, 0, NULL,
                              "%s: database is busy (another writer held it longer than "
                              "store.busy_timeout_ms): %s",
                              what, msg);
    return ordo_error_set(err, map_code(rc), b ? b->path : NULL, 0, NULL, "sqlite %s: %s", what,
                          msg);
}

/* The cached statement idx, or a fresh one when the cached one is in use
 * (a callback re-entering the store): *owned says to finalize it. */
static int stmt_get(store_backend_t *b, int idx, sqlite3_stmt **st, bool *owned, ordo_error_t *err)
{
    *owned = false;
    if (b->stmt[idx] && !sqlite3_stmt_busy(b->stmt[idx])) {
        *st = b->stmt[idx];
        return ORDO_OK;
    }
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v3(b->db, stmt_sql[idx], -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
    if (rc != SQLITE_OK)
        return sql_fail(b, rc, "prepare", err);
    if (!b->stmt[idx]) {
        b->stmt[idx] = s;
    } else {
        *owned = true;
    }
    *st = s;
    return ORDO_OK;
}

static void stmt_put(sqlite3_stmt *st, bool owned)
{
    if (!st)
        return;
    if (owned) {
        sqlite3_finalize(st);
    } else {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
}

/* Runs a statement without result rows. */
static int exec_stmt(store_backend_t *b, int idx, const char *what, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, idx, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    int s = sqlite3_step(st);
    stmt_put(st, owned);
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        return sql_fail(b, s, what, err);
    return ORDO_OK;
}

static int exec_sql(store_backend_t *b, const char *sql, const char *what, ordo_error_t *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(b->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int code = ordo_error_set(err, map_code(rc), b->path, 0, NULL, "sqlite %s: %s", what,
                                  msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return code;
    }
    return ORDO_OK;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* ---- open / close / schema ---- */

static void sq_close(store_backend_t *b)
{
    if (!b)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(b->stmt[i]);
    otail_free(b->tail);
    ordo_outcome_mem_free(b->mem);
    if (b->db)
        sqlite3_close_v2(b->db);
    free(b);
}

static int sq_schema_version(store_backend_t *b, int *version, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_SCHEMA_VERSION, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        *version = sqlite3_column_int(st, 0);
    stmt_put(st, owned);
    return s == SQLITE_ROW ? ORDO_OK : sql_fail(b, s, "schema version", err);
}

/* SQLite's data_version: it changes when another connection (of this
 * process or another) commits; one read of the WAL index, no disk I/O. */
static int sq_data_version(store_backend_t *b, uint64_t *version, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_DATA_VERSION, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        *version = (uint64_t)sqlite3_column_int64(st, 0);
    stmt_put(st, owned);
    return s == SQLITE_ROW ? ORDO_OK : sql_fail(b, s, "data version", err);
}

static int migrate(store_backend_t *b, ordo_error_t *err)
{
    int rc = exec_sql(b,
                      "CREATE TABLE IF NOT EXISTS schema_version ("
                      " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
                      "create schema_version", err);
    if (rc != ORDO_OK)
        return rc;
    int cur = 0;
    rc = sq_schema_version(b, &cur, err);
    if (rc != ORDO_OK)
        return rc;
    if (cur > N_MIGRATIONS)
        return ordo_error_set(err, ORDO_EUNSUPPORTED, b->path, 0, NULL,
                              "database schema version %d is newer than this ordo supports (%d)",
                              cur, N_MIGRATIONS);
    if (cur == N_MIGRATIONS)
        return ORDO_OK;
    /* Re-read under the write lock: another process may be migrating. */
    rc = exec_sql(b, "BEGIN IMMEDIATE", "begin migration", err);
    if (rc != ORDO_OK)
        return rc;
    rc = sq_schema_version(b, &cur, err);
    for (int v = cur + 1; rc == ORDO_OK && v <= N_MIGRATIONS; v++) {
        rc = exec_sql(b, migrations[v - 1], "migration", err);
        if (rc == ORDO_OK) {
            char sql[128];
            snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES (%d, %lld)", v,
                     (long long)ordo_now_unix());
            rc = exec_sql(b, sql, "record migration", err);
        }
    }
    if (rc == ORDO_OK)
        rc = exec_sql(b, "COMMIT", "commit migration", err);
    else
        sqlite3_exec(b->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* ---- transactions ---- */

static int sq_tx_begin(store_backend_t *b, int depth, ordo_error_t *err)
{
    b->resv_seq = 0;
    b->resv_max_known = false;
    otail_begin(b->tail, depth);
    if (depth == 1)
        return exec_stmt(b, ST_BEGIN, "begin", err);
    if (depth == 2)
        return exec_stmt(b, ST_SAVEPOINT2, "savepoint", err);
    char sql[48];
    snprintf(sql, sizeof sql, "SAVEPOINT ordo_sp%d", depth);
    return exec_sql(b, sql, "savepoint", err);
}

static int sq_tx_commit(store_backend_t *b, int depth, ordo_error_t *err)
{
    if (depth == 1) {
        int rc = exec_stmt(b, ST_COMMIT, "commit", err);
        if (rc == ORDO_OK)
            otail_commit(b->tail, depth);
        return rc;
    }
    if (depth == 2)
        return exec_stmt(b, ST_RELEASE2, "release savepoint", err);
    char sql[48];
    snprintf(sql, sizeof sql, "RELEASE ordo_sp%d", depth);
    return exec_sql(b, sql, "release savepoint", err);
}

static int sq_tx_rollback(store_backend_t *b, int depth, ordo_error_t *err)
{
    b->resv_seq = 0;
    b->resv_max_known = false;
    otail_rollback(b->tail, depth);
    if (depth == 1) {
        if (sqlite3_get_autocommit(b->db))
            return ORDO_OK; /* SQLite already rolled back (e.g. after SQLITE_FULL) */
        return exec_stmt(b, ST_ROLLBACK, "rollback", err);
    }
    char sql[80];
    snprintf(sql, sizeof sql, "ROLLBACK TO ordo_sp%d; RELEASE ordo_sp%d", depth, depth);
    return exec_sql(b, sql, "rollback to savepoint", err);
}

/* ---- outcomes ---- */

/* outcome_event's order index as migration 8 made it; made again by every
 * open when missing (a run whose bulk load did not end: "bulk" below). */
#define EV_ORDER_INDEX                                                                             \
    "CREATE INDEX IF NOT EXISTS outcome_event_order ON outcome_event (order_id, at)"

/* A committed event of a bulk load's end, numbered seq, in that order. */
static void bulk_tail_row(void *ctx, const ordo_outcome_event_t *e, uint64_t seq)
{
    store_backend_t *b = ctx;
    otail_committed(b->tail, b->db, e, seq);
}

/* Bulk load (docs/internals/STORE.md "Bulk load"): on, the order index is
 * dropped and, into an empty outcome_event, the events are kept in memory
 * (outcome_bulk.c); off, they are stored in two statements and the index
 * is built again from the finished table (a sort). */
static int sq_outcomes_bulk(store_backend_t *b, bool on, ordo_error_t *err)
{
    char msg[256] = "";
    int s = SQLITE_OK;
    if (on && !b->mem)
        s = ordo_outcome_mem_begin(b->db, &b->mem, msg, sizeof msg);
    else if (!on && b->mem) {
        /* the tail gets the load's rows once they are committed, 4,096 at
         * a time; ended inside a caller's transaction it gets none (a gap
         * readers fill from SQLite) */
        otail_begin(b->tail, 1);
        s = ordo_outcome_mem_end_each(b->mem, b->db, bulk_tail_row, b, msg, sizeof msg);
        if (s == SQLITE_OK)
            otail_commit(b->tail, 1);
        else
            otail_rollback(b->tail, 1);
        b->mem = NULL;
    }
    if (s != SQLITE_OK)
        return ordo_error_set(err, map_code(s), b->path, 0, NULL, "sqlite %s: %s",
                              on ? "begin outcome bulk load" : "store bulk-loaded outcome events",
                              msg);
    return on ? ORDO_OK : exec_sql(b, EV_ORDER_INDEX, "build outcome index", err);
}

static int settle_stock(store_backend_t *b, const ordo_outcome_event_t *e, int64_t now,
                        ordo_error_t *err);

/* Events of a bulk load kept for its end (outcome_bulk.c): each counts as
 * inserted (a repeat is dropped there); shipments and cancellations settle
 * now, as row by row (settling twice settles nothing more). */
static int sq_outcomes_keep(store_backend_t *b, const ordo_outcome_event_t *ev, size_t n,
                            ordo_outcome_put_stats_t *stats, ordo_error_t *err)
{
    int64_t now = ordo_now_unix();
    int rc = ORDO_OK;
    for (size_t i = 0; i < n && rc == ORDO_OK; i++) {
        if (ordo_outcome_mem_add(b->mem, &ev[i], now))
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        rc = settle_stock(b, &ev[i], now, err);
    }
    if (rc == ORDO_OK && stats)
        stats->inserted += n;
    return rc;
}

static int sq_resv_settle(store_backend_t *b, const char *order_id, int64_t shipment,
                          ordo_stock_settle_t how, int64_t now, uint64_t *units, ordo_error_t *err);

/* A new event that ends a reservation: a cancellation releases the order's
 * held units, a shipment consumes its shipment's (docs/internals/STORE.md
 * "Stock"). In the ingest's transaction, so all-or-nothing with it; a
 * repeated event settles nothing again. */
static int settle_stock(store_backend_t *b, const ordo_outcome_event_t *e, int64_t now,
                        ordo_error_t *err)
{
    uint64_t units = 0;
    if (e->type == ORDO_OUTCOME_CANCELLED)
        return sq_resv_settle(b, e->order_id, -1, ORDO_STOCK_RELEASE, now, &units, err);
    if (e->type == ORDO_OUTCOME_SHIPPED)
        return sq_resv_settle(b, e->order_id, e->shipment, ORDO_STOCK_SHIP, now, &units, err);
    return ORDO_OK;
}

/* Columns 13-15: measure, value, node (NULL on other events). */
static void bind_measure(sqlite3_stmt *st, const ordo_outcome_event_t *e)
{
    if (e->type != ORDO_OUTCOME_MEASURE) {
        for (int c = 13; c <= 15; c++)
            sqlite3_bind_null(st, c);
        return;
    }
    bind_text(st, 13, ordo_measure_name((int)e->measure));
    sqlite3_bind_double(st, 14, e->value);
    if (e->node[0])
        bind_text(st, 15, e->node);
    else
        sqlite3_bind_null(st, 15);
}

/* Columns 12-14 of a read event: its measure, value and node. */
static int read_measure(store_event_cursor_t *c, ordo_outcome_event_t *e, ordo_error_t *err)
{
    if (e->type != ORDO_OUTCOME_MEASURE)
        return ORDO_OK;
    const char *name = col_text(c->st, 12);
    int m = ordo_measure_from_name(name, strlen(name));
    if (m < 0)
        return ordo_error_set(err, ORDO_ECORRUPT, c->b->path, 0, "measure",
                              "stored event %s has unknown measure '%s'", e->event_id, name);
    e->measure = (ordo_measure_t)m;
    e->value = sqlite3_column_double(c->st, 13);
    snprintf(e->node, sizeof e->node, "%s", col_text(c->st, 14));
    return ORDO_OK;
}

static int sq_outcomes_insert(store_backend_t *b, const ordo_outcome_event_t *ev, size_t n,
                              ordo_outcome_put_stats_t *stats, ordo_error_t *err)
{
    if (b->mem)
        return sq_outcomes_keep(b, ev, n, stats, err);
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_EV_INSERT, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    int64_t now = ordo_now_unix();
    for (size_t i = 0; i < n; i++) {
        const ordo_outcome_event_t *e = &ev[i];
        bind_text(st, 1, e->event_id);
        bind_text(st, 2, e->order_id);
        sqlite3_bind_int64(st, 3, e->shipment);
        bind_text(st, 4, ordo_outcome_type_name(e->type));
        sqlite3_bind_int64(st, 5, e->at);
        if (e->promised_by)
            sqlite3_bind_int64(st, 6, e->promised_by);
        else
            sqlite3_bind_null(st, 6);
        for (int p = 0; p < ORDO_COST_PARTS; p++) {
            if (e->cost_mask & (1u << p))
                sqlite3_bind_double(st, 7 + p, e->cost[p]);
            else
                sqlite3_bind_null(st, 7 + p);
        }
        if (e->has_refund)
            sqlite3_bind_double(st, 12, e->refund);
        else
            sqlite3_bind_null(st, 12);
        bind_measure(st, e);
        sqlite3_bind_int64(st, 16, now);
        int s = sqlite3_step(st);
        sqlite3_reset(st);
        if (s != SQLITE_DONE) {
            char what[160];
            snprintf(what, sizeof what, "insert outcome event '%.100s'", e->event_id);
            rc = sql_fail(b, s, what, err);
            break;
        }
        bool inserted = sqlite3_changes(b->db) > 0;
        if (stats) {
            if (inserted)
                stats->inserted++;
            else
                stats->duplicates++;
        }
        if (inserted)
            otail_inserted(b->tail, b->db, e);
        if (inserted && (rc = settle_stock(b, e, now, err)) != ORDO_OK)
            break;
    }
    stmt_put(st, owned);
    return rc;
}

static int sq_events_open(store_backend_t *b, const char *order_id, store_event_cursor_t **out,
                          ordo_error_t *err)
{
    store_event_cursor_t *c = calloc(1, sizeof *c);
    if (!c)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    c->b = b;
    int rc;
    if (order_id) {
        rc = stmt_get(b, ST_EV_ORDER, &c->st, &c->owned, err);
        if (rc == ORDO_OK)
            bind_text(c->st, 1, order_id);
    } else {
        /* a scan over everything gets its own statement: it stays open
         * while the caller may use the cached ones */
        rc = sqlite3_prepare_v2(b->db, stmt_sql[ST_EV_ALL], -1, &c->st, NULL);
        c->owned = true;
        if (rc != SQLITE_OK)
            rc = sql_fail(b, rc, "prepare", err);
    }
    if (rc != ORDO_OK) {
        free(c);
        return rc;
    }
    *out = c;
    return ORDO_OK;
}

/* Cursor over the events of every order with an event inserted after
 * change seq since, ordered as events_open's scan. */
static int sq_events_open_since(store_backend_t *b, uint64_t since, store_event_cursor_t **out,
                                ordo_error_t *err)
{
    store_event_cursor_t *c = calloc(1, sizeof *c);
    if (!c)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    c->b = b;
    c->owned = true;
    int rc = sqlite3_prepare_v2(b->db, stmt_sql[ST_EV_SINCE], -1, &c->st, NULL);
    if (rc != SQLITE_OK) {
        rc = sql_fail(b, rc, "prepare", err);
        free(c);
        return rc;
    }
    sqlite3_bind_int64(c->st, 1, (sqlite3_int64)since);
    *out = c;
    return ORDO_OK;
}

static int sq_outcome_changes(store_backend_t *b, uint64_t since, ordo_outcome_change_t *out,
                              size_t max, size_t *n, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_EV_CHANGES, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
    sqlite3_bind_int64(st, 2, max > INT64_MAX ? INT64_MAX : (sqlite3_int64)max);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 1);
        size_t len = id ? strlen(id) : 0;
        if (!len || len >= ORDO_OUTCOME_ID_MAX) {
            stmt_put(st, owned);
            return ordo_error_set(err, ORDO_ECORRUPT, NULL, 0, "order_id",
                                  "outcome change %lld has an order id of length %zu",
                                  (long long)sqlite3_column_int64(st, 0), len);
        }
        out[*n].seq = (uint64_t)sqlite3_column_int64(st, 0);
        memcpy(out[*n].order_id, id, len + 1);
        (*n)++;
    }
    rc = s == SQLITE_DONE ? ORDO_OK : sql_fail(b, s, "outcome changes", err);
    stmt_put(st, owned);
    return rc;
}

static int sq_outcome_seq(store_backend_t *b, uint64_t *seq, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_EV_SEQ, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        *seq = (uint64_t)sqlite3_column_int64(st, 0);
        rc = ORDO_OK;
    } else {
        rc = sql_fail(b, s, "outcome change seq", err);
    }
    stmt_put(st, owned);
    return rc;
}

static int copy_id(char *dst, const char *src, const char *what, store_backend_t *b,
                   ordo_error_t *err)
{
    size_t n = strlen(src);
    if (n == 0 || n >= ORDO_OUTCOME_ID_MAX)
        return ordo_error_set(err, ORDO_ECORRUPT, b->path, 0, what,
                              "stored %s has length %zu (must be 1..%d)", what, n,
                              ORDO_OUTCOME_ID_MAX - 1);
    memcpy(dst, src, n + 1);
    return ORDO_OK;
}

static int sq_events_next(store_event_cursor_t *c, ordo_outcome_event_t *e, ordo_error_t *err)
{
    int s = sqlite3_step(c->st);
    if (s == SQLITE_DONE)
        return 0;
    if (s != SQLITE_ROW)
        return sql_fail(c->b, s, "read outcome events", err);
    sqlite3_stmt *st = c->st;
    memset(e, 0, sizeof *e);
    int rc = copy_id(e->event_id, col_text(st, 0), "event_id", c->b, err);
    if (rc == ORDO_OK)
        rc = copy_id(e->order_id, col_text(st, 1), "order_id", c->b, err);
    if (rc != ORDO_OK)
        return rc;
    e->shipment = (uint32_t)sqlite3_column_int64(st, 2);
    const char *type = col_text(st, 3);
    e->type = ordo_outcome_type_from_name(type, strlen(type));
    e->at = sqlite3_column_int64(st, 4);
    e->promised_by = sqlite3_column_int64(st, 5); /* NULL reads as 0 */
    for (int p = 0; p < ORDO_COST_PARTS; p++) {
        if (sqlite3_column_type(st, 6 + p) != SQLITE_NULL) {
            e->cost[p] = sqlite3_column_double(st, 6 + p);
            e->cost_mask |= 1u << p;
        }
    }
    if (sqlite3_column_type(st, 11) != SQLITE_NULL) {
        e->refund = sqlite3_column_double(st, 11);
        e->has_refund = true;
    }
    if (e->type == ORDO_OUTCOME_NONE)
        return ordo_error_set(err, ORDO_ECORRUPT, c->b->path, 0, "type",
                              "stored event %s has unknown type '%s'", e->event_id, type);
    rc = read_measure(c, e, err);
    return rc == ORDO_OK ? 1 : rc;
}

static void sq_events_close(store_event_cursor_t *c)
{
    if (!c)
        return;
    stmt_put(c->st, c->owned);
    free(c);
}

static int sq_outcome_counts(store_backend_t *b, uint64_t *events, uint64_t *orders,
                             ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    /* without orders: no DISTINCT scan, only the b-tree count */
    int rc = stmt_get(b, orders ? ST_EV_COUNT : ST_EV_COUNT_EVENTS, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        if (events)
            *events = (uint64_t)sqlite3_column_int64(st, 0);
        if (orders)
            *orders = (uint64_t)sqlite3_column_int64(st, 1);
        rc = ORDO_OK;
    } else {
        rc = sql_fail(b, s, "count outcome events", err);
    }
    stmt_put(st, owned);
    return rc;
}

/* ---- documents ---- */

/* Version of (kind, id) from statement idx (ST_DOC_CUR or ST_DOC_MAXVER);
 * 0 when absent. */
static int doc_version(store_backend_t *b, int idx, const char *kind, const char *id,
                       uint64_t *version, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, idx, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_text(st, 1, kind);
    bind_text(st, 2, id);
    int s = sqlite3_step(st);
    *version = 0;
    if (s == SQLITE_ROW)
        *version = (uint64_t)sqlite3_column_int64(st, 0);
    stmt_put(st, owned);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return sql_fail(b, s, "read document version", err);
    return ORDO_OK;
}

static int doc_write(store_backend_t *b, int idx, const char *kind, const char *id,
                     uint64_t version, const char *json, size_t json_len, int64_t now,
                     ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, idx, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_text(st, 1, kind);
    bind_text(st, 2, id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)version);
    if (json)
        sqlite3_bind_text(st, 4, json, (int)json_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, now);
    int s = sqlite3_step(st);
    stmt_put(st, owned);
    if (s != SQLITE_DONE)
        return sql_fail(b, s, "write document", err);
    return ORDO_OK;
}

/* The version rules of a document put or delete (store_internal.h). */
int ordo_store_version_check(const char *kind, const char *id, uint64_t cur, uint64_t expected,
                             ordo_error_t *err)
{
    if (expected == ORDO_STORE_ANY_VERSION || expected == cur)
        return ORDO_OK;
    if (cur == 0)
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "id",
                              "%s '%s' does not exist (expected version %llu)", kind, id,
                              (unsigned long long)expected);
    if (expected == 0)
        return ordo_error_set(err, ORDO_EEXIST, NULL, 0, "id",
                              "%s '%s' already exists (version %llu)", kind, id,
                              (unsigned long long)cur);
    return ordo_error_set(err, ORDO_ECONFLICT, NULL, 0, "version",
                          "version conflict on %s '%s': expected %llu, current is %llu", kind, id,
                          (unsigned long long)expected, (unsigned long long)cur);
}

static int sq_doc_put(store_backend_t *b, const char *kind, const char *id, const char *json,
                      size_t json_len, uint64_t expected, int64_t now, uint64_t *new_version,
                      ordo_error_t *err)
{
    uint64_t cur, maxv;
    int rc = doc_version(b, ST_DOC_CUR, kind, id, &cur, err);
    if (rc == ORDO_OK)
        rc = ordo_store_version_check(kind, id, cur, expected, err);
    if (rc == ORDO_OK)
        rc = doc_version(b, ST_DOC_MAXVER, kind, id, &maxv, err);
    if (rc != ORDO_OK)
        return rc;
    uint64_t v = (maxv > cur ? maxv : cur) + 1;
    rc = doc_write(b, ST_DOC_UPSERT, kind, id, v, json, json_len, now, err);
    if (rc == ORDO_OK)
        rc = doc_write(b, ST_DOC_HIST_INSERT, kind, id, v, json, json_len, now, err);
    if (rc == ORDO_OK && new_version)
        *new_version = v;
    return rc;
}

static int sq_doc_get(store_backend_t *b, const char *kind, const char *id, uint64_t version,
                      char **json, size_t *json_len, uint64_t *version_out, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, version ? ST_DOC_GET_VERSION : ST_DOC_GET, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_text(st, 1, kind);
    bind_text(st, 2, id);
    if (version)
        sqlite3_bind_int64(st, 3, (sqlite3_int64)version);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        char *copy = malloc(n + 1);
        if (!copy) {
            rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        } else {
            memcpy(copy, t ? t : "", n);
            copy[n] = 0;
            *json = copy;
            if (json_len)
                *json_len = n;
            if (version_out)
                *version_out = (uint64_t)sqlite3_column_int64(st, 1);
        }
    } else if (s == SQLITE_ROW || s == SQLITE_DONE) {
        if (version)
            rc = ordo_error_set(
                err, ORDO_ENOTFOUND, NULL, 0, "version", "%s '%s' has no version %llu%s", kind, id,
                (unsigned long long)version, s == SQLITE_ROW ? " (that version deleted it)" : "");
        else
            rc = ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "id", "no %s '%s'", kind, id);
    } else {
        rc = sql_fail(b, s, "read document", err);
    }
    stmt_put(st, owned);
    return rc;
}

static int sq_doc_delete(store_backend_t *b, const char *kind, const char *id, uint64_t expected,
                         int64_t now, ordo_error_t *err)
{
    uint64_t cur, maxv;
    int rc = doc_version(b, ST_DOC_CUR, kind, id, &cur, err);
    if (rc == ORDO_OK && cur == 0)
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "id", "no %s '%s'", kind, id);
    if (rc == ORDO_OK)
        rc = ordo_store_version_check(kind, id, cur, expected, err);
    if (rc == ORDO_OK)
        rc = doc_version(b, ST_DOC_MAXVER, kind, id, &maxv, err);
    if (rc != ORDO_OK)
        return rc;
    sqlite3_stmt *st;
    bool owned;
    rc = stmt_get(b, ST_DOC_DELETE, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_text(st, 1, kind);
    bind_text(st, 2, id);
    int s = sqlite3_step(st);
    stmt_put(st, owned);
    if (s != SQLITE_DONE)
        return sql_fail(b, s, "delete document", err);
    uint64_t v = (maxv > cur ? maxv : cur) + 1;
    return doc_write(b, ST_DOC_HIST_INSERT, kind, id, v, NULL, 0, now, err);
}

static int sq_doc_list(store_backend_t *b, const char *kind, ordo_store_doc_fn fn, void *ctx,
                       ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_DOC_LIST, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_text(st, 1, kind);
    for (;;) {
        int s = sqlite3_step(st);
        if (s == SQLITE_DONE)
            break;
        if (s != SQLITE_ROW) {
            rc = sql_fail(b, s, "list documents", err);
            break;
        }
        ordo_store_doc_t d = {
            .kind = kind,
            .id = col_text(st, 0),
            .json = col_text(st, 1),
            .json_len = (size_t)sqlite3_column_bytes(st, 1),
            .version = (uint64_t)sqlite3_column_int64(st, 2),
            .updated_at = sqlite3_column_int64(st, 3),
        };
        rc = fn(ctx, &d);
        if (rc != 0)
            break;
    }
    stmt_put(st, owned);
    return rc;
}

/* ---- audit ---- */

static int sq_audit_append(store_backend_t *b, const ordo_store_audit_entry_t *e, uint64_t *seq,
                           ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_AUDIT_INSERT, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_text(st, 1, e->kind);
    bind_text(st, 2, e->id);
    bind_text(st, 3, e->actor);
    bind_text(st, 4, e->action);
    bind_text(st, 5, e->reason);
    bind_text(st, 6, e->detail_json);
    sqlite3_bind_int64(st, 7, e->ts);
    int s = sqlite3_step(st);
    stmt_put(st, owned);
    if (s != SQLITE_DONE)
        return sql_fail(b, s, "append audit entry", err);
    if (seq)
        *seq = (uint64_t)sqlite3_last_insert_rowid(b->db);
    return ORDO_OK;
}

static int sq_audit_list(store_backend_t *b, const char *kind, const char *id,
                         ordo_store_audit_fn fn, void *ctx, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, id ? ST_AUDIT_LIST_ID : ST_AUDIT_LIST_KIND, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_text(st, 1, kind);
    if (id)
        bind_text(st, 2, id);
    for (;;) {
        int s = sqlite3_step(st);
        if (s == SQLITE_DONE)
            break;
        if (s != SQLITE_ROW) {
            rc = sql_fail(b, s, "list audit entries", err);
            break;
        }
        ordo_store_audit_entry_t e = {
            .seq = (uint64_t)sqlite3_column_int64(st, 0),
            .kind = col_text(st, 1),
            .id = col_text(st, 2),
            .actor = col_text(st, 3),
            .action = col_text(st, 4),
            .reason = col_text(st, 5),
            .detail_json = col_text(st, 6),
            .ts = sqlite3_column_int64(st, 7),
        };
        rc = fn(ctx, &e);
        if (rc != 0)
            break;
    }
    stmt_put(st, owned);
    return rc;
}

/* ---- customer pseudonyms ---- */

static int sq_secret_get(store_backend_t *b, const char *name, uint8_t *out, size_t n,
                         ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_SECRET_GET, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_text(st, 1, name);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW && (size_t)sqlite3_column_bytes(st, 0) == n) {
        memcpy(out, sqlite3_column_blob(st, 0), n);
    } else if (s == SQLITE_ROW || s == SQLITE_DONE) {
        rc = ordo_error_set(err, ORDO_ECORRUPT, b->path, 0, name,
                            "the store's secret '%s' is missing or malformed", name);
    } else {
        rc = sql_fail(b, s, "read secret", err);
    }
    stmt_put(st, owned);
    return rc;
}

static int sq_customer_put(store_backend_t *b, const char *key, const char *customer_id,
                           int64_t now, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_CUST_PUT, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_text(st, 1, key);
    bind_text(st, 2, customer_id);
    sqlite3_bind_int64(st, 3, now);
    int s = sqlite3_step(st);
    stmt_put(st, owned);
    return s == SQLITE_DONE ? ORDO_OK : sql_fail(b, s, "write customer key", err);
}

static int sq_customer_get(store_backend_t *b, const char *key, char **customer_id,
                           ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_CUST_GET, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_text(st, 1, key);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        *customer_id = strdup(col_text(st, 0));
        if (!*customer_id)
            rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    } else if (s == SQLITE_DONE) {
        rc = ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "key", "no customer with key '%s'", key);
    } else {
        rc = sql_fail(b, s, "read customer key", err);
    }
    stmt_put(st, owned);
    return rc;
}

static int sq_customer_erase(store_backend_t *b, const char *key, const char *customer_id,
                             uint64_t *n, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_CUST_ERASE, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_text(st, 1, key);
    bind_text(st, 2, customer_id);
    int s = sqlite3_step(st);
    stmt_put(st, owned);
    if (s != SQLITE_DONE)
        return sql_fail(b, s, "erase customer key", err);
    *n = (uint64_t)sqlite3_changes(b->db);
    return ORDO_OK;
}

/* Copies the WAL into the database and truncates it to zero bytes, so that
 * no old page (an erased row) stays in the WAL file. 1 when a reader kept
 * the checkpoint from completing. */
static int sq_compact(store_backend_t *b, int *busy, ordo_error_t *err)
{
    int log = 0, ckpt = 0;
    int s = sqlite3_wal_checkpoint_v2(b->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &ckpt);
    *busy = (s & 0xff) == SQLITE_BUSY || (s == SQLITE_OK && log != ckpt);
    if (s != SQLITE_OK && (s & 0xff) != SQLITE_BUSY)
        return sql_fail(b, s, "checkpoint", err);
    return ORDO_OK;
}

/* ---- stock ---- */

static void bind_cell(sqlite3_stmt *st, const char *node, const char *sku)
{
    bind_text(st, 1, node);
    bind_text(st, 2, sku);
}

static int sq_stock_reserve(store_backend_t *b, const char *node, const char *sku,
                            const ordo_stock_row_t *seed, int64_t qty, bool respect_safety,
                            bool force, bool *taken, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_STOCK_RESERVE, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_cell(st, node, sku);
    sqlite3_bind_int64(st, 3, seed->on_hand);
    sqlite3_bind_int64(st, 4, seed->reserved + qty);
    sqlite3_bind_int64(st, 5, seed->safety);
    sqlite3_bind_int64(st, 6, seed->as_of);
    sqlite3_bind_int64(st, 7, qty);
    sqlite3_bind_int(st, 8, force ? 1 : 0);
    sqlite3_bind_int(st, 9, respect_safety ? 1 : 0);
    int s = sqlite3_step(st);
    stmt_put(st, owned);
    if (s != SQLITE_DONE)
        return sql_fail(b, s, "reserve stock", err);
    *taken = sqlite3_changes(b->db) > 0;
    return ORDO_OK;
}

/* Runs a cached statement binding (node, sku, a, b) without result rows;
 * *changed the rows it changed. */
static int exec_cell(store_backend_t *b, int idx, const char *node, const char *sku, int64_t a,
                     int64_t c, const char *what, int *changed, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, idx, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_cell(st, node, sku);
    sqlite3_bind_int64(st, 3, a);
    if (sqlite3_bind_parameter_count(st) >= 4)
        sqlite3_bind_int64(st, 4, c);
    int s = sqlite3_step(st);
    stmt_put(st, owned);
    if (s != SQLITE_DONE)
        return sql_fail(b, s, what, err);
    if (changed)
        *changed = sqlite3_changes(b->db);
    return ORDO_OK;
}

static int sq_stock_unreserve(store_backend_t *b, const char *node, const char *sku, int64_t qty,
                              ordo_error_t *err)
{
    return exec_cell(b, ST_STOCK_UNRESERVE, node, sku, qty, 0, "unreserve stock", NULL, err);
}

static void stock_row_from(sqlite3_stmt *st, int col, ordo_stock_row_t *r)
{
    r->on_hand = sqlite3_column_int64(st, col);
    r->reserved = sqlite3_column_int64(st, col + 1);
    r->safety = sqlite3_column_int64(st, col + 2);
    r->as_of = sqlite3_column_int64(st, col + 3);
}

static int sq_stock_get(store_backend_t *b, const char *node, const char *sku,
                        ordo_stock_row_t *out, bool *found, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_STOCK_GET, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_cell(st, node, sku);
    int s = sqlite3_step(st);
    *found = s == SQLITE_ROW;
    memset(out, 0, sizeof *out);
    if (s == SQLITE_ROW)
        stock_row_from(st, 0, out);
    stmt_put(st, owned);
    return s == SQLITE_ROW || s == SQLITE_DONE ? ORDO_OK : sql_fail(b, s, "read stock", err);
}

static int sq_stock_list(store_backend_t *b, ordo_store_stock_fn fn, void *ctx, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_STOCK_LIST, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        ordo_stock_row_t r = {.node = col_text(st, 0), .sku = col_text(st, 1)};
        stock_row_from(st, 2, &r);
        if ((rc = fn(ctx, &r)) != 0)
            break;
    }
    if (rc == ORDO_OK && s != SQLITE_DONE)
        rc = sql_fail(b, s, "list stock", err);
    stmt_put(st, owned);
    return rc;
}

static int sq_stock_set(store_backend_t *b, const char *node, const char *sku, int64_t on_hand,
                        int64_t safety, int64_t as_of, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_STOCK_SET, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_cell(st, node, sku);
    sqlite3_bind_int64(st, 3, on_hand);
    if (safety >= 0)
        sqlite3_bind_int64(st, 4, safety);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, as_of);
    int s = sqlite3_step(st);
    stmt_put(st, owned);
    return s == SQLITE_DONE ? ORDO_OK : sql_fail(b, s, "set stock", err);
}

static int sq_stock_add(store_backend_t *b, const char *node, const char *sku, int64_t qty,
                        int64_t as_of, bool *found, ordo_error_t *err)
{
    int changed = 0;
    int rc = exec_cell(b, ST_STOCK_ADD, node, sku, qty, as_of, "add stock", &changed, err);
    *found = changed > 0;
    return rc;
}

/* The k of a new reservation row when it is known without counting: the
 * next line of the seq inserted last, or 0 for a seq past every stored
 * one; -1 otherwise (then the insert counts). Only inside a transaction. */
static int64_t resv_known_k(store_backend_t *b, uint64_t seq)
{
    if (!seq || sqlite3_get_autocommit(b->db))
        return -1;
    if (seq == b->resv_seq)
        return b->resv_k + 1;
    if (!b->resv_max_known) {
        sqlite3_stmt *st;
        bool owned;
        if (stmt_get(b, ST_RESV_MAX_SEQ, &st, &owned, NULL) != ORDO_OK)
            return -1;
        if (sqlite3_step(st) == SQLITE_ROW) {
            b->resv_max = (uint64_t)sqlite3_column_int64(st, 0);
            b->resv_max_known = true;
        }
        stmt_put(st, owned);
    }
    return b->resv_max_known && seq > b->resv_max ? 0 : -1;
}

static int sq_resv_add(store_backend_t *b, uint64_t seq, const char *order_id, uint32_t shipment,
                       const char *node, const char *sku, int64_t qty, int64_t now,
                       ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int64_t k = resv_known_k(b, seq);
    b->resv_seq = 0;
    int rc = stmt_get(b, k >= 0 ? ST_RESV_INSERT_K : ST_RESV_INSERT, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    bind_text(st, 2, order_id);
    sqlite3_bind_int64(st, 3, shipment);
    bind_text(st, 4, node);
    bind_text(st, 5, sku);
    sqlite3_bind_int64(st, 6, qty);
    sqlite3_bind_int64(st, 7, now);
    if (k >= 0)
        sqlite3_bind_int64(st, 8, k);
    int s = sqlite3_step(st);
    stmt_put(st, owned);
    if (s != SQLITE_DONE)
        return sql_fail(b, s, "insert reservation", err);
    if (k >= 0) {
        b->resv_seq = seq;
        b->resv_k = k;
        if (seq > b->resv_max)
            b->resv_max = seq;
    }
    return ORDO_OK;
}

/* ---- a plan's reservation ---- */

/* The plan's lines, in their order, by the statements of sq_stock_reserve
 * and sq_resv_add (in the caller's transaction); *refused 1 + the index of
 * the first cell that refused (the earlier ones are taken: the caller
 * rolls back), else 0. */
static int plan_run(store_backend_t *b, uint64_t seq, const char *order_id,
                    const ordo_store_plan_cell_t *cells, uint32_t n, bool keep_safety, int64_t now,
                    int32_t *refused, ordo_error_t *err)
{
    *refused = 0;
    int rc = ORDO_OK;
    for (uint32_t i = 0; rc == ORDO_OK && i < n; i++) {
        const ordo_store_plan_cell_t *c = &cells[i];
        bool taken = false;
        rc =
            sq_stock_reserve(b, c->node, c->sku, &c->seed, c->qty, keep_safety, false, &taken, err);
        if (rc == ORDO_OK && !taken) {
            *refused = (int32_t)i + 1;
            break;
        }
        if (rc == ORDO_OK)
            rc = sq_resv_add(b, seq, order_id, c->shipment, c->node, c->sku, c->qty, now, err);
    }
    return rc;
}

/* ordo_store_stock_reserve_plan: PostgreSQL's ordo_reserve_plan
 * (postgres_schema.h) on SQLite, in a transaction of its own. */
static int sq_stock_reserve_plan(store_backend_t *b, uint64_t seq, const char *order_id,
                                 const ordo_store_plan_cell_t *cells, uint32_t n,
                                 bool respect_safety, const char *customer_key,
                                 const char *customer_id, int64_t now, int32_t *result,
                                 ordo_error_t *err)
{
    *result = 0;
    if (!sqlite3_get_autocommit(b->db))
        return ordo_error_set(err, ORDO_ESTATE, NULL, 0, NULL,
                              "a plan's reservation runs outside any transaction");
    int rc = sq_tx_begin(b, 1, err);
    if (rc != ORDO_OK)
        return rc;
    sqlite3_stmt *st;
    bool owned;
    if (resv_known_k(b, seq) != 0 &&
        (rc = stmt_get(b, ST_RESV_OF_SEQ, &st, &owned, err)) == ORDO_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
        bind_text(st, 2, order_id);
        int s = sqlite3_step(st);
        stmt_put(st, owned);
        if (s == SQLITE_ROW)
            *result = -1; /* a retry: nothing changes */
        else if (s != SQLITE_DONE)
            rc = sql_fail(b, s, "read reservations", err);
    }
    if (rc == ORDO_OK && *result == 0)
        rc = plan_run(b, seq, order_id, cells, n, respect_safety, now, result, err);
    if (rc == ORDO_OK && *result == 0 && customer_key && customer_id)
        rc = sq_customer_put(b, customer_key, customer_id, now, err);
    if (rc == ORDO_OK && *result == 0)
        return sq_tx_commit(b, 1, err);
    sq_tx_rollback(b, 1, NULL);
    return rc;
}

typedef struct resv_row {
    int64_t seq, k, qty;
    char node[ORDO_STOCK_ID_MAX], sku[ORDO_STOCK_ID_MAX];
} resv_row_t;

/* The rows a select (ST_RESV_HELD, ST_RESV_AFTER) returns, collected
 * before anything is changed; *rows malloc'd. */
static int resv_collect(store_backend_t *b, sqlite3_stmt *st, resv_row_t **rows, size_t *n,
                        ordo_error_t *err)
{
    size_t cap = 0;
    *rows = NULL;
    *n = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            resv_row_t *r = realloc(*rows, cap * sizeof *r);
            if (!r)
                return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
            *rows = r;
        }
        resv_row_t *r = &(*rows)[(*n)++];
        r->seq = sqlite3_column_int64(st, 0);
        r->k = sqlite3_column_int64(st, 1);
        snprintf(r->node, sizeof r->node, "%s", col_text(st, 2));
        snprintf(r->sku, sizeof r->sku, "%s", col_text(st, 3));
        r->qty = sqlite3_column_int64(st, 4);
    }
    return s == SQLITE_DONE ? ORDO_OK : sql_fail(b, s, "read reservations", err);
}

static int resv_mark(store_backend_t *b, const resv_row_t *r, const char *state, int64_t now,
                     ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_RESV_MARK, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    sqlite3_bind_int64(st, 1, r->seq);
    sqlite3_bind_int64(st, 2, r->k);
    bind_text(st, 3, state);
    sqlite3_bind_int64(st, 4, now);
    int s = sqlite3_step(st);
    stmt_put(st, owned);
    return s == SQLITE_DONE ? ORDO_OK : sql_fail(b, s, "settle reservation", err);
}

static int sq_resv_settle(store_backend_t *b, const char *order_id, int64_t shipment,
                          ordo_stock_settle_t how, int64_t now, uint64_t *units, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_RESV_HELD, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_text(st, 1, order_id);
    sqlite3_bind_int64(st, 2, shipment);
    resv_row_t *rows;
    size_t n;
    rc = resv_collect(b, st, &rows, &n, err);
    stmt_put(st, owned);
    *units = 0;
    for (size_t i = 0; rc == ORDO_OK && i < n; i++) {
        int64_t q = rows[i].qty;
        rc = exec_cell(b, ST_STOCK_SETTLE, rows[i].node, rows[i].sku, q,
                       how == ORDO_STOCK_SHIP ? q : 0, "settle stock", NULL, err);
        if (rc == ORDO_OK)
            rc = resv_mark(b, &rows[i], how == ORDO_STOCK_SHIP ? "shipped" : "released", now,
                           err);
        *units += (uint64_t)q;
    }
    free(rows);
    return rc;
}

static int sq_resv_drop_after(store_backend_t *b, uint64_t last, uint64_t *units,
                              ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_RESV_AFTER, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)last);
    resv_row_t *rows;
    size_t n;
    rc = resv_collect(b, st, &rows, &n, err);
    stmt_put(st, owned);
    *units = 0;
    for (size_t i = 0; rc == ORDO_OK && i < n; i++) {
        rc = sq_stock_unreserve(b, rows[i].node, rows[i].sku, rows[i].qty, err);
        *units += (uint64_t)rows[i].qty;
    }
    free(rows);
    if (rc == ORDO_OK && (rc = stmt_get(b, ST_RESV_DELETE_AFTER, &st, &owned, err)) == ORDO_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)last);
        int s = sqlite3_step(st);
        stmt_put(st, owned);
        if (s != SQLITE_DONE)
            rc = sql_fail(b, s, "drop reservations", err);
    }
    return rc;
}

static int sq_meta_get(store_backend_t *b, const char *name, int64_t *value, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_META_GET, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_text(st, 1, name);
    int s = sqlite3_step(st);
    *value = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    stmt_put(st, owned);
    return s == SQLITE_ROW || s == SQLITE_DONE ? ORDO_OK : sql_fail(b, s, "read stock mark", err);
}

static int sq_meta_set(store_backend_t *b, const char *name, int64_t value, ordo_error_t *err)
{
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_META_SET, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    bind_text(st, 1, name);
    sqlite3_bind_int64(st, 2, value);
    int s = sqlite3_step(st);
    stmt_put(st, owned);
    return s == SQLITE_DONE ? ORDO_OK : sql_fail(b, s, "write stock mark", err);
}

static int sq_stock_totals(store_backend_t *b, ordo_stock_totals_t *out, ordo_error_t *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    bool owned;
    int rc = stmt_get(b, ST_RESV_TOTALS, &st, &owned, err);
    if (rc != ORDO_OK)
        return rc;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        out->held_units = (uint64_t)sqlite3_column_int64(st, 0);
        out->held = (uint64_t)sqlite3_column_int64(st, 1);
        out->max_seq = (uint64_t)sqlite3_column_int64(st, 2);
    }
    stmt_put(st, owned);
    if (s != SQLITE_ROW)
        return sql_fail(b, s, "reservation totals", err);
    sqlite3_stmt *c = NULL;
    s = sqlite3_prepare_v2(b->db, "SELECT count(*) FROM stock", -1, &c, NULL);
    if (s == SQLITE_OK && (s = sqlite3_step(c)) == SQLITE_ROW)
        out->cells = (uint64_t)sqlite3_column_int64(c, 0);
    sqlite3_finalize(c);
    if (s != SQLITE_ROW)
        return sql_fail(b, s, "count stock", err);
    int64_t applied = 0;
    rc = sq_meta_get(b, "applied_seq", &applied, err);
    out->applied_seq = applied > 0 ? (uint64_t)applied : 0;
    return rc;
}

static int sq_checkpoint(store_backend_t *b, int pages, bool run, ordo_error_t *err)
{
    if (pages >= 0)
        sqlite3_wal_autocheckpoint(b->db, pages);
    if (!run)
        return ORDO_OK;
    int s = sqlite3_wal_checkpoint_v2(b->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return s == SQLITE_OK || (s & 0xff) == SQLITE_BUSY ? ORDO_OK : sql_fail(b, s, "checkpoint", err);
}

/* ---- signals (prepared per call: an apply and a reload are rare) ---- */

static int sq_signals_latest(store_backend_t *b, uint64_t *version, ordo_error_t *err)
{
    sqlite3_stmt *st;
    int s = sqlite3_prepare_v2(b->db, "SELECT coalesce(max(version), 0) FROM signal_version", -1,
                               &st, NULL);
    if (s != SQLITE_OK)
        return sql_fail(b, s, "read signal version", err);
    s = sqlite3_step(st);
    *version = s == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return s == SQLITE_ROW ? ORDO_OK : sql_fail(b, s, "read signal version", err);
}

static int signals_insert_rows(store_backend_t *b, uint64_t version,
                               const store_signal_row_t *rows, size_t n, ordo_error_t *err)
{
    sqlite3_stmt *st;
    int s = sqlite3_prepare_v2(b->db,
                               "INSERT INTO signal (version, line, kind, effective_from, "
                               "effective_to, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                               -1, &st, NULL);
    if (s != SQLITE_OK)
        return sql_fail(b, s, "store signals", err);
    s = SQLITE_DONE;
    for (size_t i = 0; i < n && s == SQLITE_DONE; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, (int64_t)version);
        sqlite3_bind_int64(st, 2, rows[i].line);
        sqlite3_bind_text(st, 3, rows[i].kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, rows[i].from);
        if (rows[i].to == INT64_MAX)
            sqlite3_bind_null(st, 5);
        else
            sqlite3_bind_int64(st, 5, rows[i].to);
        sqlite3_bind_text(st, 6, rows[i].doc, (int)rows[i].doc_len, SQLITE_STATIC);
        s = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? ORDO_OK : sql_fail(b, s, "store signals", err);
}

static int sq_signals_put(store_backend_t *b, const store_signal_row_t *rows, size_t n,
                          const char *source, int64_t now, uint64_t *version, ordo_error_t *err)
{
    uint64_t v;
    int rc = sq_signals_latest(b, &v, err);
    if (rc)
        return rc;
    *version = ++v;
    sqlite3_stmt *st;
    int s = sqlite3_prepare_v2(b->db,
                               "INSERT INTO signal_version (version, source, signals, applied_at) "
                               "VALUES (?1, ?2, ?3, ?4)",
                               -1, &st, NULL);
    if (s != SQLITE_OK)
        return sql_fail(b, s, "store signal version", err);
    sqlite3_bind_int64(st, 1, (int64_t)v);
    sqlite3_bind_text(st, 2, source ? source : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (int64_t)n);
    sqlite3_bind_int64(st, 4, now);
    s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s != SQLITE_DONE)
        return sql_fail(b, s, "store signal version", err);
    return signals_insert_rows(b, v, rows, n, err);
}

static int sq_signals_list(store_backend_t *b, uint64_t max_version, store_signal_fn fn, void *ctx,
                           ordo_error_t *err)
{
    sqlite3_stmt *st;
    int s = sqlite3_prepare_v2(b->db,
                               "SELECT s.version, s.line, s.doc, v.source FROM signal s JOIN "
                               "signal_version v USING (version) WHERE s.version <= ?1 "
                               "ORDER BY s.version, s.line",
                               -1, &st, NULL);
    if (s != SQLITE_OK)
        return sql_fail(b, s, "read signals", err);
    sqlite3_bind_int64(st, 1, max_version > INT64_MAX ? INT64_MAX : (int64_t)max_version);
    int rc = ORDO_OK;
    while (rc == ORDO_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *doc = (const char *)sqlite3_column_text(st, 2);
        size_t len = (size_t)sqlite3_column_bytes(st, 2);
        const char *src = (const char *)sqlite3_column_text(st, 3);
        rc = fn(ctx, (uint64_t)sqlite3_column_int64(st, 0), (uint32_t)sqlite3_column_int64(st, 1),
                doc ? doc : "", len, src ? src : "");
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;
    return s == SQLITE_DONE ? ORDO_OK : sql_fail(b, s, "read signals", err);
}

/* The busy handler: retries every millisecond (SQLite's own sleeps grow to
 * 100 ms) until store.busy_timeout_ms have passed, so that a writer waiting
 * for a decider (which holds the write lock for about 0.5 s, then lets go
 * for a moment) gets the lock at that moment, not after the batch. */
static int busy_wait(void *ctx, int count)
{
    store_backend_t *b = ctx;
    uint64_t now = ordo_now_ns();
    if (count == 0)
        b->busy_since = now;
    if (now - b->busy_since >= (uint64_t)b->busy_ms * 1000000u)
        return 0;
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
    return 1;
}

static const store_ops_t sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .schema_version = sq_schema_version,
    .data_version = sq_data_version,
    .tx_begin = sq_tx_begin,
    .tx_commit = sq_tx_commit,
    .tx_rollback = sq_tx_rollback,
    .outcomes_insert = sq_outcomes_insert,
    .events_open = sq_events_open,
    .events_next = sq_events_next,
    .events_close = sq_events_close,
    .outcome_counts = sq_outcome_counts,
    .events_open_since = sq_events_open_since,
    .outcome_seq = sq_outcome_seq,
    .outcome_changes = sq_outcome_changes,
    .outcomes_bulk = sq_outcomes_bulk,
    .doc_put = sq_doc_put,
    .doc_get = sq_doc_get,
    .doc_delete = sq_doc_delete,
    .doc_list = sq_doc_list,
    .audit_append = sq_audit_append,
    .audit_list = sq_audit_list,
    .secret_get = sq_secret_get,
    .customer_put = sq_customer_put,
    .customer_get = sq_customer_get,
    .customer_erase = sq_customer_erase,
    .compact = sq_compact,
    .stock_reserve = sq_stock_reserve,
    .stock_reserve_plan = sq_stock_reserve_plan,
    .stock_unreserve = sq_stock_unreserve,
    .stock_get = sq_stock_get,
    .stock_list = sq_stock_list,
    .stock_set = sq_stock_set,
    .stock_add = sq_stock_add,
    .resv_add = sq_resv_add,
    .resv_settle = sq_resv_settle,
    .resv_drop_after = sq_resv_drop_after,
    .stock_totals = sq_stock_totals,
    .meta_get = sq_meta_get,
    .meta_set = sq_meta_set,
    .checkpoint = sq_checkpoint,
    .signals_put = sq_signals_put,
    .signals_list = sq_signals_list,
    .signals_latest = sq_signals_latest,
};

/* Process-wide, before SQLite's first use: no memory statistics (ordo
 * reads none), which takes a global mutex off every allocation SQLite
 * makes (6% of an outcome event's insert). SQLITE_MISUSE when the process
 * used SQLite before: then nothing changes. */
static pthread_once_t sq_config_once = PTHREAD_ONCE_INIT;
static void sq_config(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* A bulk load under way, or one whose process died: its events are not
 * stored (outcome_bulk.c), so the store is refused, saying why. */
static int bulk_check(store_backend_t *b, ordo_error_t *err)
{
    char msg[400] = "";
    int s = ordo_outcome_mem_check(b->db, msg, sizeof msg);
    return s == SQLITE_OK ? ORDO_OK : ordo_error_set(err, map_code(s), b->path, 0, NULL, "%s", msg);
}

int ordo_store_sqlite_open(const char *data_dir, const ordo_config_t *cfg, bool create,
                           const store_ops_t **ops, store_backend_t **out, ordo_error_t *err)
{
    store_backend_t *b = calloc(1, sizeof *b);
    if (!b)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    ordo_datadir_t dd;
    int rc = ordo_datadir_init(&dd, data_dir, err);
    if (rc != ORDO_OK || snprintf(b->path, sizeof b->path, "%s", dd.db) >= (int)sizeof b->path) {
        free(b);
        return rc != ORDO_OK ? rc
                             : ordo_error_set(err, ORDO_EINVAL, data_dir, 0, "data_dir",
                                              "data directory path too long");
    }
    if (create) {
        rc = ordo_mkdir_p(data_dir, err);
        if (rc != ORDO_OK) {
            free(b);
            return rc;
        }
    } else {
        struct stat st;
        if (stat(b->path, &st) != 0) {
            int e = errno;
            rc = ordo_error_set(err, e == ENOENT ? ORDO_ENOENT : ORDO_EIO, b->path, 0, NULL,
                                "no database: %s (nothing stored in this data directory yet)",
                                strerror(e));
            free(b);
            return rc;
        }
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    pthread_once(&sq_config_once, sq_config);
    int s = sqlite3_open_v2(b->path, &b->db, flags, NULL);
    if (s != SQLITE_OK) {
        rc = sql_fail(b, s, "open", err);
        sq_close(b);
        return rc;
    }
    sqlite3_extended_result_codes(b->db, 1);
    b->busy_ms = (int64_t)cfg->busy_timeout_ms;
    sqlite3_busy_handler(b->db, busy_wait, b);
    /* WAL: readers never block the writer; the mode is persistent in the
     * file. synchronous FULL fsyncs the WAL at every commit. */
    sqlite3_stmt *st = NULL;
    s = sqlite3_prepare_v2(b->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    if (s == SQLITE_OK)
        s = sqlite3_step(st);
    bool wal = s == SQLITE_ROW && !strcmp(col_text(st, 0), "wal");
    sqlite3_finalize(st);
    if (s != SQLITE_ROW) {
        rc = sql_fail(b, s, "set WAL mode", err);
        sq_close(b);
        return rc;
    }
    if (!wal) {
        rc = ordo_error_set(err, ORDO_EUNSUPPORTED, b->path, 0, NULL,
                            "cannot switch the database to WAL mode (file system without "
                            "shared memory support?)");
        sq_close(b);
        return rc;
    }
    rc = exec_sql(b,
                  cfg->sqlite_sync == ORDO_SQLITE_SYNC_OFF      ? "PRAGMA synchronous = OFF"
                  : cfg->sqlite_sync == ORDO_SQLITE_SYNC_NORMAL ? "PRAGMA synchronous = NORMAL"
                                                                : "PRAGMA synchronous = FULL",
                  "set synchronous", err);
    if (rc == ORDO_OK)
        rc = exec_sql(b, "PRAGMA foreign_keys = ON", "set foreign_keys", err);
    /* a deleted row (an erased customer) is overwritten with zeros, not
     * left in a free page */
    if (rc == ORDO_OK)
        rc = exec_sql(b, "PRAGMA secure_delete = ON", "set secure_delete", err);
    /* 32 MiB page cache (default 2 MiB): a large ingest's index pages stay
     * in memory instead of being re-read */
    if (rc == ORDO_OK)
        rc = exec_sql(b, "PRAGMA cache_size = -32768", "set cache_size", err);
    /* statement journals (a write inside a longer transaction, e.g. the
     * decider's reservations) in memory, not in a file under /var/tmp */
    if (rc == ORDO_OK)
        rc = exec_sql(b, "PRAGMA temp_store = MEMORY", "set temp_store", err);
    if (rc == ORDO_OK)
        rc = migrate(b, err);
    if (rc == ORDO_OK)
        rc = bulk_check(b, err);
    if (rc == ORDO_OK)
        rc = exec_sql(b, EV_ORDER_INDEX, "outcome index", err);
    if (rc != ORDO_OK) {
        sq_close(b);
        return rc;
    }
    b->tail = otail_new(b->path);
    *ops = &sqlite_ops;
    *out = b;
    return ORDO_OK;
}
