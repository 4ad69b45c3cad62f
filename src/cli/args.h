/* args.h — lt's command line: subcommands, flags (k6's names where k6 has one), and the help
 * text. Parsing never exits the process; it reports a message and the caller exits 2. */
#ifndef LT_CLI_ARGS_H
#define LT_CLI_ARGS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { CMD_RUN, CMD_INSPECT, CMD_VERSION, CMD_HELP } lt_command;

#define MAX_LIST 64
typedef struct {
    lt_command cmd;
    const char *script;
    const char *env_keys[MAX_LIST], *env_vals[MAX_LIST];
    int nenv;
    const char *outs[MAX_LIST];
    int nouts;
    const char *tag_keys[MAX_LIST], *tag_vals[MAX_LIST];
    int ntags;
    const char *scrape_urls[MAX_LIST], *scrape_filters[MAX_LIST]; /* --scrape, --scrape-filter */
    int nscrape_urls, nscrape_filters;
    const char *summary_export;
    const char *ca_file;
    int threads; /* 0 = number of cores */
    int vus;
    const char *duration;
    long iterations;
    double time_scale;
    double schedule_precision; /* --schedule-precision, seconds; 0 = not given */
    uint64_t seed;
    bool seeded, no_thresholds, quiet, no_color;
    long max_tag_sets;      /* --max-tag-sets; 0 = not given */
    const char *user_agent; /* --user-agent; NULL = not given */
    /* flags over the script's options: 1 given (or =true), -1 given =false, 0 not given */
    signed char insecure, no_connection_reuse, no_vu_connection_reuse;
    long batch, batch_per_host; /* --batch (0 = not given), --batch-per-host (-1 = not given) */
    const char *execution_segment, *execution_segment_sequence; /* NULL = not given */
    double start_at; /* --start-at, unix seconds (wall clock); 0 = not given */
    char keybuf[MAX_LIST * 2][256];
} cli_args;

/* Returns 0, or -1 with a message in err. */
int args_parse(int argc, char **argv, cli_args *a, char *err, size_t errlen);
void args_print_help(void);
#endif
