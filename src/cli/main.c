/* main.c — lt's entry point: parse the command line, hand over to run_command. */
#include "cli/args.h"
#include "cli/merge.h"
#include "cli/report.h"
#include "cli/run.h"
#include "version.h"
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "report") == 0) return report_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "merge") == 0) return merge_main(argc - 1, argv + 1);
    cli_args a;
    char err[512];
    if (args_parse(argc, argv, &a, err, sizeof err) != 0) {
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
        return run_command(&a);
    }
}
