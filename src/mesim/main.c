/* main.c — the mesim command line: `mesim shard`, `mesim gateway`, `mesim cluster`. Each component
 * runs on its own thread and event_base; the main thread waits for SIGINT/SIGTERM, stops every
 * loop, frees everything and exits 0. Bad options exit 2. */
#include "mesim/gateway.h"
#include "mesim/shard.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEF_HOST     "127.0.0.1"
#define DEF_GW_PORT  8080
#define DEF_SHARD_P0 8081 /* shards a, b, c: 8081, 8082, 8083 */
#define MAX_LIST     64

static const char *prog_cmd = "mesim";

static const char usage_main[] =
    "usage: mesim <command> [options]\n"
    "\n"
    "The reference matching engine and gateway that lt's tests and demo drive.\n"
    "\n"
    "commands:\n"
    "  shard     one matching-engine shard (default 127.0.0.1:8081)\n"
    "  gateway   the edge gateway routing orders to shards (default 127.0.0.1:8080)\n"
    "  cluster   three shards a, b, c (8081, 8082, 8083) and the gateway (8080) in one process\n"
    "\n"
    "`mesim <command> --help` describes each. Everything binds 127.0.0.1 unless --host says\n"
    "otherwise. SIGINT or SIGTERM stops cleanly (exit 0); bad options exit 2.\n";

static const char usage_shard[] =
    "usage: mesim shard [options]\n"
    "\n"
    "A matching-engine shard: price-time priority limit order books, one per symbol.\n"
    "Endpoints: POST /orders, POST /seed, POST /admin/reset, POST /admin/delay {\"ms\":N},\n"
    "POST /admin/broker/pause, POST /admin/broker/resume, GET /metrics, GET /health.\n"
    "\n"
    "  --id ID             shard name in metrics and events (default a)\n"
    "  --port N            listen port (default 8081)\n"
    "  --host ADDR         listen address (default 127.0.0.1)\n"
    "  --symbols A,B,...   symbols this shard owns; others are refused (default: any symbol)\n"
    "  --delay-ms N        service delay added to /orders replies, 0-60000 (default 0)\n"
    "  --events-file PATH  append fill events as JSON lines (default: discard them)\n"
    "  --events-queue N    bound of the event queue (default 100000)\n"
    "  -h, --help          this text\n";

static const char usage_gateway[] =
    "usage: mesim gateway [options]\n"
    "\n"
    "The edge gateway: POST /orders goes to the shard owning the order's symbol, POST\n"
    "/seed/{shardId} to that shard's /seed; GET /metrics, GET /health.\n"
    "Default routes: TEST-ASSET-A..D -> a, E..H -> b, I..L -> c (for the shards that exist).\n"
    "\n"
    "  --port N              listen port (default 8080)\n"
    "  --host ADDR           listen address (default 127.0.0.1)\n"
    "  --shard ID=HOST:PORT  a shard (repeatable; default a=127.0.0.1:8081, b=...:8082,\n"
    "                        c=...:8083)\n"
    "  --route SYMBOL=ID     send SYMBOL to shard ID (repeatable; replaces a default route)\n"
    "  --timeout S           seconds to wait for a shard's answer (default 65)\n"
    "  -h, --help            this text\n";

static const char usage_cluster[] =
    "usage: mesim cluster [options]\n"
    "\n"
    "Shards a, b, c (owning TEST-ASSET-A..D, E..H, I..L) and the gateway, in one process.\n"
    "\n"
    "  --port N               gateway port (default 8080)\n"
    "  --shard-ports A,B,C    ports of shards a, b, c (default 8081,8082,8083)\n"
    "  --host ADDR            listen address for all four (default 127.0.0.1)\n"
    "  --delay-ms N           service delay of every shard, 0-60000 (default 0)\n"
    "  --events-file PATH     shard X appends its fill events to PATH.X (default: discard)\n"
    "  --events-queue N       bound of each shard's event queue (default 100000)\n"
    "  -h, --help             this text\n";

