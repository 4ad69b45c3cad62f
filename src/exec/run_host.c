/* run_host.c — what the machine gives a run (exec/run_host.h). */
#include "exec/run_host.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

extern char **environ;

/* Process environment overlaid by -e (later wins). */
void run_env_build(run_shared *sh, const run_config *a) {
    int n = 0;
    for (char **e = environ; *e; e++) n++;
    sh->env_keys = calloc(n + a->nenv + 1, sizeof(char *));
    sh->env_vals = calloc(n + a->nenv + 1, sizeof(char *));
    for (char **e = environ; *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq) continue;
        sh->env_keys[sh->nenv] = strndup(*e, (size_t)(eq - *e));
        sh->env_vals[sh->nenv] = strdup(eq + 1);
        sh->nenv++;
    }
    for (int i = 0; i < a->nenv; i++) {
        int k = 0;
        while (k < sh->nenv && strcmp(sh->env_keys[k], a->env_keys[i]) != 0) k++;
        if (k == sh->nenv) {
            sh->env_keys[k] = strdup(a->env_keys[i]);
            sh->nenv++;
        } else {
            free(sh->env_vals[k]);
        }
        sh->env_vals[k] = strdup(a->env_vals[i]);
    }
}

void run_env_free(run_shared *sh) {
    for (int i = 0; i < sh->nenv; i++) {
        free(sh->env_keys[i]);
        free(sh->env_vals[i]);
    }
    free(sh->env_keys);
    free(sh->env_vals);
}

/* Raises the descriptor soft limit to the hard limit; warns when maxVUs connections won't fit. */
void run_raise_fd_limit(const plan *p) {
    long need = 64;
    for (int i = 0; i < p->nscenarios; i++)
        need += p->scenarios[i].max_vus > 0 ? p->scenarios[i].max_vus : 1;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if ((long)rl.rlim_cur < need)
        fprintf(stderr,
                "lt: warning: the scenarios may need %ld file descriptors (one connection per VU) "
                "but the limit is %ld; raise it (ulimit -n) or requests will fail with 'too many "
                "open files'\n",
                need, (long)rl.rlim_cur);
}

/* The memory this process can use: physical memory, or less under `ulimit -v`/`-d` or a cgroup
 * (v2) limit; *what names which. 0 when unknown. */
static double memory_limit(const char **what) {
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    double limit = pages > 0 && psize > 0 ? (double)pages * (double)psize : 0;
    *what = "this machine's memory";
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (limit == 0 || (double)rl.rlim_cur < limit))
        limit = (double)rl.rlim_cur, *what = "the address-space limit (ulimit -v)";
    if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (limit == 0 || (double)rl.rlim_cur < limit))
        limit = (double)rl.rlim_cur, *what = "the data-size limit (ulimit -d)";
    char line[512], path[600];
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f) return limit;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "0::", 3) == 0) {
            line[strcspn(line, "\n")] = 0;
            snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", line + 3);
            FILE *m = fopen(path, "r");
            double v = 0;
            if (m && fscanf(m, "%lf", &v) == 1 && v > 0 && (limit == 0 || v < limit))
                limit = v, *what = "the cgroup's memory limit (memory.max)";
            if (m) fclose(m);
        }
    fclose(f);
    return limit;
}

/* MemAvailable from /proc/meminfo, in bytes; 0 when unknown. */
static double available_memory(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f) return 0;
    char line[256];
    double kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
    fclose(f);
    return kb * 1024;
}

/* VUs that cannot fit in memory are refused before anything is allocated (exit 104). */
int run_check_memory(const plan *p, char *err, size_t errlen) {
    const char *what;
    double limit = memory_limit(&what);
    if (plan_check_memory(p, limit, what, err, errlen) != 0) return -1;
    double avail = available_memory(), need = (double)plan_peak_vus(p, false) * PLAN_VU_BYTES;
    if (avail > 0 && need > avail)
        fprintf(stderr,
                "lt: warning: the VUs need at least %.1f GB but only %.1f GB of memory is "
                "available now\n",
                need / 1e9, avail / 1e9);
    long most = plan_peak_vus(p, true);
    if (limit > 0 && (double)most * PLAN_VU_BYTES > limit)
        fprintf(stderr,
                "lt: warning: maxVUs allow %ld VUs at once, at least %.1f GB, more than %s "
                "(%.1f GB): the run may run out of memory if the pool grows that far\n",
                most, (double)most * PLAN_VU_BYTES / 1e9, what, limit / 1e9);
    return 0;
}
