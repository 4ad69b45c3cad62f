/* preempt.h — stopping Lua code that never yields (a CPU-bound script), from outside it.
 *
 * A runtime's thread runs Lua only inside vu_resume; while it does, nothing else on that thread
 * (its event loop, its stop commands, its timers) can run. A watchdog thread looks at every
 * runtime every PREEMPT_POLL_S and interrupts a resume that runs past its deadline: the stop of
 * its VU's scenario (end of duration plus gracefulStop, or a Ctrl-C's gracefulStop, or now on a
 * hard stop, as published by the main thread in scenario_shared.deadline), or, for a control call
 * (setup, teardown, timeline, scenario setup), its timeout or a signal.
 *
 * Promises:
 * - Interpreted Lua is interrupted within about one poll: a LuaJIT count hook, set from a signal
 *   handler on the runtime's own thread (as luajit.c does for Ctrl-C), raises an error marked as an
 *   interruption; it keeps firing, so a pcall that catches it does not keep the loop alive.
 * - LuaJIT runs no hooks inside compiled traces (a hot `while true do end` never leaves its trace).
 *   When the same resume still runs PREEMPT_ESCAPE_S after the hook was set, and no scenario still
 *   needs this runtime (every scenario's deadline has passed; always for a control call), the
 *   signal handler leaves the trace with siglongjmp to the resume's landing point. LuaJIT's
 *   allocator is its own (mmap, no locks), so nothing outside the Lua state is left half-done; the
 *   Lua state itself is abandoned ("poisoned"): no Lua runs in it again and it is never freed.
 *   The jump is taken only when the thread is in Lua code (compiled code or libluajit), never in
 *   libc or lt's own C.
 * - Cost when nothing is due: per resume two relaxed atomic stores and a sigsetjmp without the
 *   signal mask (no system call); the watchdog reads a few atomics per runtime 20 times a second.
 * - The iteration ends as interrupted (not complete, not a script error), as k6 counts
 *   iterations cut by gracefulStop.
 */
#ifndef LT_VU_PREEMPT_H
#define LT_VU_PREEMPT_H
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

#define PREEMPT_POLL_S   0.05
#define PREEMPT_ESCAPE_S 0.1

struct runtime;

typedef struct {
    atomic_bool in_lua;
    atomic_ulong slice_seq;       /* resumes started on this runtime */
    atomic_ulong target_seq;      /* the resume the watchdog interrupts; 0: none */
    atomic_int level;             /* for target_seq: 1 the count hook, 2 also leave traces */
    atomic_int slice_scenario;    /* the resumed VU's scenario (plan index); -1: control call */
    _Atomic double call_deadline; /* a control call's timeout (monotonic s); 0: none */
    atomic_int call_signals;      /* the signal count when the control call started */
    volatile sig_atomic_t hook_set;
    volatile sig_atomic_t depth; /* nested vu_resume calls; the landing is the outermost's */
    bool poisoned;               /* the Lua state was left mid-trace: never touch it again */
    bool registered;
    pthread_t thread;
    sigjmp_buf landing;
    /* the watchdog's own */
    double signalled_at;
} preempt_state;

/* Where the counter of SIGINT/SIGTERM lives: a control call ends when it changes. */
void preempt_set_signal_counter(volatile sig_atomic_t *count);
int preempt_signal_count(void);

/* Called by the runtime's thread around each lua_resume (see vu_resume); enter returns true when
 * this is the outermost resume, which must set the landing with sigsetjmp(landing, 0). The first
 * enter registers the runtime with the watchdog, on the thread that runs it. */
bool preempt_enter(struct runtime *rt, int scenario);
void preempt_leave(struct runtime *rt);
/* After a siglongjmp landed: unblocks the signal, marks the runtime poisoned. */
void preempt_landed(struct runtime *rt);
/* Removes the runtime from the watchdog (runtime_free). */
void preempt_unregister(struct runtime *rt);
#endif
