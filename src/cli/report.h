/* report.h — `lt report`: the spec's ASR verdicts from JSON summaries.
 *
 * Promises: reads every FILE (or stdin for "-") whole, hands the texts to lua/report/init.lua
 * (found next to the binary as bin/../lua/report, or under $LT_LUA_DIR), writes the report to
 * stdout or -o FILE, and returns the exit code the Lua side decided (0 all decided ASRs passed,
 * 99 one failed, 110 nothing decidable, 111 an unreadable or non-lt summary, 2 usage). */
#ifndef LT_CLI_REPORT_H
#define LT_CLI_REPORT_H

enum { EXIT_REPORT_UNDECIDED = 110, EXIT_REPORT_BAD_INPUT = 111 };

/* argv[0] is "report"; the rest are report's own flags and files. */
int report_main(int argc, char **argv);
#endif
