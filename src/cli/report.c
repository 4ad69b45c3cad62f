/* report.c — `lt report`: command line, file reading and the bridge to lua/report (the verdict
 * logic lives in Lua so a team can change a table without recompiling). */
#include "cli/lua_dir.h"
#include "cli/report.h"
#include "exec/run.h"
#include "vu/luajson.h"
#include <lauxlib.h>
#include <limits.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPORT_MAX_FILES 64

typedef struct {
    const char *format; /* md, json or html */
    const char *out;    /* NULL: stdout */
    double a4_noise_ms; /* A4 also passes when the p99 rose by less than this (loopback noise) */
    double isolation_noise_ms; /* so does shard isolation (B1 vs B2 shard A p99) */
    const char *files[REPORT_MAX_FILES];
    int nfiles;
} report_args;

static const char REPORT_USAGE[] = "usage: lt report [--format md|json|html] [-o FILE] "
                                   "[--a4-noise-ms MS] [--isolation-noise-ms MS] "
                                   "SUMMARY...  "
                                   "('-' reads a summary from stdin)";

static int usage_error(const char *what) {
    fprintf(stderr, "lt report: %s\n%s\n", what, REPORT_USAGE);
    return EXIT_USAGE;
}

static int parse_report_args(int argc, char **argv, report_args *a) {
    memset(a, 0, sizeof *a);
    a->format = "md";
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        if (strcmp(f, "-h") == 0 || strcmp(f, "--help") == 0) {
            printf("%s\n", REPORT_USAGE);
            exit(EXIT_OK);
        } else if (strcmp(f, "--format") == 0 || strcmp(f, "-o") == 0) {
            if (i + 1 >= argc) {
                char msg[64];
                snprintf(msg, sizeof msg, "%s needs a value", f);
                return usage_error(msg);
            }
            if (f[1] == 'o')
                a->out = argv[++i];
            else
                a->format = argv[++i];
        } else if (strcmp(f, "--a4-noise-ms") == 0 || strcmp(f, "--isolation-noise-ms") == 0) {
            char *end = NULL;
            double *ms = f[2] == 'a' ? &a->a4_noise_ms : &a->isolation_noise_ms;
            *ms = i + 1 < argc ? strtod(argv[++i], &end) : -1;
            if (!end || *end || *ms < 0) {
                char msg[96];
                snprintf(msg, sizeof msg, "%s needs a number of milliseconds >= 0", f);
                return usage_error(msg);
            }
        } else if (strncmp(f, "--format=", 9) == 0) {
            a->format = f + 9;
        } else if (f[0] == '-' && f[1] != 0) {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown flag %s", f);
            return usage_error(msg);
        } else if (a->nfiles == REPORT_MAX_FILES) {
            return usage_error("too many summaries");
        } else {
            a->files[a->nfiles++] = f;
        }
    }
    if (strcmp(a->format, "md") != 0 && strcmp(a->format, "json") != 0 &&
        strcmp(a->format, "html") != 0)
        return usage_error("--format must be md, json or html");
    if (a->nfiles == 0) return usage_error("no summary given");
    return 0;
}

/* The whole of f as a malloc'd string (len set); NULL on a read error. */
static char *slurp(FILE *f, size_t *len) {
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        char *bigger = realloc(buf, cap *= 2);
        if (!bigger) free(buf);
        buf = bigger;
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    *len = n;
    return buf;
}

/* json_decode(text) -> value | nil, message (lt's strict decoder). */
static int l_json_decode(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    char err[256];
    if (luajson_decode(L, s, len, err, sizeof err) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    return 1;
}

/* json_encode(value) -> text (an error on a value JSON cannot hold). */
static int l_json_encode(lua_State *L) {
    char err[256];
    char *s = luajson_encode(L, 1, err, sizeof err);
    if (!s) return luaL_error(L, "json encode: %s", err);
    lua_pushstring(L, s);
    free(s);
    return 1;
}

/* Pushes {{name=, text=|error=}, ...} for the files. */
static void push_inputs(lua_State *L, const report_args *a) {
    lua_createtable(L, a->nfiles, 0);
    for (int i = 0; i < a->nfiles; i++) {
        const char *name = a->files[i];
        bool is_stdin = strcmp(name, "-") == 0;
        FILE *f = is_stdin ? stdin : fopen(name, "rb");
        lua_createtable(L, 0, 2);
        lua_pushstring(L, is_stdin ? "(stdin)" : name);
        lua_setfield(L, -2, "name");
        size_t len = 0;
        char *text = f ? slurp(f, &len) : NULL;
        if (text) {
            lua_pushlstring(L, text, len);
            lua_setfield(L, -2, "text");
        } else {
            lua_pushstring(L, f ? "read error" : "cannot open the file");
            lua_setfield(L, -2, "error");
        }
        free(text);
        if (f && !is_stdin) fclose(f);
        lua_rawseti(L, -2, i + 1);
    }
}

static int write_output(const char *path, const char *text, size_t len) {
    FILE *f = path && strcmp(path, "-") != 0 ? fopen(path, "wb") : stdout;
    if (!f) {
        fprintf(stderr, "lt report: cannot write %s\n", path);
        return -1;
    }
    size_t n = fwrite(text, 1, len, f);
    int bad = (f != stdout ? fclose(f) : fflush(f)) != 0 || n != len;
    if (bad) fprintf(stderr, "lt report: writing %s failed\n", path ? path : "stdout");
    return bad ? -1 : 0;
}

/* Runs report.init.main(inputs, format, {a4_noise_ms, isolation_noise_ms}) -> text, exit code. */
static int run_report_lua(const report_args *a) {
    lua_State *L = luaL_newstate();
    if (!L) return EXIT_SCRIPT;
    luaL_openlibs(L);
    char dir[PATH_MAX];
    lua_dir_find("LT_LUA_DIR", "", dir, sizeof dir);
    lua_getglobal(L, "package");
    lua_pushfstring(L, "%s/?.lua;%s/?/init.lua", dir, dir);
    lua_setfield(L, -2, "path");
    lua_pop(L, 1);
    lua_register(L, "lt_json_decode", l_json_decode);
    lua_register(L, "lt_json_encode", l_json_encode);
    int code = EXIT_SCRIPT;
    lua_getglobal(L, "require");
    lua_pushstring(L, "report");
    if (lua_pcall(L, 1, 1, 0) != 0) {
        fprintf(stderr, "lt report: cannot load lua/report from %s: %s\n", dir,
                lua_tostring(L, -1));
        goto done;
    }
    lua_getfield(L, -1, "main");
    push_inputs(L, a);
    lua_pushstring(L, a->format);
    lua_createtable(L, 0, 2);
    lua_pushnumber(L, a->a4_noise_ms);
    lua_setfield(L, -2, "a4_noise_ms");
    lua_pushnumber(L, a->isolation_noise_ms);
    lua_setfield(L, -2, "isolation_noise_ms");
    if (lua_pcall(L, 3, 2, 0) != 0) {
        fprintf(stderr, "lt report: %s\n", lua_tostring(L, -1));
        goto done;
    }
    code = (int)lua_tointeger(L, -1);
    size_t len;
    const char *text = lua_tolstring(L, -2, &len);
    if (text && write_output(a->out, text, len) != 0) code = EXIT_REPORT_BAD_INPUT;
done:
    lua_close(L);
    return code;
}

int report_main(int argc, char **argv) {
    report_args a;
    int rc = parse_report_args(argc, argv, &a);
    if (rc != 0) return rc;
    return run_report_lua(&a);
}
