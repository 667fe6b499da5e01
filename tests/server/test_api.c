/* SPDX-License-Identifier: Apache-2.0 */
/* Black-box tests of `ordo serve`: the test starts the real binary on a
 * free loopback port, talks to it with libcurl (and a raw socket for slow
 * clients), and stops it with SIGTERM. Env: ORDO_BIN, ORDO_SOURCE_DIR. */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define TOKEN "api-test-token-0123456789"

static char tmp_dir[256], conf[512], data[512], src_dir[512], bin[512];
static pid_t server_pid;
static int port;

typedef struct resp {
    long status;
    char *body;
    size_t len;
    char headers[4096];
    size_t hlen;
} resp_t;

static size_t on_body(char *p, size_t sz, size_t n, void *ctx)
{
    resp_t *r = ctx;
    r->body = realloc(r->body, r->len + sz * n + 1);
    memcpy(r->body + r->len, p, sz * n);
    r->len += sz * n;
    r->body[r->len] = 0;
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ctx)
{
    resp_t *r = ctx;
    size_t k = sz * n;
    if (r->hlen + k < sizeof r->headers) {
        memcpy(r->headers + r->hlen, p, k);
        r->hlen += k;
        r->headers[r->hlen] = 0;
    }
    return k;
}

/* One request; token NULL: none. Returns the status. */
static long http(const char *method, const char *path, const char *body, size_t len,
                 const char *token, resp_t *out)
{
    memset(out, 0, sizeof *out);
    out->body = calloc(1, 1);
    CURL *c = curl_easy_init();
    char url[1024];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    struct curl_slist *h = NULL;
    char auth[256];
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    CURLcode rc = curl_easy_perform(c);
    assert_int_equal(rc, CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return out->status;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    if (len)
        *len = (size_t)n;
    return s;
}

/* The output of an ordo command (a shell command line after the binary). */
static char *run_ordo(const char *fmt, ...)
{
    char args[2048], cmd[3072];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "'%s' %s", bin, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *out = NULL;
    size_t len = 0, cap = 0;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            out = realloc(out, cap);
        }
        memcpy(out + len, buf, n);
        len += n;
    }
    pclose(p);
    if (!out)
        out = calloc(1, 1);
    out[len] = 0;
    return out;
}

static void write_conf(void)
{
    FILE *f = fopen(conf, "w");
    assert_non_null(f);
    fprintf(f, "server.listen = 127.0.0.1:0\nserver.data_dir = %s\n"
               "server.network = %s/docs/examples/network\nserver.tokens = \"%s,second-token-"
               "abcdefghijkl\"\nserver.body_max_bytes = 65536\nserver.client_timeout_s = 2\n"
               "server.inflight_max = 4\nserver.deadline_ms = 1\nserver.explain = on\n",
            data, src_dir, TOKEN);
    fclose(f);
}