static void bad(const char *usage_hint, const char *fmt, const char *arg) {
    fprintf(stderr, "mesim %s: ", prog_cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nsee `mesim %s --help`\n", usage_hint);
    exit(2);
}

static int parse_int(const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static int parse_port(const char *s) {
    long v;
    if (parse_int(s, 1, 65535, &v) != 0) bad(prog_cmd, "invalid port '%s' (1-65535)", s);
    return (int)v;
}

static int parse_delay(const char *s) {
    long v;
    if (parse_int(s, 0, 60000, &v) != 0) bad(prog_cmd, "invalid --delay-ms '%s' (0-60000)", s);
    return (int)v;
}

static size_t parse_queue(const char *s) {
    long v;
    if (parse_int(s, 1, 100000000, &v) != 0)
        bad(prog_cmd, "invalid --events-queue '%s' (1-100000000)", s);
    return (size_t)v;
}

/* Splits a comma list copied into buf (so `ps` still shows the command line as given). */
static size_t split(const char *arg, char *buf, size_t buflen, char **out, size_t max) {
    if (strlen(arg) >= buflen) bad(prog_cmd, "list too long: '%s'", arg);
    char *s = strcpy(buf, arg);
    size_t n = 0;
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
        if (n == max) bad(prog_cmd, "too many items in '%s'", arg);
        out[n++] = tok;
    }
    return n;
}

/* ---- running components ---- */

typedef struct {
    struct event_base *base;
    pthread_t thread;
    int started;
} loop;

static void *run_loop(void *arg) {
    event_base_dispatch(((loop *)arg)->base);
    return NULL;
}

/* Blocks the stop signals in every thread; the main thread takes them with sigwait. */
static void block_signals(sigset_t *set) {
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int run_loops(loop *loops, size_t n, const sigset_t *set) {
    for (size_t i = 0; i < n; i++) {
        if (pthread_create(&loops[i].thread, NULL, run_loop, &loops[i]) != 0) {
            fprintf(stderr, "mesim: cannot start a thread\n");
            return -1;
        }
        loops[i].started = 1;
    }
    int sig = 0;
    sigwait(set, &sig);
    fprintf(stderr, "mesim: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    return 0;
}

static void stop_loops(loop *loops, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (loops[i].started) event_base_loopbreak(loops[i].base);
    for (size_t i = 0; i < n; i++)
        if (loops[i].started) pthread_join(loops[i].thread, NULL);
}

/* An event loop for one component. The epoll changelist coalesces the add/remove pairs evhttp
 * makes around every request into one epoll_ctl, worth about a quarter of a shard's CPU. */
static struct event_base *new_base(void) {
    struct event_config *cfg = event_config_new();
    struct event_base *b = NULL;
    if (cfg) {
        event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
        b = event_base_new_with_config(cfg);
        event_config_free(cfg);
    }
    if (!b) {
        fprintf(stderr, "mesim: cannot create an event loop\n");
        exit(1);
    }
    return b;
}

/* ---- commands ---- */

static int cmd_shard(int argc, char **argv) {
    static const struct option opts[] = {
        {"id", 1, 0, 'i'},           {"port", 1, 0, 'p'},     {"host", 1, 0, 'H'},
        {"symbols", 1, 0, 's'},      {"delay-ms", 1, 0, 'd'}, {"events-file", 1, 0, 'e'},
        {"events-queue", 1, 0, 'q'}, {"help", 0, 0, 'h'},     {0, 0, 0, 0}};
    me_shard_cfg cfg = {.id = "a", .host = DEF_HOST, .port = DEF_SHARD_P0};
    char *syms[MAX_LIST], symbuf[4096];
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            cfg.id = optarg;
            break;
        case 'p':
            cfg.port = parse_port(optarg);
            break;
        case 'H':
            cfg.host = optarg;
            break;
        case 's':
            cfg.nsymbols = split(optarg, symbuf, sizeof symbuf, syms, MAX_LIST);
            cfg.symbols = (const char *const *)syms;
            break;
        case 'd':
            cfg.delay_ms = parse_delay(optarg);
            break;
        case 'e':
            cfg.events_file = optarg;
            break;
        case 'q':
            cfg.events_capacity = parse_queue(optarg);
            break;
        case 'h':
            fputs(usage_shard, stdout);
            return 0;
        default:
            bad("shard", "%s", "bad option");
        }
    }
    if (optind < argc) bad("shard", "unexpected argument '%s'", argv[optind]);
    if (!cfg.id[0] || strlen(cfg.id) > 15)
        bad("shard", "invalid --id '%s' (1-15 characters)", cfg.id);

    sigset_t set;
    block_signals(&set);
    loop l = {new_base(), 0, 0};
    char err[256];
    me_shard *s = me_shard_new(l.base, &cfg, err, sizeof err);
    if (!s) {
        fprintf(stderr, "mesim shard: %s\n", err);
        event_base_free(l.base);
        return 1;
    }
    printf("mesim shard %s listening on %s:%d\n", cfg.id, cfg.host, cfg.port);
    fflush(stdout);
    int rc = run_loops(&l, 1, &set);
    stop_loops(&l, 1);
    me_shard_free(s);
    event_base_free(l.base);
    return rc ? 1 : 0;
}

/* ID=HOST:PORT */
static me_gw_shard parse_shard(char *s) {
    me_gw_shard sh;
    char *eq = strchr(s, '='), *colon = strrchr(s, ':');
    if (!eq || !colon || colon < eq) bad("gateway", "invalid --shard '%s' (want ID=HOST:PORT)", s);
    *eq = '\0';
    *colon = '\0';
    sh.id = s;
    sh.host = eq + 1;
    sh.port = parse_port(colon + 1);
    if (!*sh.id || !*sh.host) bad("gateway", "invalid --shard '%s' (want ID=HOST:PORT)", s);
    return sh;
}

static int cmd_gateway(int argc, char **argv) {
    static const struct option opts[] = {
        {"port", 1, 0, 'p'},    {"host", 1, 0, 'H'}, {"shard", 1, 0, 's'}, {"route", 1, 0, 'r'},
        {"timeout", 1, 0, 't'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    me_gw_shard shards[ME_GW_MAX_SHARDS];
    me_gw_route routes[MAX_LIST];
    me_gw_cfg cfg = {.host = DEF_HOST, .port = DEF_GW_PORT, .shards = shards, .routes = routes};
    int c;
    long v;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            cfg.port = parse_port(optarg);
            break;
        case 'H':
            cfg.host = optarg;
            break;
        case 's':
            if (cfg.nshards == ME_GW_MAX_SHARDS) bad("gateway", "%s", "too many --shard options");
            shards[cfg.nshards++] = parse_shard(optarg);
            break;
        case 'r': {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || !eq[1])
                bad("gateway", "invalid --route '%s' (want SYMBOL=SHARD)", optarg);
            if (cfg.nroutes == MAX_LIST) bad("gateway", "%s", "too many --route options");
            *eq = '\0';
            routes[cfg.nroutes++] = (me_gw_route){optarg, eq + 1};
            break;
        }
        case 't':
            if (parse_int(optarg, 1, 3600, &v) != 0)
                bad("gateway", "invalid --timeout '%s' (1-3600 seconds)", optarg);
            cfg.timeout_s = (int)v;
            break;
        case 'h':
            fputs(usage_gateway, stdout);
            return 0;
        default:
            bad("gateway", "%s", "bad option");
        }
    }
    if (optind < argc) bad("gateway", "unexpected argument '%s'", argv[optind]);
    if (!cfg.nshards) {
        static const char *ids[3] = {"a", "b", "c"};
        for (int i = 0; i < 3; i++) shards[i] = (me_gw_shard){ids[i], DEF_HOST, DEF_SHARD_P0 + i};
        cfg.nshards = 3;
    }

    sigset_t set;
    block_signals(&set);
    loop l = {new_base(), 0, 0};
    char err[256];
    me_gw *g = me_gw_new(l.base, &cfg, err, sizeof err);
    if (!g) {
        fprintf(stderr, "mesim gateway: %s\n", err);
        event_base_free(l.base);
        return strstr(err, "cannot listen") ? 1 : 2;
    }
    printf("mesim gateway listening on %s:%d\n", cfg.host, cfg.port);
    fflush(stdout);
    int rc = run_loops(&l, 1, &set);
    stop_loops(&l, 1);
    me_gw_free(g);
    event_base_free(l.base);
    return rc ? 1 : 0;
}

