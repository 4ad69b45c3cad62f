/* main.c — lt's entry point: parse the command line, hand over to run_command (src/exec/run.h),
 * which owns the run. */
#include "cli/args.h"
#include "cli/k6_env.h"
#include "cli/lua_dir.h"
#include "cli/merge.h"
#include "cli/report.h"
#include "exec/run.h"
#include "version.h"
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* lt run / lt inspect: the parsed command line as the run's plain request. */
static int run_from_args(const cli_args *a) {
    char lib[PATH_MAX];
    lua_dir_find("LT_LUA_LIB", "lib", lib, sizeof lib);
    run_config c = {.script = a->script,
                    .lib_dir = lib,
                    .inspect = a->cmd == CMD_INSPECT,
                    .env_keys = a->env_keys,
                    .env_vals = a->env_vals,
                    .nenv = a->nenv,
                    .outs = a->outs,
                    .nouts = a->nouts,
                    .tag_keys = a->tag_keys,
                    .tag_vals = a->tag_vals,
                    .ntags = a->ntags,
                    .scrape_urls = a->scrape_urls,
                    .scrape_filters = a->scrape_filters,
                    .nscrape_urls = a->nscrape_urls,
                    .nscrape_filters = a->nscrape_filters,
                    .summary_export = a->summary_export,
                    .ca_file = a->ca_file,
                    .threads = a->threads,
                    .vus = a->vus,
                    .duration = a->duration,
                    .iterations = a->iterations,
                    .time_scale = a->time_scale,
                    .schedule_precision = a->schedule_precision,
                    .max_tag_sets = a->max_tag_sets,
                    .execution_segment = a->execution_segment,
                    .execution_segment_sequence = a->execution_segment_sequence,
                    .start_at = a->start_at,
                    .seed = a->seed,
                    .seeded = a->seeded,
                    .no_thresholds = a->no_thresholds,
                    .quiet = a->quiet,
                    .no_color = a->no_color,
                    .insecure = a->insecure,
                    .user_agent = a->user_agent,
                    .no_connection_reuse = a->no_connection_reuse,
                    .no_vu_connection_reuse = a->no_vu_connection_reuse,
                    .batch = a->batch,
                    .batch_per_host = a->batch_per_host};
    return run_command(&c);
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "report") == 0) return report_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "merge") == 0) return merge_main(argc - 1, argv + 1);
    cli_args a;
    char err[512];
    int nargc;
    char **nargv;
    if (k6_env_argv(argc, argv, &nargc, &nargv, err, sizeof err) != 0) {
        fprintf(stderr, "lt: %s\n", err);
        return EXIT_CONFIG;
    }
    if (args_parse(nargc, nargv, &a, err, sizeof err) != 0) {
        if (*k6_env_used())
            fprintf(stderr, "lt: %s (the environment gave: %s)\n", err, k6_env_used());
        else
            fprintf(stderr, "lt: %s\n", err);
        return EXIT_USAGE;
    }
    switch (a.cmd) {
    case CMD_HELP:
        args_print_help();
        return EXIT_OK;
    case CMD_VERSION:
        printf("lt %s\n", LT_VERSION);
        return EXIT_OK;
    default:
        return run_from_args(&a);
    }
}