/* Starts ordo serve; reads the port from its first line. */
static void server_start(void)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    server_pid = fork();
    assert_true(server_pid >= 0);
    if (server_pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execl(bin, bin, "serve", "--config", conf, "--json", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[512] = "";
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    char *colon = strstr(line, "127.0.0.1:");
    assert_non_null(colon);
    port = atoi(colon + 10);
    assert_true(port > 0);
}

/* SIGTERM; the exit status. */
static int server_stop(void)
{
    int st = 0;
    kill(server_pid, SIGTERM);
    waitpid(server_pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(bin, sizeof bin, "%s", getenv("ORDO_BIN") ? getenv("ORDO_BIN") : "./ordo");
    snprintf(src_dir, sizeof src_dir, "%s",
             getenv("ORDO_SOURCE_DIR") ? getenv("ORDO_SOURCE_DIR") : ORDO_SOURCE_DIR);
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/ordo-api-XXXXXX");
    if (!mkdtemp(tmp_dir))
        return -1;
    snprintf(conf, sizeof conf, "%s/ordo.conf", tmp_dir);
    snprintf(data, sizeof data, "%s/data", tmp_dir);
    write_conf();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    server_start();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (server_pid > 0)
        server_stop();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    if (system(cmd) != 0)
        return -1;
    curl_global_cleanup();
    return 0;
}

static void resp_free(resp_t *r)
{
    free(r->body);
}

/* {"error":{"code","message","field"}} with the given code */
static void assert_error(const resp_t *r, const char *code)
{
    cJSON *j = cJSON_Parse(r->body);
    assert_non_null(j);
    cJSON *e = cJSON_GetObjectItem(j, "error");
    assert_non_null(e);
    assert_string_equal(cJSON_GetObjectItem(e, "code")->valuestring, code);
    assert_true(cJSON_IsString(cJSON_GetObjectItem(e, "message")));
    assert_non_null(cJSON_GetObjectItem(e, "field"));
    cJSON_Delete(j);
}

static void test_healthz(void **state)
{
    (void)state;
    resp_t r;
    assert_int_equal(http("GET", "/healthz", NULL, 0, NULL, &r), 200);
    assert_non_null(strstr(r.body, "\"status\":\"ok\""));
    resp_free(&r);
}

static void test_routes_and_methods(void **state)
{
    (void)state;
    resp_t r;
    assert_int_equal(http("GET", "/v1/nothing", NULL, 0, NULL, &r), 404);
    assert_error(&r, "ENOTFOUND");
    resp_free(&r);
    assert_int_equal(http("DELETE", "/v1/source", NULL, 0, NULL, &r), 405);
    assert_error(&r, "EMETHOD");
    resp_free(&r);
}

/* POST /v1/signals: the document of `ordo signals apply`, checked against
 * the served network, all or nothing, and then in force for decisions */
static void test_signals(void **state)
{
    (void)state;
    resp_t r;
    char path[600];
    snprintf(path, sizeof path, "%s/docs/examples/signals.ndjson", src_dir);
    size_t len;
    char *doc = read_all(path, &len);
    assert_int_equal(http("POST", "/v1/signals", doc, len, NULL, &r), 401);
    resp_free(&r);
    const char *bad = "{\"kind\":\"rate\",\"carrier\":\"no-such-carrier\","
                      "\"effective_from\":\"2026-12-07T00:00:00Z\",\"rate_multiplier\":1.1}\n";
    long st = http("POST", "/v1/signals", bad, strlen(bad), TOKEN, &r);
    assert_true(st == 400 || st == 404); /* an unknown carrier is ENOTFOUND */
    assert_error(&r, st == 400 ? "EINVAL" : "ENOTFOUND");
    assert_non_null(strstr(r.body, "\"field\":\"carrier\""));
    resp_free(&r);
    assert_int_equal(http("POST", "/v1/signals", doc, len, TOKEN, &r), 200);
    cJSON *j = cJSON_Parse(r.body);
    assert_non_null(j);
    double version = cJSON_GetObjectItem(j, "version")->valuedouble;
    assert_true(version >= 1);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += doc[i] == '\n';
    assert_int_equal((size_t)cJSON_GetObjectItem(j, "lines")->valuedouble, lines);
    cJSON_Delete(j);
    resp_free(&r);
    /* the bad document stored nothing: the CLI sees the good one's version */
    char *show = run_ordo("signals show --data '%s' --network '%s/docs/examples/network' --json",
                          data, src_dir);
    cJSON *s = cJSON_Parse(show);
    assert_non_null(s);
    assert_int_equal((long)cJSON_GetObjectItem(s, "version")->valuedouble, (long)version);
    cJSON_Delete(s);
    free(show);
    free(doc);
}

/* ../, encoded or not, never reaches a file */
static void test_asset_traversal(void **state)
{
    (void)state;
    static const char *const bad[] = {"/assets/../ordo.conf", "/assets/%2e%2e/ordo.conf",
                                      "/assets/%252e%252e/ordo.conf", "/assets/..%2fordo.conf",
                                      "/assets/a\\..\\b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        resp_t r;
        long st = http("GET", bad[i], NULL, 0, NULL, &r);
        assert_true(st == 400 || st == 404);
        assert_null(strstr(r.body, "server.tokens"));
        resp_free(&r);
    }
}

static cJSON *shipments_of(const char *record)
{
    cJSON *j = cJSON_Parse(record);
    assert_non_null(j);
    cJSON *plan = cJSON_GetObjectItem(j, "plan"); /* a record; else a plan */
    if (!plan)
        plan = j;
    cJSON *s = cJSON_DetachItemFromObject(plan, "shipments");
    assert_non_null(s);
    cJSON_Delete(j);
    return s;
}

/* How many decision records the log holds for an order (ordo log show). */
static int decisions_logged(const char *order)
{
    char *out = run_ordo("log show '%s' --order %s --json 2>/dev/null", data, order);
    int n = 0; /* one line per record; shadow evaluations are not decisions */
    for (char *p = out, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
        *nl = 0;
        n += strstr(p, "\"shadow\":true") == NULL;
    }
    free(out);
    return n;
}

static void test_source_and_retry(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/docs/examples/order.json", src_dir);
    size_t len;
    char *order = read_all(path, &len);
    resp_t a, b;
    assert_int_equal(http("POST", "/v1/source", order, len, NULL, &a), 201);
    if (!strstr(a.body, "\"order_id\":\"ORD-1001\""))
        fail_msg("not a plan: %s", a.body);
    /* the plan `ordo source` prints for the same order */
    char *cli_plan = run_ordo("source --network '%s/docs/examples/network' --policy default '%s'",
                              src_dir, path);
    cJSON *sp = shipments_of(cli_plan);
    cJSON *sa0 = shipments_of(a.body);
    assert_int_equal(cJSON_GetArraySize(sp), cJSON_GetArraySize(sa0));
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(sp, 0), "node")->valuestring,
                        cJSON_GetObjectItem(cJSON_GetArrayItem(sa0, 0), "node")->valuestring);
    cJSON_Delete(sp);
    cJSON_Delete(sa0);
    free(cli_plan);
    assert_int_equal(http("POST", "/v1/source", order, len, NULL, &b), 200);
    assert_non_null(strstr(b.headers, "Idempotent-Replay: true"));
    cJSON *sa = shipments_of(a.body), *sb = shipments_of(b.body);
    assert_true(cJSON_Compare(sa, sb, 1));
    cJSON_Delete(sb);
    /* the same plan after a restart, still one decision in the log */
    assert_int_equal(server_stop(), 0);
    server_start();
    resp_t c;
    assert_int_equal(http("POST", "/v1/source", order, len, NULL, &c), 200);
    cJSON *sc = shipments_of(c.body);
    assert_true(cJSON_Compare(sa, sc, 1));
    /* the stored record holds the same plan */
    assert_int_equal(decisions_logged("ORD-1001"), 1);
    /* GET /v1/decisions/{id} = ordo log show --json */
    resp_t d;
    assert_int_equal(http("GET", "/v1/decisions/ORD-1001", NULL, 0, NULL, &d), 200);
    char *cli = run_ordo("log show '%s' --order ORD-1001 --json", data);
    assert_string_equal(d.body, cli);
    free(cli);
    cJSON *sd = shipments_of(d.body);
    assert_true(cJSON_Compare(sa, sd, 1));
    cJSON_Delete(sd);
    assert_non_null(strstr(d.body, "\"candidates\"")); /* server.explain = on */
    cJSON_Delete(sa);
    cJSON_Delete(sc);
    resp_free(&a);
    resp_free(&b);
    resp_free(&c);
    resp_free(&d);
    free(order);
}