static int cmd_cluster(int argc, char **argv) {
    static const struct option opts[] = {{"port", 1, 0, 'p'},        {"shard-ports", 1, 0, 'P'},
                                         {"host", 1, 0, 'H'},        {"delay-ms", 1, 0, 'd'},
                                         {"events-file", 1, 0, 'e'}, {"events-queue", 1, 0, 'q'},
                                         {"help", 0, 0, 'h'},        {0, 0, 0, 0}};
    int gw_port = DEF_GW_PORT, ports[3] = {DEF_SHARD_P0, DEF_SHARD_P0 + 1, DEF_SHARD_P0 + 2};
    const char *host = DEF_HOST, *events = NULL;
    int delay = 0;
    size_t queue = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            gw_port = parse_port(optarg);
            break;
        case 'P': {
            char *items[MAX_LIST], buf[256];
            if (split(optarg, buf, sizeof buf, items, MAX_LIST) != 3)
                bad("cluster", "%s", "--shard-ports wants three ports, e.g. 8081,8082,8083");
            for (int i = 0; i < 3; i++) ports[i] = parse_port(items[i]);
            break;
        }
        case 'H':
            host = optarg;
            break;
        case 'd':
            delay = parse_delay(optarg);
            break;
        case 'e':
            events = optarg;
            break;
        case 'q':
            queue = parse_queue(optarg);
            break;
        case 'h':
            fputs(usage_cluster, stdout);
            return 0;
        default:
            bad("cluster", "%s", "bad option");
        }
    }
    if (optind < argc) bad("cluster", "unexpected argument '%s'", argv[optind]);

    static const char *ids[3] = {"a", "b", "c"};
    char symnames[12][16];
    const char *syms[12];
    for (int k = 0; k < 12; k++) {
        snprintf(symnames[k], sizeof symnames[k], "TEST-ASSET-%c", 'A' + k);
        syms[k] = symnames[k];
    }
    sigset_t set;
    block_signals(&set);
    loop loops[4] = {{0}};
    me_shard *shards[3] = {0};
    me_gw *g = NULL;
    char err[256], evpath[3][4096];
    int rc = 1;
    for (int i = 0; i < 3; i++) {
        if (events) snprintf(evpath[i], sizeof evpath[i], "%s.%s", events, ids[i]);
        me_shard_cfg cfg = {.id = ids[i],
                            .host = host,
                            .port = ports[i],
                            .symbols = syms + 4 * i,
                            .nsymbols = 4,
                            .delay_ms = delay,
                            .events_file = events ? evpath[i] : NULL,
                            .events_capacity = queue};
        loops[i].base = new_base();
        if (!(shards[i] = me_shard_new(loops[i].base, &cfg, err, sizeof err))) {
            fprintf(stderr, "mesim cluster: shard %s: %s\n", ids[i], err);
            goto out;
        }
    }
    me_gw_shard gs[3];
    for (int i = 0; i < 3; i++) gs[i] = (me_gw_shard){ids[i], host, ports[i]};
    me_gw_cfg gcfg = {.host = host, .port = gw_port, .shards = gs, .nshards = 3};
    loops[3].base = new_base();
    if (!(g = me_gw_new(loops[3].base, &gcfg, err, sizeof err))) {
        fprintf(stderr, "mesim cluster: gateway: %s\n", err);
        goto out;
    }
    printf("mesim cluster: gateway %s:%d, shards a %d, b %d, c %d\n", host, gw_port, ports[0],
           ports[1], ports[2]);
    fflush(stdout);
    rc = run_loops(loops, 4, &set) ? 1 : 0;
out:
    stop_loops(loops, 4);
    me_gw_free(g);
    for (int i = 0; i < 3; i++) me_shard_free(shards[i]);
    for (int i = 0; i < 4; i++)
        if (loops[i].base) event_base_free(loops[i].base);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs(usage_main, stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (evthread_use_pthreads() != 0) {
        fprintf(stderr, "mesim: libevent has no pthreads support\n");
        return 1;
    }
    prog_cmd = argv[1];
    if (!strcmp(argv[1], "shard")) return cmd_shard(argc - 1, argv + 1);
    if (!strcmp(argv[1], "gateway")) return cmd_gateway(argc - 1, argv + 1);
    if (!strcmp(argv[1], "cluster")) return cmd_cluster(argc - 1, argv + 1);
    fprintf(stderr, "mesim: unknown command '%s'\n%s", argv[1], usage_main);
    return 2;
}
