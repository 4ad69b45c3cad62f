/* inspect_guard.c — lt inspect runs a script's top level with no side effects (runtime.h). */
#include "vu/runtime.h"
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

/* ---------------- lt inspect: no side effects ----------------
 * Under inspect the standard library's commands and file writes fail the way they fail on their
 * own — nil and a message — so a script that checks for failure still loads and its options are
 * printed; reading files stays allowed. (LuaJIT's FFI can still call anything: not covered.) */

static int inspect_refuse(lua_State *L, const char *what) {
    fprintf(stderr, "lt: inspect: %s not run (lt inspect has no side effects)\n", what);
    lua_pushnil(L);
    lua_pushfstring(L, "%s: not run under lt inspect (no side effects)", what);
    return 2;
}

static int inspect_os_execute(lua_State *L) {
    return inspect_refuse(L, "os.execute");
}
static int inspect_io_popen(lua_State *L) {
    return inspect_refuse(L, "io.popen");
}
static int inspect_os_remove(lua_State *L) {
    return inspect_refuse(L, "os.remove");
}
static int inspect_os_rename(lua_State *L) {
    return inspect_refuse(L, "os.rename");
}
static int inspect_os_tmpname(lua_State *L) { /* LuaJIT's creates the file (mkstemp) */
    return inspect_refuse(L, "os.tmpname");
}

/* io.open for reading only: any mode with w, a or + would create or change the file. */
static int inspect_io_open(lua_State *L) {
    const char *mode = luaL_optstring(L, 2, "r");
    if (strpbrk(mode, "wa+")) return inspect_refuse(L, "io.open for writing");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* io.output(name) opens the file for writing; io.output() and io.output(file) only select. */
static int inspect_io_output(lua_State *L) {
    if (lua_type(L, 1) == LUA_TSTRING)
        return luaL_error(L, "io.output: not run under lt inspect "
                             "(no side effects)");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static void inspect_replace(lua_State *L, const char *lib, const char *fn, lua_CFunction f,
                            bool wrap) {
    lua_getglobal(L, lib);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    if (wrap) {
        lua_getfield(L, -1, fn);
        lua_pushcclosure(L, f, 1);
    } else {
        lua_pushcfunction(L, f);
    }
    lua_setfield(L, -2, fn);
    lua_pop(L, 1);
}

void lt_inspect_guard(lua_State *L) {
    inspect_replace(L, "os", "execute", inspect_os_execute, false);
    inspect_replace(L, "os", "remove", inspect_os_remove, false);
    inspect_replace(L, "os", "rename", inspect_os_rename, false);
    inspect_replace(L, "os", "tmpname", inspect_os_tmpname, false);
    inspect_replace(L, "io", "popen", inspect_io_popen, false);
    inspect_replace(L, "io", "open", inspect_io_open, true);
    inspect_replace(L, "io", "output", inspect_io_output, true);
}