static void test_source_errors(void **state)
{
    (void)state;
    resp_t r;
    const char *bad = "{\"id\":\"X-1\",\"ship_to\":{\"zip\":\"10027\"},"
                      "\"lines\":[{\"sku\":\"NO-SUCH-SKU\",\"quantity\":1}]}";
    assert_int_equal(http("POST", "/v1/source", bad, strlen(bad), NULL, &r), 400);
    assert_error(&r, "ENOTFOUND");
    assert_non_null(strstr(r.body, "lines[0].sku"));
    resp_free(&r);
    assert_int_equal(http("POST", "/v1/source", "{", 1, NULL, &r), 400);
    assert_error(&r, "EPARSE");
    resp_free(&r);
    assert_int_equal(http("GET", "/v1/decisions/NEVER-SEEN", NULL, 0, NULL, &r), 404);
    assert_error(&r, "ENOTFOUND");
    resp_free(&r);
}

/* ordo_log_commit_seconds_count of /metrics: the group commits so far */
static long group_commits(void)
{
    resp_t r;
    assert_int_equal(http("GET", "/metrics", NULL, 0, NULL, &r), 200);
    const char *p = strstr(r.body, "\nordo_log_commit_seconds_count");
    assert_non_null(p);
    p = strchr(p + 1, ' ');
    assert_non_null(p);
    long n = strtol(p, NULL, 10);
    resp_free(&r);
    return n;
}

/* A refused order is answered by the HTTP worker that parsed it: it never
 * reaches the decision thread, so no group is committed for it; a good
 * order after it still is. */
