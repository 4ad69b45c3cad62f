/* preempt.c — the watchdog thread, the preempt signal and the count hook (see preempt.h). */
#include "vu/preempt.h"
#include "base/clock.h"
#include "vu/runtime.h"
#include <errno.h>
#include <lauxlib.h>
#include <link.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>

#define MAX_RUNTIMES 1024
#define MAX_RANGES   256

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static runtime *g_runtimes[MAX_RUNTIMES];
static int g_nruntimes;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static volatile sig_atomic_t *g_signal_count;
static _Thread_local runtime *tl_runtime; /* the runtime whose thread this is */

/* Executable ranges of the loaded objects, refreshed by the watchdog before it asks for a jump:
 * an address in none of them is LuaJIT's machine code (anonymous mappings). */
typedef struct {
    uintptr_t lo, hi;
    bool luajit;
} code_range;
static code_range g_ranges[MAX_RANGES];
static volatile sig_atomic_t g_nranges;

void preempt_set_signal_counter(volatile sig_atomic_t *count) {
    g_signal_count = count;
}

int preempt_signal_count(void) {
    return g_signal_count ? *g_signal_count : 0;
}

static int preempt_signo(void) {
    return SIGRTMIN + 1;
}

/* ---------------- on the runtime's thread ---------------- */

/* Raises the interruption in the VU running now, if it is the resume the watchdog targets. */
static void preempt_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    runtime *rt = tl_runtime;
    if (!rt || !rt->current) return;
    preempt_state *p = &rt->preempt;
    if (atomic_load_explicit(&p->target_seq, memory_order_relaxed) !=
        atomic_load_explicit(&p->slice_seq, memory_order_relaxed))
        return;
    rt->current->preempted = true;
    luaL_error(L, "interrupted: ran past its stop (gracefulStop, timeout or Ctrl-C)");
}

static bool pc_in_lua_code(uintptr_t pc) {
    int n = g_nranges;
    for (int i = 0; i < n; i++)
        if (pc >= g_ranges[i].lo && pc < g_ranges[i].hi) return g_ranges[i].luajit;
    return n > 0; /* in no loaded object: a trace (only trusted once the ranges are known) */
}

static uintptr_t context_pc(void *ucv) {
    ucontext_t *uc = ucv;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#else
    (void)uc;
    return 0;
#endif
}

static void on_preempt_signal(int sig, siginfo_t *si, void *ucv) {
    (void)sig;
    (void)si;
    int saved_errno = errno;
    runtime *rt = tl_runtime;
    if (!rt || rt->preempt.poisoned) goto out;
    preempt_state *p = &rt->preempt;
    if (!atomic_load_explicit(&p->in_lua, memory_order_relaxed) ||
        atomic_load_explicit(&p->target_seq, memory_order_relaxed) !=
            atomic_load_explicit(&p->slice_seq, memory_order_relaxed))
        goto out;
    if (!p->hook_set) {
        p->hook_set = 1;
        lua_sethook(rt->L, preempt_hook, LUA_MASKCOUNT, 1000);
    }
    uintptr_t pc = context_pc(ucv);
    if (atomic_load_explicit(&p->level, memory_order_relaxed) >= 2 && p->depth == 1 && pc &&
        pc_in_lua_code(pc)) {
        errno = saved_errno;
        siglongjmp(p->landing, 1);
    }
out:
    errno = saved_errno;
}

static void *watchdog_main(void *arg);

static void preempt_init(void) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_preempt_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(preempt_signo(), &sa, NULL);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* the watchdog must not take SIGINT/SIGTERM or the preempt signal */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_create(&t, &attr, watchdog_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
}

static void preempt_register(runtime *rt) {
    pthread_once(&g_once, preempt_init);
    pthread_mutex_lock(&g_lock);
    if (g_nruntimes < MAX_RUNTIMES) {
        rt->preempt.thread = pthread_self();
        g_runtimes[g_nruntimes++] = rt;
        rt->preempt.registered = true;
    }
    pthread_mutex_unlock(&g_lock);
}

void preempt_unregister(runtime *rt) {
    if (!rt->preempt.registered) return;
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < g_nruntimes; i++)
        if (g_runtimes[i] == rt) {
            g_runtimes[i] = g_runtimes[--g_nruntimes];
            break;
        }
    rt->preempt.registered = false;
    pthread_mutex_unlock(&g_lock);
}

