/* worker.h — a worker thread: one runtime (event loop + Lua state + VUs), the schedulers of the
 * scenarios it takes part in, and a small command queue from the main thread.
 *
 * Promises: commands are thread-safe and wake the worker at once (eventfd); the worker hands its
 * metrics over every 500 ms and once more before it exits; it tells the main thread (through
 * the wake fd it was given) whenever one of its scenarios finishes.
 */
#ifndef LT_EXEC_WORKER_H
#define LT_EXEC_WORKER_H
#include "vu/runtime.h"

typedef struct worker worker;

/* Loads the script in a new runtime for worker `index` of `n`. NULL with err on failure. */
worker *worker_new(run_shared *sh, int index, int n, int main_wake_fd, char *err, size_t errlen,
                   bool *script_error);
int worker_run(worker *w); /* starts the thread */
void worker_start_scenario(worker *w, int scenario);
void worker_stop(worker *w, bool hard); /* stop every scenario (gracefully unless hard) */
void worker_exit(worker *w);            /* leave the loop once every scenario is done */
void worker_join(worker *w);
void worker_free(worker *w);
metrics_shard *worker_shard(worker *w);
runtime *worker_runtime(worker *w); /* for the main thread once the worker is joined */
#endif
