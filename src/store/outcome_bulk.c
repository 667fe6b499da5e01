/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — a bulk load's outcome events, staged (docs/internals/STORE.md
 * "Bulk load"). Inserting an event row by row writes outcome_event's
 * b-tree at a random place (its key is the event id) and runs the trigger
 * that numbers it in outcome_change: ~15,000 instructions an event. During
 * a load each event is appended to outcome_stage instead (a rowid table:
 * no key, no constraint, no trigger); at the end one INSERT ... SELECT
 * ... ORDER BY event_id fills outcome_event in key order and one more
 * numbers the events in outcome_change in staging order, which is the
 * order row-by-row inserts would have numbered them in. */
#include "outcome_bulk.h"

#include <stdio.h>
#include <string.h>

#define STAGE_COLS                                                                                 \
    "event_id, order_id, shipment, type, at, promised_by, pick, pack, ship, ret, carrying, refund, " \
    "measure, value, node, ingested_at"

const char ordo_stage_insert_sql[] = "INSERT INTO outcome_stage (" STAGE_COLS ") VALUES (?1, ?2, "
                                     "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

/* outcome_event's trigger, word for word as migration 8 made it (so the
 * schema reads the same after a load as before). */
#define CHANGE_TRIGGER                                                                             \
    "CREATE TRIGGER outcome_event_change AFTER INSERT ON outcome_event BEGIN"                       \
    "  INSERT INTO outcome_change (order_id) VALUES (NEW.order_id);"                               \
    "END;"

static const char stage_table_sql[] =
    "CREATE TABLE IF NOT EXISTS outcome_stage (event_id TEXT, order_id TEXT, shipment INTEGER, "
    "type TEXT, at INTEGER, promised_by INTEGER, pick REAL, pack REAL, ship REAL, ret REAL, "
    "carrying REAL, refund REAL, measure TEXT, value REAL, node TEXT, ingested_at INTEGER)";

/* The usual case: every staged id new. A repeat fails the primary key. */
static const char move_fast_sql[] =
    "INSERT INTO outcome_event (" STAGE_COLS ") SELECT " STAGE_COLS " FROM outcome_stage "
    "ORDER BY event_id";
static const char number_fast_sql[] =
    "INSERT INTO outcome_change (order_id) SELECT order_id FROM outcome_stage ORDER BY rowid";

/* After a repeat: the first staged version of an id, unless the id was
 * stored before, numbered; the same rows inserted (OR IGNORE keeps the
 * stored one, then the first staged). */
static const char number_exact_sql[] =
    "INSERT INTO outcome_change (order_id) SELECT order_id FROM (SELECT rowid AS r, order_id, "
    "event_id, row_number() OVER (PARTITION BY event_id ORDER BY rowid) AS k FROM outcome_stage) s "
    "WHERE k = 1 AND NOT EXISTS (SELECT 1 FROM outcome_event e WHERE e.event_id = s.event_id) "
    "ORDER BY r";
static const char move_exact_sql[] =
    "INSERT OR IGNORE INTO outcome_event (" STAGE_COLS ") SELECT " STAGE_COLS
    " FROM outcome_stage ORDER BY event_id, rowid";

static int run(sqlite3 *db, const char *sql, char *msg, size_t cap)
{
    char *m = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &m);
    if (rc != SQLITE_OK && msg && cap)
        snprintf(msg, cap, "%s", m ? m : sqlite3_errstr(rc));
    sqlite3_free(m);
    return rc;
}

/* The first column of sql's first row (0 when none), or -1 on error. */
static sqlite3_int64 scalar(sqlite3 *db, const char *sql, char *msg, size_t cap)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_int64 v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
    if (v < 0 && msg && cap)
        snprintf(msg, cap, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return v;
}

int ordo_stage_begin(sqlite3 *db, bool *staged, char *msg, size_t cap)
{
    *staged = false;
    int rc = run(db, "DROP INDEX IF EXISTS outcome_event_order", msg, cap);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_int64 any = scalar(db, "SELECT EXISTS (SELECT 1 FROM outcome_event)", msg, cap);
    if (any < 0)
        return SQLITE_ERROR;
    if (any)
        return SQLITE_OK;
    rc = run(db, stage_table_sql, msg, cap);
    *staged = rc == SQLITE_OK;
    return rc;
}

