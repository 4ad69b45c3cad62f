/* runtime.h — one Lua runtime on one thread: an event_base, a Lua state with the script loaded,
 * the VUs (coroutines) that run iterations in it, and the thread's metric shard.
 *
 * Promises:
 * - Every worker thread has one runtime; the main thread has one more (the control runtime) that
 *   runs setup(), teardown(), timeline actions and scenario setups. Each is configured from the
 *   one plan (runtime_configure), so all run under the same options. Control calls run on a VU
 *   with id 0 that takes no id from the run: VU ids, and so --seed streams, are the same with or
 *   without them. Nothing in a runtime is shared
 *   with another thread except through metrics_shard hand-overs and the atomics in run_shared.
 * - A VU runs one iteration at a time as a coroutine; lt.http.* and lt.sleep yield it to the event
 *   loop and resume it with the result, so scripts read as sequential code.
 * - An iteration ends by returning (ok), by a Lua error (counted, logged with rate limiting, the
 *   run goes on), or by being interrupted (gracefulStop, a hard stop, or the watchdog of preempt.h
 *   for Lua that does not yield past its scenario's deadline or its control call's timeout);
 *   the owner learns through vu_done_fn. Interrupted iterations are counted per scenario.
 *   An error is counted three ways: an `iteration_errors` sample with the iteration's tags, its
 *   message (file:line: text) in the runtime's error_tally, and a log line (at most one a second
 *   per thread; runtime_end_error_log prints the count still held back when the run ends). The
 *   error raised by lt.abort() and errors after an abort are not iteration errors.
 * - A runtime whose Lua state was abandoned by the watchdog (preempt.h, "poisoned") runs no Lua
 *   again: its iterations end at once as interrupted, its control calls fail, nothing is freed.
 */
#ifndef LT_VU_RUNTIME_H
#define LT_VU_RUNTIME_H
#include "metrics/error_tally.h"
#include "metrics/metrics.h"
#include "metrics/samples.h"
#include "net/http_client.h"
#include "plan/plan.h"
#include "vu/luajson.h"
#include "vu/preempt.h"
#include <event2/event.h>
#include <lua.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* State every thread of one run shares, set up by the main thread before workers start. */
typedef struct {
    const plan *plan;
    const char *script_path;
    const char *lib_dir;         /* lt's own lua/lib */
    char **env_keys, **env_vals; /* process environment overlaid with -e */
    int nenv;
    uint64_t seed; /* --seed; 0 = random */
    bool seeded;
    /* lt inspect: the script is loaded for its options only; lt_module.c makes the standard
     * library's commands and file writes fail, so loading it has no side effects. */
    bool inspect;
    const char *ca_file;    /* extra CA bundle (LT_CA_FILE / --ca) */
    double run_t0;          /* monotonic time the run started (after setup) */
    double wall_t0;         /* unix time of run_t0 */
    const char *setup_json; /* setup()'s return value, JSON; NULL before setup ran */
    atomic_int next_vu_id;
    atomic_int vus_active;     /* VUs inside an iteration, all threads */
    atomic_int vus_max;        /* VUs that exist, all threads */
    atomic_bool aborted;       /* lt.abort() was called (abort_reason is written before) */
    atomic_bool abort_claimed; /* the first lt.abort() call writes abort_reason */
    atomic_bool stopping;      /* no new iterations */
    atomic_long script_errors;
    char abort_reason[256];
    struct scenario_shared *scenarios; /* one per plan scenario */
    /* SIGINT/SIGTERM so far (NULL: none counted), and an fd readable after each: they end a
     * control call early (runtime_call) */
    volatile sig_atomic_t *signals;
    int signal_fd;
} run_shared;

typedef struct scenario_shared {
    atomic_long iterations_claimed; /* shared-iterations */
    atomic_long iterations_started;
    atomic_long iterations_done;
    atomic_long dropped;
    atomic_long iterations_interrupted; /* ended by gracefulStop, a hard stop or the watchdog */
    _Atomic double deadline; /* monotonic s when running iterations must end; 0: not started */
    atomic_int workers_done;
    atomic_int active_vus;
    atomic_int alloc_vus;
    double t0; /* monotonic start, set by main before the start command */
} scenario_shared;

typedef struct runtime runtime;
typedef struct vu vu;

/* Response tag sets of a runtime (lt_http.c), two-way associative: requests repeat the same few
 * tags, so most responses skip building and interning them. A successful request's tags are
 * fully given by the key: the request's tag set (base tags plus params.tags), method, name,
 * status, expected or not. Names longer than the entry's are not cached. Tag set ids are
 * permanent, so entries never go stale. */