static void test_source_refused_not_queued(void **state)
{
    (void)state;
    const char *bad[] = {
        ("{\"id\":\"RQ-1\",\"ship_to\":{\"zip\":\"10027\"},"
         "\"lines\":[{\"sku\":\"NO-SUCH-SKU\",\"quantity\":1}]}"),
        "{\"id\":\"RQ-2\",\"ship_to\":{\"zip\":\"10027\"},\"lines\":[]}",
        "[1,2]",
    };
    long before = group_commits();
    resp_t r;
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            assert_int_equal(http("POST", "/v1/source", bad[i], strlen(bad[i]), NULL, &r), 400);
            assert_non_null(strstr(r.body, "\"error\""));
            resp_free(&r);
        }
    assert_int_equal(group_commits(), before);
    char path[600];
    snprintf(path, sizeof path, "%s/docs/examples/order.json", src_dir);
    size_t len;
    char *order = read_all(path, &len);
    cJSON *o = cJSON_ParseWithLength(order, len);
    cJSON_ReplaceItemInObject(o, "id", cJSON_CreateString("RQ-GOOD"));
    char *good = cJSON_PrintUnformatted(o);
    assert_int_equal(http("POST", "/v1/source", good, strlen(good), NULL, &r), 201);
    resp_free(&r);
    assert_true(group_commits() > before);
    free(good);
    cJSON_Delete(o);
    free(order);
}

static void test_body_limit(void **state)
{
    (void)state;
    size_t n = 100000;
    char *big = malloc(n);
    memset(big, ' ', n);
    resp_t r;
    assert_int_equal(http("POST", "/v1/source", big, n, NULL, &r), 413);
    assert_error(&r, "ETOOLARGE");
    resp_free(&r);
    free(big);
}

/* server.deadline_ms = 1: a batch of orders runs out of time; the late
 * ones get the deterministic fallback, marked, not an error */
static void test_deadline_fallback(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/docs/examples/orders.ndjson", src_dir);
    char *lines = read_all(path, NULL);
    cJSON *first = NULL;
    char *batch = calloc(1, 1 << 20);
    size_t bl = 0;
    for (int k = 0; k < 40; k++) {
        for (char *p = lines; p && *p;) {
            char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            char *one = strndup(p, n);
            cJSON *o = cJSON_Parse(one);
            free(one);
            if (o) {
                char id[64];
                snprintf(id, sizeof id, "DL-%d-%s", k,
                         cJSON_GetObjectItem(o, "id")->valuestring);
                cJSON_ReplaceItemInObject(o, "id", cJSON_CreateString(id));
                char *t = cJSON_PrintUnformatted(o);
                bl += (size_t)sprintf(batch + bl, "%s\n", t);
                free(t);
                if (!first)
                    first = o;
                else
                    cJSON_Delete(o);
            }
            p = nl ? nl + 1 : NULL;
        }
    }
    resp_t r;
    assert_int_equal(http("POST", "/v1/source:batch", batch, bl, NULL, &r), 200);
    assert_null(strstr(r.body, "\"error\""));
    assert_non_null(strstr(r.body, "\"fallback\":true"));
    assert_non_null(strstr(r.body, "deadline passed"));
    resp_free(&r);
    assert_int_equal(http("GET", "/metrics", NULL, 0, NULL, &r), 200);
    assert_non_null(strstr(r.body, "ordo_fallbacks_total "));
    assert_null(strstr(r.body, "ordo_fallbacks_total 0\n"));
    resp_free(&r);
    cJSON_Delete(first);
    free(batch);
    free(lines);
}