bool preempt_enter(runtime *rt, int scenario) {
    preempt_state *p = &rt->preempt;
    tl_runtime = rt;
    if (!p->registered) preempt_register(rt);
    atomic_store_explicit(&p->slice_scenario, scenario, memory_order_relaxed);
    /* only this thread writes it: a plain load and store, no locked instruction */
    unsigned long seq = atomic_load_explicit(&p->slice_seq, memory_order_relaxed);
    atomic_store_explicit(&p->slice_seq, seq + 1, memory_order_relaxed);
    p->depth++;
    atomic_store_explicit(&p->in_lua, true, memory_order_relaxed);
    return p->depth == 1;
}

void preempt_leave(runtime *rt) {
    preempt_state *p = &rt->preempt;
    if (--p->depth > 0) return;
    atomic_store_explicit(&p->in_lua, false, memory_order_relaxed);
    if (p->hook_set) {
        /* back to compiled speed: a hook stops trace recording while set */
        if (!p->poisoned) lua_sethook(rt->L, NULL, 0, 0);
        p->hook_set = 0;
    }
}

void preempt_landed(runtime *rt) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, preempt_signo());
    pthread_sigmask(SIG_UNBLOCK, &s, NULL); /* the handler left by jumping, not returning */
    rt->preempt.poisoned = true;
}

/* ---------------- the watchdog ---------------- */

static int add_ranges(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    int *n = arg;
    uintptr_t luajit_fn = (uintptr_t)&lua_resume;
    for (int i = 0; i < info->dlpi_phnum && *n < MAX_RANGES; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        g_ranges[*n] = (code_range){lo, hi, luajit_fn >= lo && luajit_fn < hi};
        (*n)++;
    }
    return 0;
}

static void refresh_ranges(void) {
    g_nranges = 0;
    int n = 0;
    dl_iterate_phdr(add_ranges, &n);
    g_nranges = n;
}

/* The deadline of what rt runs now, and whether leaving a trace (abandoning its Lua state) is
 * allowed: for a worker, when no scenario needs it any more; for a control call, always. */
static double slice_deadline(runtime *rt, double now, bool *may_escape) {
    preempt_state *p = &rt->preempt;
    int sc = atomic_load_explicit(&p->slice_scenario, memory_order_relaxed);
    if (sc < 0 || !rt->shared->plan) {
        *may_escape = true;
        if (atomic_load(&p->call_signals) != preempt_signal_count()) return 0;
        double d = atomic_load(&p->call_deadline);
        return d > 0 ? d : INFINITY;
    }
    const plan *pl = rt->shared->plan;
    *may_escape = true;
    for (int i = 0; i < pl->nscenarios; i++) {
        double d = atomic_load(&rt->shared->scenarios[i].deadline);
        if (d <= 0 || d > now) *may_escape = false; /* 0: not started yet */
    }
    double d = sc < pl->nscenarios ? atomic_load(&rt->shared->scenarios[sc].deadline) : 0;
    return d > 0 ? d : INFINITY;
}

static void watch(runtime *rt, double now) {
    preempt_state *p = &rt->preempt;
    if (p->poisoned || !atomic_load_explicit(&p->in_lua, memory_order_relaxed)) return;
    unsigned long seq = atomic_load_explicit(&p->slice_seq, memory_order_relaxed);
    bool may_escape = false;
    if (now < slice_deadline(rt, now, &may_escape)) return;
    if (atomic_load(&p->target_seq) != seq) {
        atomic_store(&p->level, 1);
        atomic_store(&p->target_seq, seq);
        p->signalled_at = now;
        pthread_kill(p->thread, preempt_signo());
        return;
    }
    if (now - p->signalled_at < PREEMPT_ESCAPE_S) return;
    if (may_escape && atomic_load(&p->level) < 2) {
        refresh_ranges();
        atomic_store(&p->level, 2);
    }
    /* again each poll: a signal that found the thread in C (libc, lt) did nothing */
    pthread_kill(p->thread, preempt_signo());
}

static void *watchdog_main(void *arg) {
    (void)arg;
    struct timespec tick = {0, (long)(PREEMPT_POLL_S * 1e9)};
    for (;;) {
        nanosleep(&tick, NULL);
        double now = lt_now();
        pthread_mutex_lock(&g_lock);
        for (int i = 0; i < g_nruntimes; i++) watch(g_runtimes[i], now);
        pthread_mutex_unlock(&g_lock);
    }
    return NULL;
}
