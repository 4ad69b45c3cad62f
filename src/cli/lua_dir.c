/* lua_dir.c — see lua_dir.h. */
#include "cli/lua_dir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void lua_dir_find(const char *env, const char *rel, char *out, size_t len) {
    const char *set = getenv(env);
    if (set) {
        snprintf(out, len, "%s", set);
        return;
    }
    char exe[PATH_MAX - 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(out, len, "lua%s%s", *rel ? "/" : "", rel);
        return;
    }
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) *slash = 0;
    snprintf(out, len, "%s/../lua%s%s", exe, *rel ? "/" : "", rel);
}