static void test_tokens_and_experiments(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/docs/examples/experiment.json", src_dir);
    size_t len;
    char *doc = read_all(path, &len);
    resp_t r;
    assert_int_equal(http("POST", "/v1/experiments", doc, len, NULL, &r), 401);
    assert_error(&r, "EAUTH");
    assert_non_null(strstr(r.headers, "WWW-Authenticate: Bearer"));
    resp_free(&r);
    assert_int_equal(http("POST", "/v1/experiments", doc, len, "api-test-token-0123456780", &r),
                     401);
    resp_free(&r);
    /* policies: registered through the API, listed as the CLI lists them */
    static const char *const pols[] = {"cost-optimized", "proximity-first"};
    for (int i = 0; i < 2; i++) {
        char pf[600];
        snprintf(pf, sizeof pf, "%s/docs/examples/policy-%s.json", src_dir, pols[i]);
        size_t pl;
        char *pdoc = read_all(pf, &pl);
        assert_int_equal(http("POST", "/v1/policies", pdoc, pl, NULL, &r), 401);
        resp_free(&r);
        assert_int_equal(http("POST", "/v1/policies", pdoc, pl, TOKEN, &r), 201);
        char *cli = run_ordo("exp register-policy '%s' --json --data '%s'", pf, data);
        assert_string_equal(r.body, cli);
        free(cli);
        resp_free(&r);
        free(pdoc);
    }
    assert_int_equal(http("GET", "/v1/policies", NULL, 0, NULL, &r), 200);
    char *plist = run_ordo("policy list --json");
    assert_string_equal(r.body, plist);
    free(plist);
    resp_free(&r);
    assert_int_equal(http("POST", "/v1/policies", "{\"name\":1}", 10, TOKEN, &r), 400);
    resp_free(&r);
    assert_int_equal(http("POST", "/v1/experiments", doc, len, "second-token-abcdefghijkl", &r),
                     201);
    resp_free(&r);
    assert_int_equal(
        http("POST", "/v1/experiments/proximity-vs-cost:start", NULL, 0, TOKEN, &r), 200);
    assert_non_null(strstr(r.body, "running"));
    resp_free(&r);
    /* the same JSON as the CLI */
    assert_int_equal(http("GET", "/v1/experiments", NULL, 0, NULL, &r), 200);
    char *cli = run_ordo("exp list --json --data '%s'", data);
    assert_string_equal(r.body, cli);
    free(cli);
    resp_free(&r);
    assert_int_equal(http("GET", "/v1/experiments/proximity-vs-cost", NULL, 0, NULL, &r), 200);
    cli = run_ordo("exp show proximity-vs-cost --json --data '%s'", data);
    assert_string_equal(r.body, cli);
    free(cli);
    resp_free(&r);
    /* the report = ordo analyze --format json for that experiment */
    assert_int_equal(http("GET", "/v1/experiments/proximity-vs-cost/report", NULL, 0, NULL, &r),
                     200);
    cli = run_ordo("analyze '%s' --format json --experiment proximity-vs-cost --network "
                   "'%s/docs/examples/network'",
                   data, src_dir);
    assert_string_equal(r.body, cli);
    free(cli);
    resp_free(&r);
    assert_int_equal(http("POST", "/v1/experiments/nope:kill", NULL, 0, TOKEN, &r), 404);
    resp_free(&r);
    free(doc);
}

/* stock deltas and outcome events through the API, all or nothing */
static void test_inventory_and_outcomes(void **state)
{
    (void)state;
    resp_t r;
    const char *delta = "node,sku,quantity\nDC-001,SKU-0000001,5\n";
    assert_int_equal(http("POST", "/v1/inventory?kind=delta", delta, strlen(delta), NULL, &r),
                     401);
    resp_free(&r);
    assert_int_equal(http("POST", "/v1/inventory?kind=sideways", delta, strlen(delta), TOKEN, &r),
                     400);
    assert_non_null(strstr(r.body, "\"field\":\"kind\""));
    resp_free(&r);
    const char *snap = "node,sku,on_hand,safety_stock\nDC-001,SKU-0000001,50,\n";
    assert_int_equal(http("POST", "/v1/inventory?kind=snapshot", snap, strlen(snap), TOKEN, &r),
                     200);
    resp_free(&r);
    assert_int_equal(http("POST", "/v1/inventory?kind=delta", delta, strlen(delta), TOKEN, &r),
                     200);
    assert_non_null(strstr(r.body, "\"rows\":1"));
    assert_non_null(strstr(r.body, "\"units\":5"));
    resp_free(&r);
    const char *bad = "node,sku,quantity\nNO-SUCH-NODE,SKU-0000001,5\n";
    long st = http("POST", "/v1/inventory?kind=delta", bad, strlen(bad), TOKEN, &r);
    assert_true(st == 400 || st == 404);
    assert_error(&r, st == 400 ? "EINVAL" : "ENOTFOUND");
    resp_free(&r);
    /* without ?kind: an inventory document of `ordo inventory apply` */
    char path[600];
    snprintf(path, sizeof path, "%s/docs/examples/inventory.ndjson", src_dir);
    size_t len;
    char *inv = read_all(path, &len);
    assert_int_equal(http("POST", "/v1/inventory", inv, len, TOKEN, &r), 200);
    assert_null(strstr(r.body, "\"snapshots\":0,"));
    assert_null(strstr(r.body, "\"deltas\":0,"));
    resp_free(&r);
    free(inv);
    const char *no_asof = "{\"kind\":\"delta\",\"node\":\"DC-001\",\"sku\":\"SKU-0000001\","
                          "\"quantity\":1}\n";
    assert_int_equal(http("POST", "/v1/inventory", no_asof, strlen(no_asof), TOKEN, &r), 400);
    assert_non_null(strstr(r.body, "\"field\":\"as_of\""));
    resp_free(&r);
    snprintf(path, sizeof path, "%s/docs/examples/outcomes.ndjson", src_dir);
    char *ev = read_all(path, &len);
    assert_int_equal(http("POST", "/v1/outcomes", ev, len, TOKEN, &r), 200);
    assert_null(strstr(r.body, "\"inserted\":0"));
    resp_free(&r);
    assert_int_equal(http("POST", "/v1/outcomes", ev, len, TOKEN, &r), 200); /* again */
    assert_non_null(strstr(r.body, "\"inserted\":0"));
    resp_free(&r);
    assert_int_equal(http("POST", "/v1/outcomes", "{\"event_id\":1}\n", 15, TOKEN, &r), 400);
    resp_free(&r);
    free(ev);
}