#define RESP_TAGS 256
typedef struct {
    bool used;
    int8_t expected; /* expected_response: 1 true, 0 false, -1 no tag (no response callback) */
    int status;
    uint32_t req_tid, tid;
    const char *method; /* one of lt_http.c's static method names */
    char name[104];
} resp_tag_entry;

/* The series of a response tag set in the worker's store (lt_http.c), so a response's 12-13
 * samples skip the store's hash lookups: a direct-mapped table by tag set id. An entry is valid
 * while `st` is the worker's store and its generation is `gen` (see store_series). */
#define RESP_SERIES 13
#define RESP_TABLE  256
typedef struct {
    store *st;
    uint64_t gen;
    uint32_t tid;
    series *s[RESP_SERIES]; /* NULL until first used */
} resp_series;
typedef void (*vu_done_fn)(vu *v, bool ok, void *arg);
/* Undoes what a yielding call left pending (a timer, a request in flight). Every call that yields
 * a VU's coroutine sets its own (vu_yield) just before it yields, so interrupting an iteration
 * runs it and the core knows no kind of wait by name; resuming the VU clears it. */
typedef void (*vu_cancel_fn)(vu *v);

/* Tags a VU's script set through lt.vu.tags (k6's vu.tags): on every later sample of the VU,
 * across iterations, over the run's and scenario's; a deleted one removes that tag. */
#define VU_USER_TAGS 16
typedef struct vu_user_tags {
    int n;
    bool deleted[VU_USER_TAGS];
    char key[VU_USER_TAGS][64];
    char val[VU_USER_TAGS][128];
} vu_user_tags;

/* A check name (key "check") or no extra tag (key NULL) on top of a VU's base tags. */
#define VU_TAG_CACHE 4
typedef struct {
    const char *key; /* a static string: "check" */
    char value[48];
    uint32_t base_tid, tid;
} vu_tag_entry;

struct vu {
    runtime *rt;
    int id; /* 1-based, unique in the run */
    lua_State *co;
    int co_ref;
    http_pool *pool;
    uint64_t rng[4]; /* xoshiro256** state */
    const scenario_plan *sc;
    long iteration;          /* this VU's iterations so far */
    long scenario_iteration; /* global index of the current iteration in its scenario */
    /* the iteration's number in the whole test, unique across execution segments (k6's
     * iterationInTest): for arrival rates its start's index in the schedule */
    long iteration_in_test;
    double due; /* when the iteration was due (arrival rate) */
    double iter_start;
    bool busy, interrupted, corrected;
    bool preempted; /* the watchdog's hook raised the error that ends this iteration */
    struct event *sleep_ev, *kick_ev; /* lt.sleep's timer (lt_module.c), the iteration's start */
    vu_cancel_fn cancel;              /* set while a yielding call waits (vu_yield) */
    vu_done_fn done;
    void *done_arg;
    void *owner;       /* the executor's per-VU data */
    tag_builder base;  /* tags of every sample in this iteration */
    int base_phase;    /* timeline entries applied to `base`; -1: not built yet */
    uint32_t base_tid; /* `base` interned; BASE_TID_NONE until needed (vu_base_tid) */
    vu_tag_entry tag_cache[VU_TAG_CACHE]; /* lt_module.c: checks and metric adds */
    unsigned tag_cache_next;
    int exec_name_ref; /* the exec function's name, a Lua string (registry) */
    int keep_ref;      /* a Lua table keeping request arguments alive while in flight */
    /* the request in flight: its method and name (strings in req_arena), the tag set of base
     * tags plus params.tags (req_tid; req_plain when there were none), timing origin */
    const char *req_method, *req_name;
    bool req_plain;
    uint32_t req_tid;
    resp_tag_entry *last_resp; /* the runtime's resp_tags entry of this VU's last response */
    char req_arena[768];
    double req_due;
    /* response_callback.h: the VU's own callback once it set one (NULL: none), and the one of
     * the request in flight (NULL: none) */
    const struct lt_statuses *response_cb, *req_response_cb;
    bool response_cb_own;
    /* lt.group: the path of the groups the VU is in ("::outer::inner"), its `group` tag */
    char group[256];
    int group_len;
    /* lt.http.batch (lt_http_batch.c): the batch in flight, and the pools of its parallel
     * requests beyond the first (which uses `pool`), kept for their connections */
    struct lt_batch *batch;
    http_pool **batch_pools; /* nbatch_pools of them, made as needed */
    int nbatch_pools;
    struct vu_user_tags *user_tags; /* lt.vu.tags set by the script (NULL until one is) */
};

