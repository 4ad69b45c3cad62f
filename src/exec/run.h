/* run.h — one run of a script, from loading it to the exit code: the main thread's work.
 * Exit codes (as k6's where they apply): 0 passed, 99 thresholds failed (also when abortOnFail
 * stopped the run), 104 invalid options, 105 interrupted by a signal, 107 script error,
 * 108 lt.abort(). */
#ifndef LT_EXEC_RUN_H
#define LT_EXEC_RUN_H
#include "cli/args.h"

enum {
    EXIT_OK = 0,
    EXIT_USAGE = 2,
    EXIT_THRESHOLDS = 99,
    EXIT_CONFIG = 104,
    EXIT_SIGNAL = 105,
    EXIT_SCRIPT = 107,
    EXIT_ABORTED = 108,
};

int run_command(const cli_args *a);
#endif
