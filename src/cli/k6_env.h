/* k6_env.h — k6's K6_* option variables on lt's command line. k6 takes its options from the
 * script, then the environment, then the command line (each layer over the one before); lt keeps
 * that order for every variable it has a flag for, and says so for every other one.
 *
 * Promises:
 * - A variable with an lt flag (K6_VUS, K6_DURATION, K6_ITERATIONS, K6_OUT, K6_TAGS,
 *   K6_SUMMARY_EXPORT, K6_USER_AGENT, K6_NO_CONNECTION_REUSE, ...) becomes that flag, placed
 *   before the command line's own flags, so a flag given there still wins (for the lists,
 *   K6_OUT and K6_TAGS, a flag given replaces the variable's list, as k6 does).
 * - A boolean takes k6's spellings (1/t/true/TRUE/True, 0/f/false/...) and becomes FLAG or
 *   FLAG=false, so a false in the environment turns off what the script's options turned on.
 * - A variable naming a k6 option lt reads only from the script, or does not implement, is
 *   refused with a message naming it (exit 104, as the option itself would be); k6 variables of
 *   k6's own machinery (cloud, logs, dashboard, ...) get one warning each on stderr: lt does not
 *   read them. The outputs read K6_PROMETHEUS_RW_* and K6_CSV_* themselves.
 */
#ifndef LT_CLI_K6_ENV_H
#define LT_CLI_K6_ENV_H
#include <stddef.h>

/* The command line with the environment's flags in front of its own (after the subcommand):
 * *out_argv is malloc'd, its strings the environment's or copies that live as long as the
 * process; *out_argc its length. Returns 0, or -1 with a message in err for a refused or
 * malformed variable (exit 104). `lt version`, `help` and `--help` read no variable. */
int k6_env_argv(int argc, char **argv, int *out_argc, char ***out_argv, char *err, size_t errlen);

/* The variables the last k6_env_argv turned into flags, as "K6_VUS=10, K6_OUT=..." (empty when
 * none): an error about one of those flags names where it came from. */
const char *k6_env_used(void);

/* Go's strconv.ParseBool, which k6's envconfig and its boolean flags use: 1 for true, 0 for
 * false, -1 for neither. */
int parse_go_bool(const char *v);
#endif