struct runtime {
    int index; /* worker index; -1 for the control runtime */
    run_shared *shared;
    struct event_base *base;
    lua_State *L;
    http_worker *http;
    metrics_shard *shard;
    tag_cache *tags;
    struct lua_tag_entry *lua_tags; /* lt_module.c: tag tables of checks and metric adds */
    int lua_tags_anchor;            /* registry ref keeping those entries' strings alive */
    vu *current;                    /* the VU whose coroutine is running */
    int data_ref;                   /* setup data decoded in this state (LUA_NOREF before setup) */
    double last_error_log;
    long errors_suppressed; /* errors not logged since the last message (one a second) */
    error_tally errors;     /* this thread's iteration errors by message */
    char last_error[1024];  /* the last iteration error, file:line and traceback */
    int response_ctor_ref;  /* lt_http.c: builds response tables */
    const struct lt_statuses *response_cb; /* response_callback.h: the default; NULL: none */
    int response_cb_ref;                   /* keeps the default's object alive */
    luajson_buf json_buf;                  /* lt.json.encode's output buffer, reused */
    luajson_buf fast_json;                 /* lt_fast.c's encoder's output buffer, reused */
    int metric_ids_ref;   /* lt_fast.c: weak table metric object -> metric id (LUA_NOREF: none) */
    resp_series *rseries; /* RESP_TABLE entries */
    resp_tag_entry *resp_tags; /* RESP_TAGS entries */
    double now_hint;           /* > 0: the time the iteration ending right now ended (lt_now) */
    uint64_t rng[4];           /* lt.random() outside a VU (the script's top level) */
    bool capture;              /* runtime_call: keep the function's first result as JSON */
    char *call_result;
    int nvus;
    preempt_state preempt; /* preempt.h: interrupting Lua that does not yield */
    bool discard_bodies;   /* options.discardResponseBodies (runtime_configure) */
    sample_ring *raw; /* metrics/samples.h: this thread's raw samples, when an output wants them */
};

/* Creates the runtime: event base, Lua state with `lt` registered, the script run once (its top
 * level defines options, functions and custom metrics). On failure returns NULL with the script's
 * message (file:line) in err and *is_script_error set. */
runtime *runtime_new(run_shared *sh, int index, char *err, size_t errlen, bool *is_script_error);
/* Applies shared->plan (set by then) to the runtime, once, before any VU or control call: the
 * HTTP client with the plan's TLS options, discardResponseBodies. The script's top level runs
 * before this, in runtime_new: it cannot make requests, and the control runtime's top level is
 * where the plan's options come from. lt.time_scale reads the plan whenever there is one. */
int runtime_configure(runtime *rt, char *err, size_t errlen);
void runtime_free(runtime *rt);
/* Decodes shared->setup_json into this state, for iterations and teardown. */
int runtime_load_setup_data(runtime *rt, char *err, size_t errlen);

vu *vu_new(runtime *rt, const scenario_plan *sc);
void vu_free(vu *v);
/* Starts an iteration calling global `fn` with the setup data; `done` is called when it ends
 * (never synchronously: a call that finishes at once is reported on the next loop pass). */
void vu_start_iteration(vu *v, const char *fn, double due, bool corrected, vu_done_fn done,
                        void *arg);
/* Interrupts the iteration in flight: what its pending call armed is cancelled (vu_cancel_fn),
 * its coroutine is abandoned, `done` is called (ok = false). */
void vu_interrupt(vu *v);
/* Yields the running VU's coroutine L from a C function (return its result): `cancel` undoes
 * what the call armed, should the iteration be interrupted before the VU is resumed. */
int vu_yield(lua_State *L, vu *v, vu_cancel_fn cancel);
/* lt_http_batch.c: closes the idle connections of the VU's batch pools; frees them (vu_free). */
void lt_batch_close_idle(vu *v);
void lt_batch_free_pools(vu *v);

/* Runs global function `fn` (with the setup data when with_data) in the control runtime as a
 * coroutine driven by rt's event loop until it returns or `timeout_s` passes; returns 0 or -1 with
 * the error (file:line) in err. Used for setup, teardown, timeline and scenario setups. The result
 * of setup() is JSON-encoded into *json_out when json_out is not NULL. The call ends early (as
 * failed) when *shared->signals changes while it runs; shared->signal_fd wakes its loop. */
int runtime_call(runtime *rt, const char *fn, bool with_data, double timeout_s, char **json_out,
                 char *err, size_t errlen);
bool runtime_has_function(runtime *rt, const char *fn);
/* As runtime_call, with the JSON value arg_json (decoded into a Lua table) as the argument in
 * place of the setup data, and the function's result JSON-encoded into *json_out (NULL when it
 * returned nil). Used for handleSummary(data). */
int runtime_call_json(runtime *rt, const char *fn, const char *arg_json, double timeout_s,
                      char **json_out, char *err, size_t errlen);
