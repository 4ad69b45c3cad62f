/* run_host.h — what the machine gives a run, checked and taken before it starts: the process
 * environment (for lt.env), file descriptors, memory.
 *
 * Promises: nothing here starts traffic or touches Lua; a plan whose VUs cannot fit in the memory
 * this process may use is refused (exit 104 by the caller) before anything is allocated; what only
 * might not fit (maxVUs, memory available right now, descriptors) is a warning on stderr.
 */
#ifndef LT_EXEC_RUN_HOST_H
#define LT_EXEC_RUN_HOST_H
#include "exec/run.h"
#include "vu/runtime.h"

/* sh's environment: the process's, overlaid by the run's -e pairs (later wins). */
void run_env_build(run_shared *sh, const run_config *a);
void run_env_free(run_shared *sh);
/* Raises the descriptor soft limit to the hard limit; warns when maxVUs connections won't fit. */
void run_raise_fd_limit(const plan *p);
/* Refuses (-1, err) VUs that cannot fit in this process's memory limit; warns about less sure
 * cases. */
int run_check_memory(const plan *p, char *err, size_t errlen);
#endif
