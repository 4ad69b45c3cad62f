/* worker.c — worker threads and their command queue. */
#include "exec/worker.h"
#include "exec/sched.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

enum { CMD_START, CMD_STOP, CMD_STOP_HARD, CMD_EXIT };

typedef struct {
    int op, arg;
} command;

#define QUEUE_CAP 256

struct worker {
    runtime *rt;
    int index, n;
    pthread_t thread;
    bool started;
    int wake_fd, main_wake_fd;
    struct event *wake_ev, *flush_ev;
    pthread_mutex_t lock;
    command queue[QUEUE_CAP];
    int qlen;
    sched **scheds; /* per plan scenario; NULL when this worker does not take part */
    bool exiting;
};

static void notify(int fd) {
    uint64_t one = 1;
    ssize_t r = write(fd, &one, sizeof one);
    (void)r;
}

static bool all_done(worker *w) {
    const plan *p = w->rt->shared->plan;
    for (int i = 0; i < p->nscenarios; i++)
        if (w->scheds[i] && !sched_finished(w->scheds[i])) return false;
    return true;
}

static void maybe_exit(worker *w) {
    if (w->exiting && all_done(w)) {
        metrics_shard_flush(w->rt->shard);
        event_base_loopbreak(w->rt->base);
    }
}

static void scenario_finished(sched *s, void *arg) {
    worker *w = arg;
    const plan *p = w->rt->shared->plan;
    for (int i = 0; i < p->nscenarios; i++)
        if (w->scheds[i] == s) atomic_fetch_add(&w->rt->shared->scenarios[i].workers_done, 1);
    metrics_shard_flush(w->rt->shard);
    notify(w->main_wake_fd);
    maybe_exit(w);
}

static void handle(worker *w, command c) {
    const plan *p = w->rt->shared->plan;
    switch (c.op) {
    case CMD_START:
        if (w->scheds[c.arg]) sched_start(w->scheds[c.arg], w->rt->shared->scenarios[c.arg].t0);
        break;
    case CMD_STOP:
    case CMD_STOP_HARD:
        for (int i = 0; i < p->nscenarios; i++)
            if (w->scheds[i]) sched_stop(w->scheds[i], c.op == CMD_STOP_HARD);
        break;
    case CMD_EXIT:
        w->exiting = true;
        maybe_exit(w);
        break;
    }
}

static void wake_cb(evutil_socket_t fd, short what, void *arg) {
    worker *w = arg;
    uint64_t v;
    ssize_t r = read(fd, &v, sizeof v);
    (void)r;
    command local[QUEUE_CAP];
    pthread_mutex_lock(&w->lock);
    int n = w->qlen;
    memcpy(local, w->queue, n * sizeof *local);
    w->qlen = 0;
    pthread_mutex_unlock(&w->lock);
    for (int i = 0; i < n; i++) handle(w, local[i]);
}

static void flush_cb(evutil_socket_t fd, short what, void *arg) {
    worker *w = arg;
    metrics_shard_flush(w->rt->shard);
}

static void post(worker *w, int op, int arg) {
    pthread_mutex_lock(&w->lock);
    if (w->qlen < QUEUE_CAP) w->queue[w->qlen++] = (command){op, arg};
    pthread_mutex_unlock(&w->lock);
    notify(w->wake_fd);
}

worker *worker_new(run_shared *sh, int index, int n, int main_wake_fd, char *err, size_t errlen,
                   bool *script_error) {
    runtime *rt = runtime_new(sh, index, err, errlen, script_error);
    if (!rt) return NULL;
    if (runtime_configure(rt, err, errlen) != 0 || runtime_load_setup_data(rt, err, errlen) != 0) {
        runtime_free(rt);
        return NULL;
    }
    worker *w = calloc(1, sizeof *w);
    w->rt = rt;
    w->index = index;
    w->n = n;
    w->main_wake_fd = main_wake_fd;
    w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    pthread_mutex_init(&w->lock, NULL);
    w->wake_ev = event_new(rt->base, w->wake_fd, EV_READ | EV_PERSIST, wake_cb, w);
    event_add(w->wake_ev, NULL);
    w->flush_ev = event_new(rt->base, -1, EV_PERSIST, flush_cb, w);
    struct timeval half = {0, 500000};
    event_add(w->flush_ev, &half);
    const plan *p = sh->plan;
    w->scheds = calloc(p->nscenarios, sizeof *w->scheds);
    for (int i = 0; i < p->nscenarios; i++) {
        int parts = sched_participants(&p->scenarios[i], n);
        if (index < parts)
            w->scheds[i] = sched_new(rt, &p->scenarios[i], index, parts, scenario_finished, w);
    }
    return w;
}

static void *thread_main(void *arg) {
    worker *w = arg;
    event_base_dispatch(w->rt->base);
    metrics_shard_flush(w->rt->shard);
    return NULL;
}

int worker_run(worker *w) {
    if (pthread_create(&w->thread, NULL, thread_main, w) != 0) return -1;
    w->started = true;
    return 0;
}

void worker_start_scenario(worker *w, int scenario) {
    post(w, CMD_START, scenario);
}
void worker_stop(worker *w, bool hard) {
    post(w, hard ? CMD_STOP_HARD : CMD_STOP, 0);
}
void worker_exit(worker *w) {
    post(w, CMD_EXIT, 0);
}

void worker_join(worker *w) {
    if (w->started) pthread_join(w->thread, NULL);
    w->started = false;
}

void worker_free(worker *w) {
    if (!w) return;
    const plan *p = w->rt->shared->plan;
    for (int i = 0; i < p->nscenarios; i++) sched_free(w->scheds[i]);
    free(w->scheds);
    event_free(w->wake_ev);
    event_free(w->flush_ev);
    close(w->wake_fd);
    pthread_mutex_destroy(&w->lock);
    runtime_free(w->rt);
    free(w);
}

metrics_shard *worker_shard(worker *w) {
    return w->rt->shard;
}

runtime *worker_runtime(worker *w) {
    return w->rt;
}