/* The script's global `options` as JSON (*out NULL when it has none), for the plan: the run
 * reads Lua only through this module. -1 with err when it is not a table of JSON data. */
int runtime_options(runtime *rt, cJSON **out, char *err, size_t errlen);

/* Prints how many iteration errors the one-a-second log held back since its last message; call
 * once the runtime's thread is done, so no count is lost at the end of a run. */
void runtime_end_error_log(runtime *rt);

/* Groups (lt.group, lt_group.c): entering appends "::name" to the VU's group path, which is the
 * `group` tag of its samples until the matching leave; returns the path's previous length (the
 * token for vu_group_leave), or -1 when the path would not fit. An iteration that ends inside a
 * group (error, interruption) leaves them all. */
int vu_group_enter(vu *v, const char *name, size_t len);
void vu_group_leave(vu *v, int token);
/* lt.vu.tags: sets (val) or deletes (val NULL) a tag of the VU's samples from now on; -1 when
 * the key (63 bytes) or value (127) is too long or VU_USER_TAGS are set already. */
int vu_set_tag(vu *v, const char *key, const char *val);

/* The base tags of the VU's iteration, interned (once per change of them). */
#define BASE_TID_NONE UINT32_MAX
uint32_t vu_base_tid(vu *v);
/* lt_now(), or the end of the iteration that is finishing when called from its done callback
 * (the closed model starts the next one at the same instant, without another clock read). */
double runtime_now(runtime *rt);

/* Tags of the run right now (options.tags overlaid by timeline tags due at `elapsed`). */
void runtime_run_tags(const run_shared *sh, double elapsed, tag_builder *b);

/* Records a sample into the runtime's own store. */
static inline void rt_sample(runtime *rt, int metric, uint32_t tags, double v) {
    store_add(metrics_shard_store(rt->shard), metric, tags, v);
    if (samples_enabled()) samples_record(&rt->raw, metric, tags, v, runtime_now(rt));
}

/* Copies a Lua table's string pairs into b, their text into arena. */
void tags_from_lua(lua_State *L, int idx, tag_builder *b, char *arena, size_t cap);
/* The tag set id of the running VU's base tags plus the Lua tag table at idx (cached). */
uint32_t lt_table_tags(lua_State *L, runtime *rt, int idx);
/* The tag set id lt.check (check: the check's name) or a metric's add (check NULL) gives a sample
 * taken now with the tag table at idx (0 or not a table: none), as those functions compute it. */
uint32_t lt_sample_tags(lua_State *L, runtime *rt, int idx, const char *check);
/* The tag set id of the running VU's (or the runtime's) base tags plus the Lua table at tags_idx
 * (0: none) and the pair k1=v1 (k1 NULL: none): what lt_table_tags and lt_sample_tags compute. */
uint32_t lt_tags_with(lua_State *L, runtime *rt, int tags_idx, const char *k1, const char *v1);
/* Under lt inspect: os.execute, io.popen, file writes and the like fail as they fail on their
 * own (nil and a message), so the script's options load with no side effects. */
void lt_inspect_guard(lua_State *L);
/* lt_fast.c: lt.check, metric adds and lt.json.encode of flat tables on LuaJIT's compiled traces
 * (FFI calls), installed into the lt table on top of the stack; the C functions stay the fallback.
 * lt_ffi_enabled() is false when LT_NO_FFI is set (not "" or "0"): every FFI path of the module
 * (these, lt.random, lt.vu.id) is then left out, for comparing results with and without. */
void lt_open_fast(lua_State *L, runtime *rt);
bool lt_ffi_enabled(void);

/* Registers the `lt` module into L (lt_module.c), lt.http (lt_http.c) and lt.group (lt_group.c)
 * into the lt table at the top of the stack. */
void lt_open_module(lua_State *L, runtime *rt);
void lt_open_group(lua_State *L, runtime *rt);
/* k6/execution (lt_execution.c): lt.instance, and the k6-named fields of lt.vu and lt.scenario,
 * pushed by lt_push_vu_field / lt_push_scenario_field (false when key is not one of them). */
void lt_open_execution(lua_State *L, runtime *rt);
bool lt_push_vu_field(lua_State *L, runtime *rt, const char *key);
bool lt_push_scenario_field(lua_State *L, runtime *rt, const char *key);
void lt_open_http(lua_State *L, runtime *rt);
/* Pushes a response table for res (lt_http.c). */
void lt_push_response(lua_State *L, const http_result *res, bool keep_body);
/* Called by lt_http.c when the request completes: records metrics, resumes the VU. */
void vu_resume(vu *v, int nargs);
runtime *lt_runtime(lua_State *L);
#endif