static void test_network_flows_metrics(void **state)
{
    (void)state;
    resp_t r;
    assert_int_equal(http("GET", "/v1/network", NULL, 0, NULL, &r), 200);
    cJSON *j = cJSON_Parse(r.body);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(j, "nodes")) > 0);
    assert_non_null(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "nodes"), 0),
                                        "lat"));
    cJSON_Delete(j);
    resp_free(&r);
    assert_int_equal(http("GET", "/v1/flows?limit=100", NULL, 0, NULL, &r), 200);
    assert_non_null(strstr(r.body, "\"shipments\":"));
    resp_free(&r);
    assert_int_equal(http("GET", "/v1/flows?limit=0", NULL, 0, NULL, &r), 400);
    resp_free(&r);
    assert_int_equal(http("GET", "/metrics", NULL, 0, NULL, &r), 200);
    static const char *const want[] = {
        "ordo_http_requests_total{route=\"source\",code=\"2xx\"}",
        "ordo_http_request_duration_seconds_bucket{route=\"source\",le=\"0.005\"}",
        "ordo_decisions_total{experiment=\"", "ordo_log_commit_seconds_bucket{le=\"+Inf\"}",
        "ordo_experiment_state{experiment=\"proximity-vs-cost\",state=\"running\"} 1"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(r.body, want[i]))
            fail_msg("metrics lack %s", want[i]);
    resp_free(&r);
}