/* Both inserts, the trigger off meanwhile; each event numbered once. */
static int move_rows(sqlite3 *db, bool exact, char *msg, size_t cap)
{
    int rc = run(db, "DROP TRIGGER outcome_event_change", msg, cap);
    sqlite3_int64 numbered = 0, moved = 0;
    if (rc == SQLITE_OK)
        rc = run(db, exact ? number_exact_sql : number_fast_sql, msg, cap);
    numbered = sqlite3_changes64(db);
    if (rc == SQLITE_OK)
        rc = run(db, exact ? move_exact_sql : move_fast_sql, msg, cap);
    moved = sqlite3_changes64(db);
    if (rc == SQLITE_OK && moved != numbered) {
        snprintf(msg, msg ? cap : 0, "staged outcome events: %lld moved but %lld numbered", (long long)moved,
                 (long long)numbered);
        rc = SQLITE_CONSTRAINT;
    }
    return rc == SQLITE_OK ? run(db, CHANGE_TRIGGER, msg, cap) : rc;
}

/* Inside the caller's transaction or savepoint: the staged rows moved (the
 * exact way after a repeated id), then the stage emptied or dropped. Freed
 * stage pages are not zeroed (secure_delete is for erased customers; the
 * staged rows are copies of events the store keeps). */
static int move_staged(sqlite3 *db, bool end, char *msg, size_t cap)
{
    sqlite3_int64 any = scalar(db, "SELECT EXISTS (SELECT 1 FROM outcome_stage)", msg, cap);
    if (any < 0)
        return SQLITE_ERROR;
    int rc = SQLITE_OK;
    if (any) {
        rc = run(db, "SAVEPOINT ordo_stage_fast", msg, cap);
        int mv = rc == SQLITE_OK ? move_rows(db, false, msg, cap) : rc;
        if (rc == SQLITE_OK && (mv & 0xff) == SQLITE_CONSTRAINT) {
            char first[256]; /* the constraint, if the exact way fails too */
            snprintf(first, sizeof first, "%s", msg);
            rc = run(db, "ROLLBACK TO ordo_stage_fast", msg, cap);
            mv = rc == SQLITE_OK ? move_rows(db, true, msg, cap) : rc;
            if (mv != SQLITE_OK)
                snprintf(msg, cap, "%s", first);
        }
        if (rc == SQLITE_OK)
            rc = mv;
        if (rc == SQLITE_OK)
            rc = run(db, "RELEASE ordo_stage_fast", msg, cap);
    }
    if (rc == SQLITE_OK && (any || end)) {
        rc = run(db, "PRAGMA secure_delete = OFF", msg, cap);
        if (rc == SQLITE_OK)
            rc = run(db, end ? "DROP TABLE outcome_stage" : "DELETE FROM outcome_stage", msg, cap);
        int r2 = run(db, "PRAGMA secure_delete = ON", rc == SQLITE_OK ? msg : NULL, cap);
        if (rc == SQLITE_OK)
            rc = r2;
    }
    return rc;
}

int ordo_stage_move(sqlite3 *db, bool end, char *msg, size_t cap)
{
    static const char has_stage[] =
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'outcome_stage'";
    sqlite3_int64 present = scalar(db, has_stage, msg, cap);
    if (present <= 0)
        return present < 0 ? SQLITE_ERROR : SQLITE_OK;
    if (!end) { /* an open: nothing staged, no lock (a load may be running) */
        sqlite3_int64 any = scalar(db, "SELECT EXISTS (SELECT 1 FROM outcome_stage)", msg, cap);
        if (any <= 0)
            return any < 0 ? SQLITE_ERROR : SQLITE_OK;
    }
    bool own = sqlite3_get_autocommit(db);
    int rc = run(db, own ? "BEGIN IMMEDIATE" : "SAVEPOINT ordo_stage", msg, cap);
    if (rc != SQLITE_OK)
        return rc;
    /* checked again under the write lock: another handle may have moved
     * (or, at its end, dropped) the stage meanwhile */
    present = scalar(db, has_stage, msg, cap);
    rc = present < 0 ? SQLITE_ERROR : present ? move_staged(db, end, msg, cap) : SQLITE_OK;
    if (rc == SQLITE_OK)
        return run(db, own ? "COMMIT" : "RELEASE ordo_stage", msg, cap);
    (void)run(db, own ? "ROLLBACK" : "ROLLBACK TO ordo_stage; RELEASE ordo_stage", NULL, 0);
    return rc;
}