/* A raw TCP connection to the server. */
static int connect_server(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* A raw connection that sends headers and part of a body, then stalls. */
static int stalled_request(const char *path)
{
    int fd = connect_server();
    char req[512];
    int n = snprintf(req, sizeof req,
                     "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                     "Content-Length: 100\r\n\r\n{\"a\":",
                     path, TOKEN);
    assert_int_equal(write(fd, req, (size_t)n), n);
    return fd;
}

/* server.inflight_max = 4: with five requests held open, other routes get
 * 503 + Retry-After; the stalled clients are cut at client_timeout_s */
static void test_overload_and_slow_clients(void **state)
{
    (void)state;
    int held[5];
    for (int i = 0; i < 5; i++)
        held[i] = stalled_request("/v1/outcomes");
    int a = held[0];
    usleep(200 * 1000);
    resp_t r;
    assert_int_equal(http("GET", "/v1/experiments", NULL, 0, NULL, &r), 503);
    assert_non_null(strstr(r.headers, "Retry-After: 1"));
    assert_error(&r, "EBUSY");
    resp_free(&r);
    assert_int_equal(http("GET", "/healthz", NULL, 0, NULL, &r), 200); /* never shed */
    resp_free(&r);
    char buf[256];
    struct timeval tv = {.tv_sec = 6};
    setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ssize_t got = read(a, buf, sizeof buf); /* closed by the server: 0 */
    assert_true(got <= 0);
    for (int i = 0; i < 5; i++)
        close(held[i]);
    usleep(300 * 1000);
    assert_int_equal(http("GET", "/v1/experiments", NULL, 0, NULL, &r), 200);
    resp_free(&r);
}

/* An event stream read for ms milliseconds (curl gives up then, with what
 * arrived; an error answer ends it sooner); last: its Last-Event-ID, or
 * NULL. */
static void stream_for(const char *path, const char *last, long ms, resp_t *r)
{
    memset(r, 0, sizeof *r);
    r->body = calloc(1, 1);
    CURL *c = curl_easy_init();
    char url[512], h[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    struct curl_slist *hs = NULL;
    if (last) {
        snprintf(h, sizeof h, "Last-Event-ID: %s", last);
        hs = curl_slist_append(hs, h);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    assert_int_equal(rc, r->status == 200 ? CURLE_OPERATION_TIMEDOUT : CURLE_OK);
    curl_slist_free_all(hs);
    curl_easy_cleanup(c);
}

/* The data lines of the events of one kind, each followed by a newline:
 * what `ordo log tail` prints for them. */
static char *event_data(const char *body, const char *kind, char *last_id, size_t idn)
{
    size_t cap = strlen(body) + 1, n = 0;
    char *out = calloc(1, cap);
    char want[64];
    snprintf(want, sizeof want, "event: %s\ndata: ", kind);
    for (const char *p = strstr(body, "id: "); p; p = strstr(p + 1, "\n\nid: ")) {
        const char *id = p[0] == 'i' ? p + 4 : p + 6;
        const char *nl = strchr(id, '\n');
        if (!nl || strncmp(nl + 1, want, strlen(want)))
            continue;
        if (last_id)
            snprintf(last_id, idn, "%.*s", (int)(nl - id), id);
        const char *d = nl + 1 + strlen(want), *e = strchr(d, '\n');
        assert_non_null(e);
        memcpy(out + n, d, (size_t)(e - d + 1));
        n += (size_t)(e - d + 1);
    }
    return out;
}

/* GET /v1/events?from=N: the records from N on as Server-Sent Events, each
 * event's data the line `ordo log tail` prints; then it waits for more
 * (here: curl gives up after its timeout, with what arrived) */
static void test_events(void **state)
{
    (void)state;
    resp_t r;
    stream_for("/v1/events?from=1", NULL, 1500, &r);
    assert_non_null(strstr(r.headers, "text/event-stream"));
    assert_non_null(strstr(r.body, "id: 1:0\nevent: decision\ndata: {\"seq\":1,"));
    /* the outcomes come after the decisions */
    assert_non_null(strstr(r.body, "\nevent: outcome\ndata: {\"outcome_seq\":"));
    /* the first event's data is the first line of ordo log tail */
    char *tail = run_ordo("log tail '%s'", data);
    char *nl = strchr(tail, '\n');
    assert_non_null(nl);
    *nl = 0;
    char *data0 = strstr(r.body, "data: ");
    assert_non_null(data0);
    assert_int_equal(strncmp(data0 + 6, tail, strlen(tail)), 0);
    free(tail);
    resp_free(&r);
    assert_int_equal(http("GET", "/v1/events?from=0", NULL, 0, NULL, &r), 400);
    resp_free(&r);
    /* resuming: Last-Event-ID 1:0 starts at seq 2, whatever ?from says */
    stream_for("/v1/events?from=1&types=decision", "1:0", 1000, &r);
    assert_null(strstr(r.body, "data: {\"seq\":1,"));
    assert_non_null(strstr(r.body, "id: 2:0\nevent: decision\ndata: {\"seq\":2,"));
    resp_free(&r);
    stream_for("/v1/events?types=decision", "2", 1000, &r); /* D alone, as before */
    assert_non_null(strstr(r.body, "data: {\"seq\":3,"));
    assert_null(strstr(r.body, "data: {\"seq\":2,"));
    resp_free(&r);
    stream_for("/v1/events", "1:x", 1000, &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "\"field\":\"Last-Event-ID\""));
    resp_free(&r);
}

/* Outcomes in the stream: the example's orders (posted by
 * test_inventory_and_outcomes) as `ordo log tail --types outcome` prints
 * them; resumed after an event's id D:O; a new outcome wakes a waiting
 * stream. */
static void test_events_outcomes(void **state)
{
    (void)state;
    resp_t r;
    char last[64] = "";
    stream_for("/v1/events?types=outcome", NULL, 1500, &r);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, "event: decision"));
    char *got = event_data(r.body, "outcome", last, sizeof last);
    char *tail = run_ordo("log tail '%s' --types outcome", data);
    assert_true(strlen(tail) > 0);
    assert_string_equal(got, tail);
    free(tail);
    free(got);
    resp_free(&r);
    /* the last id: no decisions sent (D 0), O the last change */
    assert_int_equal(strncmp(last, "0:", 2), 0);
    unsigned long long o = strtoull(last + 2, NULL, 10);
    assert_true(o >= 17);

    /* resumed there: nothing new */
    stream_for("/v1/events?types=outcome", last, 800, &r);
    assert_null(strstr(r.body, "event: outcome"));
    resp_free(&r);
    /* a new event of ORD-1001: that order again, at the next change */
    const char *ev = "{\"event_id\":\"stream-1\",\"order_id\":\"ORD-1001\",\"type\":\"measure\","
                     "\"at\":\"2026-11-28T10:00:00Z\",\"measure\":\"satisfaction\",\"value\":3}\n";
    assert_int_equal(http("POST", "/v1/outcomes", ev, strlen(ev), TOKEN, &r), 200);
    resp_free(&r);
    stream_for("/v1/events?types=outcome", last, 1000, &r);
    char want[96];
    snprintf(want, sizeof want, "id: 0:%llu\nevent: outcome\ndata: {\"outcome_seq\":%llu,", o + 1,
             o + 1);
    assert_non_null(strstr(r.body, want));
    assert_non_null(strstr(r.body, "\"order_id\":\"ORD-1001\""));
    assert_null(strstr(r.body, "ORD-1002"));
    resp_free(&r);

    /* a stream waiting at the end is woken by a new outcome */
    snprintf(last, sizeof last, "0:%llu", o + 1);
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        usleep(400 * 1000);
        const char *ev2 = "{\"event_id\":\"stream-2\",\"order_id\":\"ORD-1002\",\"type\":"
                          "\"measure\",\"at\":\"2026-12-03T10:00:00Z\",\"measure\":"
                          "\"satisfaction\",\"value\":2}\n";
        resp_t r2;
        _exit(http("POST", "/v1/outcomes", ev2, strlen(ev2), TOKEN, &r2) == 200 ? 0 : 1);
    }
    stream_for("/v1/events?types=outcome", last, 2500, &r);
    int st;
    assert_int_equal(waitpid(kid, &st, 0), kid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_non_null(strstr(r.body, "\"order_id\":\"ORD-1002\""));
    assert_null(strstr(r.body, "\"order_id\":\"ORD-1001\""));
    resp_free(&r);

    /* bad input names its field */
    assert_int_equal(http("GET", "/v1/events?types=decision,bogus", NULL, 0, NULL, &r), 400);
    assert_non_null(strstr(r.body, "\"field\":\"types\""));
    resp_free(&r);
    assert_int_equal(http("GET", "/v1/events?outcomes_since=-1", NULL, 0, NULL, &r), 400);
    assert_non_null(strstr(r.body, "\"field\":\"outcomes_since\""));
    resp_free(&r);
}

/* SIGTERM while a batch is being uploaded: the server stops taking new
 * connections but finishes the batch (decided, durable, answered), then
 * exits 0 with the log flushed and intact. */
static void test_sigterm_drains(void **state)
{
    (void)state;
    enum { N = 300 };
    char *body = malloc(N * 128);
    size_t bl = 0;
    for (int i = 0; i < N; i++)
        bl += (size_t)sprintf(body + bl,
                              "{\"id\":\"DRAIN-%d\",\"ship_to\":{\"zip\":\"10027\"},"
                              "\"lines\":[{\"sku\":\"SKU-0000038\",\"quantity\":1}]}\n",
                              i);
    int fd = connect_server();
    char head[256];
    int hn = snprintf(head, sizeof head,
                      "POST /v1/source:batch HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\n\r\n",
                      bl);
    assert_int_equal(write(fd, head, (size_t)hn), hn);
    assert_int_equal(write(fd, body, bl - 1), (ssize_t)(bl - 1)); /* all but the last byte */
    usleep(300 * 1000);
    kill(server_pid, SIGTERM); /* the batch is in flight */
    usleep(300 * 1000);
    assert_int_equal(write(fd, body + bl - 1, 1), 1);
    char *resp = calloc(1, 1 << 20);
    size_t rl = 0;
    ssize_t got;
    while (rl < (1 << 20) - 1 && (got = read(fd, resp + rl, (1 << 20) - 1 - rl)) > 0)
        rl += (size_t)got;
    close(fd);
    assert_int_equal(strncmp(resp, "HTTP/1.1 200", 12), 0);
    int plans = 0;
    for (char *p = resp; (p = strstr(p, "{\"order_id\":\"DRAIN-")); p++)
        plans++;
    assert_int_equal(plans, N);
    int st = 0;
    waitpid(server_pid, &st, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    server_pid = 0;
    free(resp);
    free(body);
    assert_int_equal(decisions_logged("DRAIN-0"), 1);
    assert_int_equal(decisions_logged("DRAIN-299"), 1);
    char *v = run_ordo("log verify '%s' --json", data);
    assert_non_null(strstr(v, "\"ok\":true"));
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthz),
        cmocka_unit_test(test_routes_and_methods),
        cmocka_unit_test(test_asset_traversal),
        cmocka_unit_test(test_source_and_retry),
        cmocka_unit_test(test_source_errors),
        cmocka_unit_test(test_source_refused_not_queued),
        cmocka_unit_test(test_body_limit),
        cmocka_unit_test(test_deadline_fallback),
        cmocka_unit_test(test_tokens_and_experiments),
        cmocka_unit_test(test_inventory_and_outcomes),
        cmocka_unit_test(test_network_flows_metrics),
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_overload_and_slow_clients),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_events_outcomes),
        cmocka_unit_test(test_sigterm_drains),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
